// Child processes bound to the server: they die with it, even when it is killed with SIGKILL (decision 014).
import { accessSync, constants } from 'node:fs'
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'

/** Where util-linux's setpriv is looked for (Debian and most distributions ship it in util-linux). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv']

let binding: { how: 'pdeathsig'; setpriv: string } | { how: 'none'; why: string } | null = null

/**
 * How children are bound to this process. On Linux with setpriv (util-linux 2.33 or newer), each child is started
 * as `setpriv --pdeathsig KILL -- command ...`: the kernel sends it SIGKILL when the server dies, however it dies,
 * and setpriv then replaces itself with the command (same pid). Elsewhere children are killed when the process
 * exits normally only; the server logs a warning saying so.
 */
export function childBinding(): { how: 'pdeathsig'; setpriv: string } | { how: 'none'; why: string } {
  if (binding) return binding
  if (process.platform !== 'linux') return (binding = { how: 'none', why: `${process.platform} has no parent-death signal` })
  const setpriv = SETPRIV.find((p) => {
    try {
      accessSync(p, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
  if (!setpriv) return (binding = { how: 'none', why: 'setpriv (util-linux) is not installed' })
  // `true` starts in a millisecond (this runs before the first child, maybe inside a job that is timed).
  const probe = spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 10_000 })
  if (probe.status !== 0) return (binding = { how: 'none', why: `${setpriv} does not take --pdeathsig (util-linux older than 2.33?)` })
  return (binding = { how: 'pdeathsig', setpriv })
}

const live = new Set<ChildProcess>()
let exitHook = false

const executable = (command: string): boolean => {
  try {
    accessSync(command, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * `child_process.spawn`, but the child dies with the server (see childBinding) and is killed by `killChildren()`
 * when Hearth closes. The one way core and plugins start a process.
 * @example const child = spawnBound(ffmpegPath(), ['-i', input, output], { stdio: ['ignore', 'ignore', 'pipe'] })
 */
export function spawnBound(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const how = childBinding()
  // A missing or non-executable command is started directly, so the caller gets Node's own 'error' (ENOENT, EACCES)
  // rather than setpriv's exit code 127. A bare name is looked up in PATH by setpriv as by spawn.
  const bound = how.how === 'pdeathsig' && (!command.includes('/') || executable(command))
  const child = bound ? spawn(how.setpriv, ['--pdeathsig', 'KILL', '--', command, ...args], options) : spawn(command, args, options)
  live.add(child)
  const forget = () => live.delete(child)
  child.once('exit', forget)
  child.once('error', forget)
  if (!exitHook) {
    exitHook = true
    // Without a parent-death signal this is all there is; with one it is harmless.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL')
    })
  }
  return child
}

/** Run a command to its end and collect its output (e.g. `ffmpeg -version`); rejects on a non-zero exit or timeout. */
export function runBound(command: string, args: readonly string[], options: { timeoutMs: number }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnBound(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-8192)))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ stdout, stderr })
      else reject(new Error(signal ? `it was stopped (${signal})` : `it exited with code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`))
    })
  })
}

/** The pids of the children started by spawnBound that are still running (for tests and diagnostics). */
export const livePids = (): number[] => [...live].map((c) => c.pid).filter((p): p is number => p !== undefined)

/** Kill every child still running and wait (at most `waitMs`) for them to exit. Hearth's close runs it last. */
export async function killChildren(waitMs = 5_000): Promise<void> {
  const children = [...live]
  if (!children.length) return
  const exited = children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => c.once('exit', () => resolve()))))
  for (const c of children) c.kill('SIGKILL')
  let timer: NodeJS.Timeout | undefined
  await Promise.race([Promise.all(exited), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))])
  clearTimeout(timer)
}
