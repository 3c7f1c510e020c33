// Live streams' scenario (issue 16): 1,000 simulated HLS viewers of one stream, and 250 and 500 beside it. The stream
// is real: ffmpeg's test picture pushed over RTMP to the bench server with a member's stream key (H.264 copied into
// 1 s segments). Each viewer is a guest on its own keep-alive connection that, like a player at the live edge,
// fetches the playlist once a second and each new segment once; the playlist's latency is the figure the issue sets a
// target for. The players run in worker threads (live-viewers.ts), so what they time is not the bench process's own
// work; but they, ffmpeg and the server share this machine's cores, so each window also reports the CPU each of
// them used (from /proc): the server's per 1,000 viewers is what an operator's machine needs for them, whatever the
// players cost here.
import { spawn } from 'node:child_process'
import http from 'node:http'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import type { Sample, ViewersData } from './live-viewers.js'
import type { Ctx } from './scenarios.js'
import { cpuSeconds, cpuWaitMicros, runQueue, treeCpuSeconds } from './servers.js'
import { summary } from './stats.js'

const require = createRequire(import.meta.url)
/** The audience, and two smaller ones the machine carries with the players on the same cores. */
const AUDIENCES = [250, 500, 1_000]
/** The audience the issue sets its target for. */
const TARGET_VIEWERS = 1_000

/** Players per thread at most: a quarter of the thousand each, off the bench's own event loop (live-viewers.ts). */
const PER_THREAD = 250

/**
 * The server's own time for the stream's HLS requests logged since `from` (a byte offset of its log): from its first
 * middleware to the answer made, without the wait for a core before it or the write after. Beside the players'
 * latency, it tells the server's part from the machine's.
 */
function servedMs(logFile: string, from: number, streamId: number): { playlist: number[]; segment: number[] } {
  const out = { playlist: [] as number[], segment: [] as number[] }
  const size = statSync(logFile).size
  const fd = openSync(logFile, 'r')
  const buf = Buffer.alloc(size - from)
  readSync(fd, buf, 0, buf.length, from)
  closeSync(fd)
  const prefix = `"path":"/live/${streamId}/hls/`
  for (const line of buf.toString('utf8').split('\n')) {
    if (!line.includes(prefix)) continue
    const { path, ms } = JSON.parse(line) as { path: string; ms: number }
    ;(path.endsWith('.m3u8') ? out.playlist : out.segment).push(ms)
  }
  return out
}

/**
 * A lone player in this thread, beside the crowd: the playlist every 100 ms on a connection of its own. What it waits
 * is the server's answer (with the machine's wait for a core) without the queue of the players' own threads.
 */
function probe(origin: string, streamId: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const url = `${origin}/live/${streamId}/hls/index.m3u8`
  let samples: number[] = []
  let running = true
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now()
      const req = http.get(url, { agent }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode === 200) samples.push(performance.now() - t0)
          resolve()
        })
      })
      req.on('error', () => resolve())
    })
  const loop = (async () => {
    while (running) {
      await once()
      await sleep(100)
    }
  })()
  return {
    /** What it timed since the last call. */
    take(): number[] {
      const out = samples
      samples = []
      return out
    },
    async stop(): Promise<void> {
      running = false
      await loop
      agent.destroy()
    },
  }
}

