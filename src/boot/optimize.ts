import {setFlagsFromString} from 'node:v8'

/**
 * The bundle's loader (boot/bundle-loader.ts) starts V8 with TurboFan off: a run of a second or less, most
 * commands and chains up to a few thousand revisions, is cheaper in CPU and ~16 MB smaller in peak RSS without it.
 * A long run turns it on once it knows how long it will be (a plan of LONG_RUN steps or more): from there on it
 * wins its cost back (at 10,000 revisions, without it, `upgrade head` took 16% more CPU; bench/README.md, "mem2").
 */
export const LONG_RUN = 2000

let optimizing = false

/** Let V8 optimise hot functions from now on, when the loader had left that off and NODE_OPTIONS does not say. */
export function optimizeFromNowOn(): void {
  if (optimizing) return
  optimizing = true
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`
  if (!/(^|\s)--(no-)?(opt|turbofan)(\s|=|$)/.test(given)) setFlagsFromString('--opt')
}
