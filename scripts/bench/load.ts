// The load generator: a child process (forked by the benchmark) that runs autocannon as a library (closed loop,
// as fast as the server answers), or sends requests evenly spaced at a given rate (open loop, see
// RunSpec.overallRate), so the load never shares an event loop with the server or with the benchmark's own timing.
// Each message is one run: a warm-up (discarded), then the measured part; latencies are kept to the microsecond
// (autocannon's own histogram rounds to whole milliseconds).
import { fork, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { percentile } from './stats.js'

/** One kind of request in a run; each request picks a template by weight, then a path, headers and body at random. */
export interface Template {
  label: string
  weight?: number
  method?: 'GET' | 'POST'
  paths: string[]
  /** One set is chosen per request (a member's session), merged over `common`. */
  headers?: Record<string, string>[]
  common?: Record<string, string>
  /** JSON bodies: one is chosen per request. */
  bodies?: string[]
}

export interface RunSpec {
  /** http://127.0.0.1:PORT */
  origin: string
  templates: Template[]
  connections: number
  durationSec: number
  warmupSec: number
  /**
   * Requests per second in all, for write scenarios; unlimited when absent. They are sent evenly spaced (open loop,
   * one every 1/rate s over a keep-alive pool of `connections`), not through autocannon's `overallRate`, which starts
   * each second's requests together on all its connections: its p99 at 10 a second was that of a burst of 10.
   */
  overallRate?: number
}

export interface RunResult {
  /** Answered requests. */
  requests: number
  /** Requests still waiting when the run ended (their wait so far is in the percentiles). */
  unanswered: number
  seconds: number
  rps: number
  p50: number
  p90: number
  p99: number
  /** The p99 of answered requests only, and the longest wait of those still open at the end (to tell the two apart). */
  answeredP99: number
  longestOpen: number
  max: number
  mean: number
  /** Responses that were not 2xx, by status. */
  statuses: Record<string, number>
  non2xx: number
  errors: number
  timeouts: number
  bytesPerRequest: number
}

function pickWeighted(templates: Template[]): () => Template {
  const total = templates.reduce((s, t) => s + (t.weight ?? 1), 0)
  return () => {
    let x = Math.random() * total
    for (const t of templates) {
      x -= t.weight ?? 1
      if (x < 0) return t
    }
    return templates[templates.length - 1]!
  }
}

const any = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!

/** The latency part of a RunResult, to the hundredth of a millisecond. */
function latencyFigures(latencies: number[]): Pick<RunResult, 'p50' | 'p90' | 'p99' | 'max' | 'mean'> {
  const sorted = [...latencies].sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 100) / 100
  return {
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)),
  }
}

/**
 * autocannon's request timeout: a request unanswered this long is an error. Longer than any run, so that a server
 * slower than the run never sees its clients time out and reconnect (which would pile up abandoned requests).
 */
const TIMEOUT_S = 60

async function once(spec: RunSpec, durationSec: number): Promise<RunResult> {
  const pick = pickWeighted(spec.templates)
  const latencies: number[] = []
  // Requests still unanswered when the run ends count with the time they had waited (a lower bound), so a server
  // slower than the run is long still shows its latency instead of none.
  const open = new Set<{ sentAt?: number }>()
  const statuses: Record<string, number> = {}
  let non2xx = 0
  let bytes = 0
  const started = performance.now()
  let finish: (r: autocannon.Result) => void = () => {}
  let fail: (e: Error) => void = () => {}
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  const instance = autocannon({
    url: spec.origin,
    connections: spec.connections,
    duration: durationSec,
    pipelining: 1,
    timeout: TIMEOUT_S,
    requests: [
      {
        setupRequest: (req: autocannon.Request, context: { sentAt?: number }) => {
          context.sentAt = performance.now()
          open.add(context)
          const t = pick()
          const headers: Record<string, string> = { ...t.common, ...(t.headers?.length ? any(t.headers) : {}) }
          const out: autocannon.Request = { ...req, method: t.method ?? 'GET', path: any(t.paths), headers }
          if (t.bodies?.length) {
            out.body = any(t.bodies)
            headers['content-type'] = 'application/json'
          }
          return out
        },
      },
    ],
  }, (err, result) => (err ? fail(err as Error) : finish(result)))
  instance.on('response', (client, statusCode, resBytes, responseTime) => {
    // autocannon's client keeps the context setupRequest saw (not in its types).
    const context = (client as unknown as { requestIterator?: { context?: { sentAt?: number } } }).requestIterator?.context
    if (context) open.delete(context)
    latencies.push(responseTime)
    bytes += resBytes
    if (statusCode < 200 || statusCode > 299) {
      non2xx++
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
    }
  })
  const result = await done
  const end = performance.now()
  const seconds = (end - started) / 1000
  const answered = latencies.length
  // A context whose request waited past the timeout was an error (autocannon counts it), not an open request.
  const unanswered = [...open].filter((c) => c.sentAt !== undefined && end - c.sentAt <= TIMEOUT_S * 1000).map((c) => end - c.sentAt!)
  const answeredP99 = latencyFigures(latencies).p99
  latencies.push(...unanswered)
  return {
    requests: answered,
    unanswered: unanswered.length,
    seconds: Math.round(seconds * 100) / 100,
    rps: Math.round((answered / (result.duration || seconds)) * 10) / 10,
    ...latencyFigures(latencies),
    answeredP99,
    longestOpen: Math.round(Math.max(0, ...unanswered) * 100) / 100,
    statuses,
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerRequest: Math.round(bytes / Math.max(1, answered)),
  }
}

