// Loaded with `node --import` by the benchmarks: appends this process's peak
// resident memory (KiB) to the file named by DB_MANAGE_BENCH_RSS.
import {appendFileSync} from 'node:fs'

const file = process.env.DB_MANAGE_BENCH_RSS
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`))
