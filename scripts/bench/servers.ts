// The processes under test: the real server (`hearth start` on a free port of 127.0.0.1, production settings) and
// the baseline, each a child process with its output in the run's folder; their memory read from /proc.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ROOT } from '../../core/paths.js'

export interface Running {
  name: string
  pid: number
  port: number
  origin: string
  logFile: string
  /** Resident memory in MB, from /proc. */
  rssMb(): number
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 1024) : NaN
  } catch {
    return NaN
  }
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} never answered: the process exited with ${child.exitCode} (see ${log}).`)
    try {
      const res = await fetch(url)
      if (res.ok) {
        await res.arrayBuffer()
        return
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (see ${log}).`)
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, port: number, readyPath: string, runDir: string): Promise<Running> {
  const logFile = join(runDir, `${name}.log`)
  const out = createWriteStream(logFile)
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.pipe(out)
  child.stderr!.pipe(out)
  const origin = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const running: Running = {
    name,
    pid: child.pid!,
    port,
    origin,
    logFile,
    rssMb: () => rssMb(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000)
        await exited
        clearTimeout(t)
      }
      out.end()
    },
  }
  return waitFor(origin + readyPath, child, 60_000, logFile).then(() => running)
}

/** Environment for a child: this one without HEARTH_* settings (the data directory and port are flags). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HEARTH_') && k !== 'NODE_OPTIONS') env[k] = v
  return { ...env, ...extra }
}

/** `hearth start` as an operator runs it: production, default log level (info, one line per request, to a file). */
export async function startHearth(dataDir: string, runDir: string, options: { cpuProfDir?: string; workers?: number } = {}): Promise<Running> {
  const port = await freePort()
  const prof = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []
  // Without a number, as `hearth start` runs by default (a thread per core); the workers scenario names its own.
  const workers = options.workers !== undefined ? ['--workers', String(options.workers)] : []
  const name = options.workers !== undefined ? `hearth-${options.workers}-workers` : 'hearth'
  return start(name, [...prof, 'bin/hearth.js', 'start', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1', ...workers], cleanEnv({ NODE_ENV: 'production' }), port, '/healthz', runDir)
}

/**
 * CPU seconds a process has used so far (every thread, user and system), from /proc; or one of its threads' (`thread`,
 * its id: the main thread's is the process's).
 */
export function cpuSeconds(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime, the 14th and 15th fields, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/** The pids of a process's living children (every thread's), from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
      } catch {
        return []
      }
    })
  } catch {
    return []
  }
}

/** CPU seconds of a process and of its living descendants (the server with the ffmpeg it runs), from /proc. */
export function treeCpuSeconds(pid: number): number {
  return cpuSeconds(pid) + childPids(pid).reduce((sum, child) => sum + (treeCpuSeconds(child) || 0), 0)
}

/**
 * A process's main thread (a Node server's event loop) as the scheduler saw it, from /proc/PID/schedstat: seconds
 * spent runnable but waiting for a core, and how many times it was put on one. Zeros where the kernel keeps none.
 */
export function runQueue(pid: number): { waited: number; slices: number } {
  try {
    const [, waited, slices] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number)
    return { waited: (waited ?? 0) / 1e9, slices: slices ?? 0 }
  } catch {
    return { waited: 0, slices: 0 }
  }
}

/**
 * Microseconds, since boot, that some runnable task of this machine waited for a core (Linux's pressure stall
 * information, /proc/pressure/cpu, machine-wide: other tenants' work included); NaN where it is not offered.
 */
export function cpuWaitMicros(): number {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN)
  } catch {
    return NaN
  }
}

export async function startBaseline(dbFile: string, runDir: string): Promise<Running> {
  const port = await freePort()
  return start('baseline', ['--import', 'tsx', 'scripts/bench/baseline.ts', '--db', dbFile, '--port', String(port)], cleanEnv({ NODE_ENV: 'production' }), port, '/feed.json', runDir)
}
