import {type ChildProcessWithoutNullStreams, execFile, spawn} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {processEnv, runInProcess} from './in-process.js'

export const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The environment a test run gets: the caller's (not a run's in this process), without a connection or config file. */
function cliEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {...processEnv(), DATABASE_URL: undefined, DB_MANAGE_CONFIG: undefined, ...env}
}

/**
 * Run a command as a user would, in this process (helpers/in-process.ts): the built bundle's main(), as bin/run.js
 * calls it, in `cwd` with the environment `env` adds to this one; its stdout, stderr and exit code.
 */
export function runCli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<CliResult> {
  return runInProcess(ROOT, BIN, args, {cwd: options.cwd, env: () => cliEnv(options.env)})
}

/**
 * Run the binary, `node bin/run.js`, as a whole process: for what only a process shows (its start-up and the caches
 * it reads then, process.exit, signals, stdin), and as an end-to-end check that the binary does what runCli does.
 */
export function runBinary(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {cwd: options.cwd, env: cliEnv(options.env)},
      (error, stdout, stderr) => {
        resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr, stdout})
      },
    )
  })
}

/** A run of the binary in progress, for races, signals and kills: its process, its stdout so far, and its end. */
export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: () => string
  /** The exit code; a process a signal ended gets the shell's 128 + its number (143 for SIGTERM). */
  readonly done: Promise<CliResult>
}

export function spawnCli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd, env: cliEnv(options.env)})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({code: code ?? (signal ? 128 + os.constants.signals[signal] : 1), stderr, stdout}),
    )
  })
  return {child, done, stdout: () => stdout}
}

/** Start the binary without waiting, for races between processes. */
export function startCli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<CliResult> {
  return spawnCli(args, options).done
}

export function tempProject(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'db-manage-cli-'))
}

/** As in an application that installed db-manage: scripts and schemas in `dir` import it by name. */
export function linkDbManage(dir: string): void {
  mkdirSync(path.join(dir, 'node_modules'))
  symlinkSync(ROOT, path.join(dir, 'node_modules', 'db-manage'), 'dir')
}

/** A temporary project holding a copy of the shipped migrations and db-manage.ini, as they are. */
export function shippedCopy(): string {
  const dir = tempProject()
  cpSync(path.join(ROOT, 'migrations'), path.join(dir, 'migrations'), {recursive: true})
  cpSync(path.join(ROOT, 'db-manage.ini'), path.join(dir, 'db-manage.ini'))
  linkDbManage(dir)
  return dir
}

/** A temporary project holding a copy of the shipped migrations and a config pointing at `url`. */
export function shippedProject(url?: string): string {
  return withConnection(shippedCopy(), url ?? 'sqlite:///app.sqlite')
}

export function withConnection(dir: string, connection: string): string {
  const file = path.join(dir, 'db-manage.ini')
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^connection = .*$/m, `connection = ${connection}`))
  return dir
}
