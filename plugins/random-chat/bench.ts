// Random chat's benchmark figures, for `npm run bench`: how long one match takes with many members waiting (in
// process, on the real Matchmaker), and how many signaling messages per second a real server relays between two
// paired members over its WebSocket.
import WebSocket from 'ws'
import { Matchmaker, type Seeker } from './matchmaker.js'
import { MAX_SIGNALS } from './service.js'

/** A figure in the shape scripts/bench reports (one value per repetition). */
export interface BenchFigure {
  scenario: string
  figure: string
  unit?: string
  values: number[]
  target?: { op: '<' | '<=' | '>='; value: number }
  note?: string
}

const TAGS = Array.from({ length: 400 }, (_, i) => `tag${i}`)

/** A deterministic generator, so runs compare. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/**
 * `waiting` members wait with 1-5 random interests each (of 400 tags) and a filter no other waiter meets (they
 * want a partner from region B and are from region A), so they stay queued; each newcomer (from region B, with
 * 0-5 random interests) takes one of them, who is replaced at once. Times `rounds` matches of each kind.
 */
export function benchMatchmaker(options: { waiting: number; rounds: number; repetitions: number }): BenchFigure[] {
  const s = 'random chat matchmaker'
  const byInterest: number[] = []
  const anyone: number[] = []
  const noPartner: number[] = []
  for (let rep = 0; rep < options.repetitions; rep++) {
    let now = 0
    const rnd = random(rep + 1)
    const mm = new Matchmaker({ fallbackMs: 5000, cooldownMs: 30 * 60_000, now: () => now })
    let nextId = 1
    const interests = (min: number) => {
      const n = min + Math.floor(rnd() * (6 - min))
      return [...new Set(Array.from({ length: n }, () => TAGS[Math.floor(rnd() * TAGS.length)]!))]
    }
    const seeker = (extra: Partial<Seeker>): Seeker => ({
      userId: nextId++,
      mode: 'video',
      acceptsText: true,
      interests: [],
      profile: { region: 'AA', language: null, gender: null, age: null },
      wants: { region: 'BB' },
      blocked: new Set(),
      ...extra,
    })
    const waiter = () => {
      if (mm.enqueue(seeker({ interests: interests(1) }))) throw new Error('a waiter was matched; the bench setup is wrong')
    }
    for (let i = 0; i < options.waiting; i++) waiter()
    const time = (run: () => unknown, into: number[]) => {
      const samples: number[] = []
      for (let i = 0; i < options.rounds; i++) {
        const t0 = process.hrtime.bigint()
        const made = run()
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
        if (made) waiter()
      }
      samples.sort((a, b) => a - b)
      into.push(percentile(samples, 99))
    }
    const newcomer = (extra: Partial<Seeker>) => seeker({ profile: { region: 'BB', language: null, gender: null, age: null }, wants: {}, ...extra })
    // Warm up, then newcomers with interests (who find someone sharing one among the waiting).
    for (let i = 0; i < 2000; i++) if (mm.enqueue(newcomer({ interests: interests(1) }))) waiter()
    time(() => {
      const m = mm.enqueue(newcomer({ interests: interests(1) }))
      if (!m) mm.remove(nextId - 1) // nobody shared an interest: not a match of this kind
      return m
    }, byInterest)
    // Everyone has waited out the fallback. Worst case first: a newcomer nobody may meet looks at the scan bound's
    // worth of waiting members and waits (taken out again at once).
    now += 10_000
    mm.tick()
    time(() => {
      const m = mm.enqueue(newcomer({ wants: { region: 'ZZ' } }))
      mm.remove(nextId - 1)
      return m
    }, noPartner)
    // A newcomer without interests takes the member who waited longest.
    time(() => mm.enqueue(newcomer({})), anyone)
    if (mm.size !== options.waiting) throw new Error(`the queue drifted to ${mm.size}`)
  }
  const note = `${options.waiting.toLocaleString('en')} waiting, ${options.rounds.toLocaleString('en')} matches a repetition`
  return [
    { scenario: s, figure: 'p99 of one match by shared interests', unit: 'ms', values: byInterest, target: { op: '<', value: 1 }, note },
    { scenario: s, figure: 'p99 of one match with anyone (after the fallback)', unit: 'ms', values: anyone, target: { op: '<', value: 1 } },
    { scenario: s, figure: 'p99 of a search that finds nobody (scan bound)', unit: 'ms', values: noPartner },
  ]
}