/** Start the players in their threads; `watch(ms)` runs them all that long and merges what they timed. */
function players(origin: string, streamId: number, viewers: number) {
  const threads = Math.ceil(viewers / PER_THREAD)
  const per = Math.ceil(viewers / threads)
  const workers = Array.from({ length: threads }, (_, i) => new Worker(new URL('./live-viewers.ts', import.meta.url), { workerData: { origin, streamId, viewers: Math.min(per, viewers - i * per) } satisfies ViewersData }))
  const round = (w: Worker, ms: number) =>
    new Promise<Sample>((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
      w.postMessage({ ms })
    })
  return {
    async watch(ms: number): Promise<Sample> {
      const parts = await Promise.all(workers.map((w) => round(w, ms)))
      return { playlist: parts.flatMap((p) => p.playlist), segment: parts.flatMap((p) => p.segment), errors: parts.reduce((n, p) => n + p.errors, 0), bytes: parts.reduce((n, p) => n + p.bytes, 0) }
    },
    async stop(): Promise<void> {
      for (const w of workers) w.postMessage({ stop: true })
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}

export async function liveViewers(ctx: Ctx): Promise<void> {
  const s = 'live: 1,000 HLS viewers of one stream'
  const enabled = await ctx.h.db.selectFrom('plugins').select('enabled').where('name', '=', 'live').executeTakeFirst()
  if (!enabled?.enabled) {
    ctx.notes.push(`${s}: the live plugin is not enabled in the bench server, so it was not measured.`)
    return
  }
  // A public account, so guests may watch its public stream.
  const publics = new Set((await ctx.h.db.selectFrom('users').select('id').where('is_private', '=', 0).where('id', 'in', ctx.picks.members.map((m) => m.id)).execute()).map((r) => r.id))
  const streamer = ctx.picks.members.find((m) => publics.has(m.id))
  if (!streamer) throw new Error('no public member with a session to stream')
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(ctx.hearth.origin + path, { method, headers: { authorization: `Bearer ${streamer.api}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    return (await res.json()) as { data: any; error?: { message: string } }
  }
  const made = await api('POST', '/api/v1/live/key', { settings: { title: 'Bench stream', audience: 'public', chat: 'on' } })
  const server: string | null = made.data?.server_url ?? null
  if (!server || !made.data?.key) {
    ctx.notes.push(`${s}: RTMP is off or refused in the bench server (${made.error?.message ?? 'no server address'}), so it was not measured.`)
    return
  }
  const port = Number(/:(\d+)\/live$/.exec(server)?.[1] ?? 1935)
  const ffmpeg = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path
  const seconds = AUDIENCES.length * (Math.max(3, ctx.settings.warmupSec) + ctx.settings.durationSec) * ctx.settings.reps + 60
  const encoder = spawn(
    ffmpeg,
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds)]
      .concat(['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '1200k', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${made.data.key}`]),
    { stdio: 'ignore' },
  )
  let streamId: number | null = null
  let viewers: ReturnType<typeof players> | null = null
  let lone: ReturnType<typeof probe> | null = null
  try {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && streamId === null) {
      const mine = ((await api('GET', '/api/v1/live/streams?limit=50')).data as { id: number; streamer: { id: number }; playlist_ready: boolean }[]).find((x) => x.streamer.id === streamer.id)
      if (mine?.playlist_ready) streamId = mine.id
      else await sleep(250)
    }
    if (streamId === null) throw new Error('the pushed stream never had a playlist')
    ctx.log(`${s}: stream ${streamId} pushed over RTMP (640x360, 1.2 Mbit/s, copied); ${AUDIENCES.join(', ')} guests, ${ctx.settings.durationSec} s × ${ctx.settings.reps} each`)
    // The server with the stream and nobody watching (its ffmpeg copying, the playlist read, timers): what the
    // viewers' figures below are counted from.
    const idle0 = { server: treeCpuSeconds(ctx.hearth.pid), t: performance.now() }
    await sleep(5_000)
    const idle = Math.round(((treeCpuSeconds(ctx.hearth.pid) - idle0.server) / ((performance.now() - idle0.t) / 1000)) * 100) / 100
    ctx.log(`  the stream alone, nobody watching: server ${idle} cores busy`)
    ctx.figures.push({ scenario: s, figure: 'server cores busy with the stream and no viewer', values: [idle] })
    for (const count of AUDIENCES) {
      const name = count === TARGET_VIEWERS ? s : `live: ${count} HLS viewers of one stream`
      const m = { p99: [] as number[], p50: [] as number[], segP99: [] as number[], errors: [] as number[], rates: [] as number[], server: [] as number[], serverPer1k: [] as number[], players: [] as number[], encoder: [] as number[], waited: [] as number[], servedPl: [] as number[], servedSeg: [] as number[], lone: [] as number[], queued: [] as number[], perWake: [] as number[] }
      viewers = players(ctx.hearth.origin, streamId, count)
      lone = probe(ctx.hearth.origin, streamId)
      for (let rep = 0; rep < ctx.settings.reps; rep++) {
        // Warm-up: the viewers join (at least 3 s, so every one has its connection); then the measured window.
        await viewers.watch(Math.max(3, ctx.settings.warmupSec) * 1000)
        const cpu0 = { server: treeCpuSeconds(ctx.hearth.pid), players: cpuSeconds(process.pid), encoder: cpuSeconds(encoder.pid ?? 0), waited: cpuWaitMicros(), queued: runQueue(ctx.hearth.pid) }
        const logFrom = statSync(ctx.hearth.logFile).size
        lone.take()
        const t0 = performance.now()
        const out = await viewers.watch(ctx.settings.durationSec * 1000)
        const secs = (performance.now() - t0) / 1000
        const alone = summary(lone.take())
        m.lone.push(alone.p99)
        await sleep(500) // the server's log lines are written behind its answers
        // Cores each kept busy over the window: the server, this process (the players' threads, nearly all of it), the encoder.
        const cores = (used: number) => Math.round((used / secs) * 100) / 100
        // The server with its children: the ffmpeg that copies the pushed stream into segments is its work too.
        const server = cores(treeCpuSeconds(ctx.hearth.pid) - cpu0.server)
        const pl = summary(out.playlist)
        const sg = summary(out.segment)
        m.p50.push(pl.p50)
        m.p99.push(pl.p99)
        m.segP99.push(sg.p99)
        m.errors.push(out.errors)
        m.rates.push(Math.round((out.playlist.length + out.segment.length) / secs))
        m.server.push(server)
        m.serverPer1k.push(Math.round((Math.max(0, server - idle) * 1000) / count * 100) / 100)
        m.players.push(cores(cpuSeconds(process.pid) - cpu0.players))
        m.encoder.push(cores(cpuSeconds(encoder.pid ?? 0) - cpu0.encoder))
        // How much of the window some task on this machine waited for a core (ours or anyone's): latencies measured
        // while it is high say how busy the machine was, not how fast the server is.
        m.waited.push(Math.round((cpuWaitMicros() - cpu0.waited) / (secs * 1e4)))
        // The server's event loop, ready to run but waiting for a core (other processes had them), share of the window.
        const rq = runQueue(ctx.hearth.pid)
        m.queued.push(Math.round(((rq.waited - cpu0.queued.waited) / secs) * 100))
        m.perWake.push(Math.round(((rq.waited - cpu0.queued.waited) * 1000 * 100) / Math.max(1, rq.slices - cpu0.queued.slices)) / 100)
        const served = servedMs(ctx.hearth.logFile, logFrom, streamId)
        const inServer = { playlist: summary(served.playlist), segment: summary(served.segment) }
        m.servedPl.push(inServer.playlist.p99)
        m.servedSeg.push(inServer.segment.p99)
        ctx.log(`  ${count} viewers, rep ${rep + 1}: playlist p50 ${pl.p50} ms p99 ${pl.p99} ms (${pl.n}), segment p99 ${sg.p99} ms (${sg.n}), ${out.errors} errors, ${Math.round(out.bytes / secs / 1e6)} MB/s; cores busy: server ${server}, players ${m.players.at(-1)}, ffmpeg ${m.encoder.at(-1)}; some task waited for a core ${m.waited.at(-1)} % of the time; in the server: playlist p99 ${inServer.playlist.p99} ms, segment p99 ${inServer.segment.p99} ms; a lone player beside them: playlist p99 ${alone.p99} ms (${alone.n}); the server's event loop waited for a core ${m.queued.at(-1)} % of the window, ${m.perWake.at(-1)} ms each time it woke`)
      }
      await viewers.stop()
      await lone.stop()
      viewers = null
      lone = null
      const note = `${count} guests in ${Math.ceil(count / PER_THREAD)} worker threads of the bench process, each on its own connection: the playlist every second and each new segment once`
      ctx.figures.push(
        { scenario: name, figure: 'playlist p99', unit: 'ms', values: m.p99, ...(count === TARGET_VIEWERS ? { target: { op: '<' as const, value: 50 } } : {}), note },
        { scenario: name, figure: 'playlist p50', unit: 'ms', values: m.p50 },
        { scenario: name, figure: 'segment p99', unit: 'ms', values: m.segP99 },
        { scenario: name, figure: 'requests answered', unit: 'req/s', values: m.rates },
        { scenario: name, figure: 'errors', values: m.errors, target: { op: '<=', value: 0 }, judge: 'worst' },
        // What the server needs for its viewers, apart from the players and ffmpeg that share this machine with it.
        { scenario: name, figure: 'server cores busy per 1,000 viewers', values: m.serverPer1k, note: 'CPU seconds of the server process (every thread, and the ffmpeg copying the stream) per second of watching, from /proc, less the stream alone, scaled to 1,000 viewers' },
        { scenario: name, figure: 'server cores busy', values: m.server },
        { scenario: name, figure: 'players\' cores busy (bench process)', values: m.players },
        { scenario: name, figure: 'ffmpeg cores busy (the test stream)', values: m.encoder },
        { scenario: name, figure: 'playlist p99 of a lone player beside them', unit: 'ms', values: m.lone, note: 'one more player, in the bench\'s main thread, every 100 ms: the answer without the queue of the players\' threads' },
        { scenario: name, figure: 'playlist p99 in the server (its log)', unit: 'ms', values: m.servedPl, note: 'from the first middleware to the answer made: the server\'s part of the players\' latency' },
        { scenario: name, figure: 'segment p99 in the server (its log)', unit: 'ms', values: m.servedSeg },
        { scenario: name, figure: 'server event loop waiting for a core', unit: '%', values: m.queued, note: 'its main thread runnable but not running, from /proc/PID/schedstat: the machine\'s share of the latency' },
        { scenario: name, figure: 'server event loop\'s wait for a core each time it woke', unit: 'ms', values: m.perWake },
        { scenario: name, figure: 'machine CPU pressure (time some task waited for a core)', unit: '%', values: m.waited, note: 'from /proc/pressure/cpu over the window: every process on the machine, not only these' },
      )
    }
  } finally {
    await viewers?.stop()
    await lone?.stop()
    encoder.kill('SIGKILL')
    if (streamId !== null) await api('POST', `/api/v1/live/streams/${streamId}/end`)
  }
}
