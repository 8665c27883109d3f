import {execFile, spawn} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Run the built CLI as a user would: a whole process, its stdout and exit code. */
export function runCli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = {...process.env, DATABASE_URL: undefined, DB_MANAGE_CONFIG: undefined, ...options.env}
    execFile(process.execPath, [BIN, ...args], {cwd: options.cwd, env}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr, stdout})
    })
  })
}

/** Start the CLI without waiting, for races. */
export function startCli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd, env: {...process.env, DATABASE_URL: undefined, ...options.env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({code: code ?? 1, stderr, stdout}))
  })
}

export function tempProject(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'db-manage-cli-'))
}

/** A temporary project holding a copy of the shipped migrations and a config pointing at `url`. */
export function shippedProject(url?: string): string {
  const dir = tempProject()
  cpSync(path.join(ROOT, 'migrations'), path.join(dir, 'migrations'), {recursive: true})
  const connection = url ?? 'sqlite:///app.sqlite'
  cpSync(path.join(ROOT, 'db-manage.ini'), path.join(dir, 'db-manage.ini'))
  // As in an application that installed db-manage: scripts and schemas import it by name.
  mkdirSync(path.join(dir, 'node_modules'))
  symlinkSync(ROOT, path.join(dir, 'node_modules', 'db-manage'), 'dir')
  return withConnection(dir, connection)
}

export function withConnection(dir: string, connection: string): string {
  const file = path.join(dir, 'db-manage.ini')
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^connection = .*$/m, `connection = ${connection}`))
  return dir
}