/** One end of the Meet socket, for the relay figure. */
interface End {
  ws: WebSocket
  /** The next message of a type (one already received first); rejects after `ms`. */
  next(type: string, ms?: number): Promise<Record<string, any>>
  /** Hand every message to `fn` instead (null: back to `next`). */
  on(fn: ((m: Record<string, any>) => void) | null): void
}

function openEnd(url: string, token: string): Promise<End> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } })
    const inbox: Record<string, any>[] = []
    let listener: ((m: Record<string, any>) => void) | null = null
    const waiters: { type: string; resolve: (m: Record<string, any>) => void }[] = []
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as Record<string, any>
      if (listener) return listener(m)
      const w = waiters.findIndex((x) => x.type === m.type)
      if (w >= 0) waiters.splice(w, 1)[0]!.resolve(m)
      else inbox.push(m)
    })
    ws.once('open', () =>
      resolve({
        ws,
        next: (type, ms = 10_000) => {
          const i = inbox.findIndex((m) => m.type === type)
          if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!)
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no "${type}" from the server within ${ms / 1000} s; it sent ${JSON.stringify(inbox.slice(-3))}`)), ms)
            waiters.push({ type, resolve: (m) => (clearTimeout(timer), res(m)) })
          })
        },
        on: (fn) => (listener = fn),
      }),
    )
    ws.once('error', reject)
    ws.once('unexpected-response', (_q, r) => reject(new Error(`the realtime socket answered HTTP ${r.statusCode}`)))
  })
}

/**
 * Pairs of members of a running server meet on /realtime/random-chat/meet; in each call one sends ICE candidates
 * (at most `window` unanswered) and the other counts them arriving, until `messages` were relayed. The server
 * allows MAX_SIGNALS per member per call and 30 searches a member per minute, so the pairs take turns, each
 * meeting again (cool-down 0) for its next batch; only the time spent relaying counts. `tokens`: bearer tokens of
 * an even number of members (at least two) who have not blocked one another.
 */
export async function benchSignaling(options: { baseUrl: string; tokens: string[]; messages: number; window: number }): Promise<number> {
  const url = `${options.baseUrl.replace(/^http/, 'ws')}/realtime/random-chat/meet`
  const pairs: [End, End][] = []
  for (let i = 0; i + 1 < options.tokens.length; i += 2) pairs.push([await openEnd(url, options.tokens[i]!), await openEnd(url, options.tokens[i + 1]!)])
  if (!pairs.length) throw new Error('the relay needs two members')
  const candidate = { candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.10 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0', sdpMid: '0', sdpMLineIndex: 0 }
  let relayed = 0
  let busyNs = 0n
  try {
    for (let turn = 0; relayed < options.messages; turn++) {
      const [a, b] = pairs[turn % pairs.length]!
      a.on(null)
      b.on(null)
      const pairedA = a.next('matched')
      const pairedB = b.next('matched')
      a.ws.send(JSON.stringify({ type: 'start', mode: 'video' }))
      await a.next('waiting').catch(() => undefined) // b may be the one waiting, if it searched first
      b.ws.send(JSON.stringify({ type: 'start', mode: 'video' }))
      const { session } = await pairedA
      await pairedB
      const batch = Math.min(MAX_SIGNALS - 10, options.messages - relayed)
      let sent = 0
      let received = 0
      const started = process.hrtime.bigint()
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received} of ${batch} signals arrived within 30 s`)), 30_000)
        const pump = () => {
          while (sent < batch && sent - received < options.window) {
            sent++
            a.ws.send(JSON.stringify({ type: 'signal', session, data: { candidate } }))
          }
        }
        a.on((m) => {
          if (m.type === 'error') clearTimeout(timer), reject(new Error(`the server refused a signal: ${m.message}`))
        })
        b.on((m) => {
          if (m.type !== 'signal') return
          if (++received === batch) clearTimeout(timer), resolve()
          else pump()
        })
        pump()
      })
      busyNs += process.hrtime.bigint() - started
      relayed += batch
      a.on(null)
      b.on(null)
      a.ws.send(JSON.stringify({ type: 'stop' }))
      await Promise.all([a.next('stopped'), b.next('ended')])
    }
  } finally {
    for (const [a, b] of pairs) a.ws.close(), b.ws.close()
  }
  return Math.round(options.messages / (Number(busyNs) / 1e9))
}