/** A paced run (see RunSpec.overallRate): one request every 1/rate s, each timed from its sending to its last byte. */
async function paced(spec: RunSpec, durationSec: number): Promise<RunResult> {
  const pick = pickWeighted(spec.templates)
  const origin = new URL(spec.origin)
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections })
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  const open = new Set<number>()
  let non2xx = 0
  let errors = 0
  let bytes = 0
  const one = () =>
    new Promise<void>((resolve) => {
      const t = pick()
      const headers: Record<string, string> = { ...t.common, ...(t.headers?.length ? any(t.headers) : {}) }
      const body = t.bodies?.length ? any(t.bodies) : undefined
      if (body !== undefined) headers['content-type'] = 'application/json'
      const sentAt = performance.now()
      open.add(sentAt)
      const req = http.request({ host: origin.hostname, port: origin.port, agent, method: t.method ?? 'GET', path: any(t.paths), headers }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length))
        res.on('end', () => {
          open.delete(sentAt)
          latencies.push(performance.now() - sentAt)
          const status = res.statusCode ?? 0
          if (status < 200 || status > 299) {
            non2xx++
            statuses[status] = (statuses[status] ?? 0) + 1
          }
          resolve()
        })
      })
      req.setTimeout(TIMEOUT_S * 1000, () => req.destroy(new Error('timeout')))
      req.on('error', () => {
        open.delete(sentAt)
        errors++
        resolve()
      })
      req.end(body)
    })
  const started = performance.now()
  const interval = 1000 / spec.overallRate!
  const sent: Promise<void>[] = []
  for (let i = 0; performance.now() - started < durationSec * 1000; i++) {
    sent.push(one())
    const next = started + (i + 1) * interval
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())))
  }
  const sendingEnded = performance.now()
  // Answers still due get a few seconds; what is left then counts with its wait so far.
  await Promise.race([Promise.all(sent), new Promise((r) => setTimeout(r, 5000))])
  const end = performance.now()
  const unanswered = [...open].map((at) => end - at)
  const answered = latencies.length
  const answeredP99 = latencyFigures(latencies).p99
  latencies.push(...unanswered)
  agent.destroy()
  return {
    requests: answered,
    unanswered: unanswered.length,
    seconds: Math.round(((sendingEnded - started) / 1000) * 100) / 100,
    rps: Math.round((answered / ((sendingEnded - started) / 1000)) * 10) / 10,
    ...latencyFigures(latencies),
    answeredP99,
    longestOpen: Math.round(Math.max(0, ...unanswered) * 100) / 100,
    statuses,
    non2xx,
    errors,
    timeouts: 0,
    bytesPerRequest: Math.round(bytes / Math.max(1, answered)),
  }
}

export async function run(spec: RunSpec): Promise<RunResult> {
  const go = spec.overallRate ? paced : once
  if (spec.warmupSec > 0) await go(spec, spec.warmupSec)
  return go(spec, spec.durationSec)
}

/** The parent's handle on the load process. */
export class LoadClient {
  private readonly child: ChildProcess
  private seq = 0
  private readonly waiting = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>()

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (m: { id: number; result?: RunResult; error?: string }) => {
      const w = this.waiting.get(m.id)
      if (!w) return
      this.waiting.delete(m.id)
      if (m.error) w.reject(new Error(m.error))
      else w.resolve(m.result!)
    })
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`The load process exited (${code}).`))
      this.waiting.clear()
    })
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  run(spec: RunSpec): Promise<RunResult> {
    const id = ++this.seq
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.child.send({ id, spec })
    })
  }

  close(): void {
    if (this.child.connected) this.child.disconnect()
  }
}

if (process.argv.includes('--child') && process.send) {
  process.on('message', async (m: { id: number; spec: RunSpec }) => {
    try {
      process.send!({ id: m.id, result: await run(m.spec) })
    } catch (err) {
      process.send!({ id: m.id, error: err instanceof Error ? err.stack ?? err.message : String(err) })
    }
  })
  process.on('disconnect', () => process.exit(0))
}
