import {expect} from 'chai'

import {runCli, startCli} from '../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject, chainState, consistent, id, report} from './chain.js'

const LENGTH = 20

for (const dialect of dialectsUnderTest()) {
  describe(`racing deploys on ${dialect}`, function () {
    this.timeout(300_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it('sixteen upgrade head runs from base: all exit 0 and each revision is applied exactly once', async () => {
      const dir = chainProject(db.url, LENGTH)
      const runs = await Promise.all(
        Array.from({length: 16}, () => startCli(['upgrade', 'head', '--lock-timeout', '120'], {cwd: dir})),
      )
      for (const run of runs) expect(run.code, run.stderr).to.equal(0)
      // Each revision's line appears once across the sixteen outputs; the others wait, then find nothing to do or skip it.
      const applied = runs.flatMap((r) => r.stdout.split('\n').filter((l) => / \(\d+ ms\)$/.test(l)))
      expect(applied.map((l) => l.replace(/ \(\d+ ms\)$/, '')).sort()).to.deep.equal(
        Array.from(
          {length: LENGTH},
          (_, i) => `upgrade ${i === 0 ? '<base>' : id(i)} -> ${id(i + 1)}, step ${i + 1}`,
        ).sort(),
      )
      const state = await chainState(db, LENGTH)
      // applied_log has one row per application: twice-applied would show twice.
      expect(consistent(state) && state.version === LENGTH, JSON.stringify(state)).to.equal(true)
      report(
        `${dialect}: 16 racing runs, ${applied.length} revision applications for ${LENGTH} revisions, 0 double-applied`,
      )
    })

    it('upgrade racing downgrade: one waits for the other, and the database ends whole at one of their targets', async () => {
      const dir = chainProject(db.url, LENGTH)
      expect((await runCli(['upgrade', '010'], {cwd: dir})).code).to.equal(0)
      const [up, down] = await Promise.all([
        startCli(['upgrade', 'head', '--lock-timeout', '60'], {cwd: dir}),
        startCli(['downgrade', '005', '--lock-timeout', '60'], {cwd: dir}),
      ])
      expect(up.code, up.stderr).to.equal(0)
      expect(down.code, down.stderr).to.equal(0)
      const state = await chainState(db, LENGTH)
      expect(consistent(state), JSON.stringify(state)).to.equal(true)
      // Whichever went second decided the end: head (up after down) or 005 (down after up), never a mix.
      expect([5, LENGTH]).to.include(state.version)
      const steps = (out: string) => out.split('\n').filter((l) => / \(\d+ ms\)$/.test(l)).length
      if (state.version === LENGTH) expect([steps(down.stdout), steps(up.stdout)]).to.deep.equal([5, 15])
      else expect([steps(up.stdout), steps(down.stdout)]).to.deep.equal([10, 15])
    })
  })
}
