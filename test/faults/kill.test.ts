import {expect} from 'chai'

import {runCli} from '../helpers/cli.js'
import {connected, createTestDatabase, dialectsUnderTest} from '../helpers/databases.js'
import {chainProject, chainState, consistent, id, report, runAndKill, trials} from './chain.js'

const LENGTH = 30

/**
 * kill -9 at a random point of `upgrade head` of a 30-revision chain, one
 * revision per transaction, then check what the database holds and run
 * `upgrade head` again. Full counts (50 on PostgreSQL and SQLite, 20 on
 * MariaDB) under `npm run test:faults`; fewer in `npm test`.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`kill -9 during upgrade head on ${dialect}`, function () {
    this.timeout(0)

    it(`leaves every revision whole or, on MySQL, named by the next run; the next run completes and finds no lock left`, async () => {
      const count = dialect === 'mysql' ? trials(20, 3) : trials(50, 6)
      // How long the chain takes once its first revision is done: the kills fall anywhere in it.
      const calibration = await createTestDatabase(dialect)
      let span: number
      try {
        const full = await runAndKill(
          ['upgrade', 'head'],
          chainProject(calibration.url, LENGTH),
          Number.POSITIVE_INFINITY,
        )
        expect(full.code).to.equal(0)
        span = full.chainMs
      } finally {
        await calibration.drop()
      }

      const figures = {detected: 0, halfApplied: 0, locksLeft: 0, markedClean: 0, midChain: 0, trials: 0}
      for (let trial = 0; trial < count; trial++) {
        const db = await createTestDatabase(dialect)
        try {
          const dir = chainProject(db.url, LENGTH)
          const killed = await runAndKill(['upgrade', 'head'], dir, Math.random() * span)
          figures.trials++
          const state = await chainState(db, LENGTH)
          if (state.version < LENGTH || state.partial.length > 0) figures.midChain++
          const next = await runCli(['upgrade', 'head', '--lock-timeout', '10'], {cwd: dir})
          if (/migration lock/.test(next.stderr)) figures.locksLeft++
          const unfinished = id(state.version + 1)
          const named =
            next.code === 1 &&
            next.stderr.includes(
              `upgrade ${state.version === 0 ? '<base>' : id(state.version)} -> ${unfinished} (${unfinished}_step.sql) started at `,
            )
          if (dialect === 'mysql' && named) {
            // MySQL commits DDL as it goes: the killed revision is marked, and the next run names it rather than guess
            // (also when the kill came before its first statement committed).
            figures.detected++
            if (consistent(state)) figures.markedClean++
            // The operator settles it: undo what the revision left, stamp, run again.
            const k = state.version + 1
            await connected(db, async (c) => {
              for (const table of [`u_${k}`, `t_${k}`]) await c.query(`DROP TABLE IF EXISTS ${table}`)
              await c.query(
                k > 1 ? `DELETE FROM applied_log WHERE revision = '${unfinished}'` : 'DROP TABLE IF EXISTS applied_log',
              )
            })
            expect(
              (await runCli(['stamp', state.version === 0 ? 'base' : id(state.version)], {cwd: dir})).code,
            ).to.equal(0)
            const settled = await runCli(['upgrade', 'head'], {cwd: dir})
            expect(settled.code, settled.stderr).to.equal(0)
          } else if (consistent(state)) {
            expect(next.code, next.stderr).to.equal(0)
          } else {
            figures.halfApplied++
            expect.fail(
              `trial ${trial}: killed at ${killed.killedAt?.toFixed(0)} ms, the database holds ${JSON.stringify(state)} and the next run said: ${next.stderr}`,
            )
          }

          const after = await chainState(db, LENGTH)
          expect(consistent(after) && after.version === LENGTH, JSON.stringify(after)).to.equal(true)
        } finally {
          await db.drop()
        }
      }

      report(
        `${dialect}: ${figures.trials} kills (${figures.midChain} mid-chain), ${figures.halfApplied} half-applied, ${figures.locksLeft} locks left` +
          `${dialect === 'mysql' ? `, ${figures.detected} caught inside a revision, named by the next run and settled by stamp (${figures.markedClean} of them before any of its statements committed)` : ''}`,
      )
      expect(figures.halfApplied).to.equal(0)
      expect(figures.locksLeft).to.equal(0)
    })
  })
}
