// Running the `hearth` command as a real subprocess (node bin/hearth.js ...), for the CLI's tests.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..')

export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Written to standard input, which is then closed. */
  input?: string
  env?: Record<string, string>
  /** Give standard error as a pipe (Node's default) instead of a file. */
  stderrPipe?: boolean
  timeoutMs?: number
}

/** Run `node bin/hearth.js ARGS` from the project folder (see `run`). */
export function hearth(args: string[], options: RunOptions = {}): Promise<Run> {
  return run(['bin/hearth.js', ...args], options)
}

/**
 * Run node with these arguments from the project folder. Standard error goes to a file by default, so that a
 * command that cannot write to a pipe (a socket under Node) fails one test, "standard error may be a pipe"
 * in cli/cli.test.ts, rather than every CLI test.
 */
export function run(nodeArgs: string[], options: RunOptions = {}): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-cli-stderr-'))
  const errFile = join(dir, 'stderr')
  const fd = options.stderrPipe ? null : openSync(errFile, 'w')
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      env: { ...process.env, HEARTH_LOG_LEVEL: 'silent', ...options.env },
      stdio: ['pipe', 'pipe', fd ?? 'pipe'],
    })
    if (fd !== null) closeSync(fd)
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (fd !== null) stderr = readFileSync(errFile, 'utf8')
      rmSync(dir, { recursive: true, force: true })
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin!.on('error', () => {}) // the command may exit before reading it
    child.stdin!.end(options.input ?? '')
  })
}

/** A run as an assertion message shows it. */
export const show = (r: Run) => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

export function assertOk(r: Run): void {
  assert.equal(r.code, 0, show(r))
}

/** A failure as the CLI promises: this exit code, one `error:` line matching `message`, no stack trace, nothing on stdout. */
export function assertFails(r: Run, code: number, message: RegExp, hint?: RegExp): void {
  assert.equal(r.code, code, show(r))
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '))
  assert.equal(errors.length, 1, `exactly one error line\n${show(r)}`)
  assert.match(errors[0]!, message, show(r))
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace\n${show(r)}`)
  assert.equal(r.stdout, '', `nothing on stdout\n${show(r)}`)
  if (hint) assert.match(r.stderr, hint, show(r))
}

/** The JSON a successful run printed. */
export function json<T = any>(r: Run): T {
  assertOk(r)
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    assert.fail(`stdout is not JSON\n${show(r)}`)
  }
}
