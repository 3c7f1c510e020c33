// Live streams' scenario (issue 16): 1,000 simulated HLS viewers of one stream. The stream is real: ffmpeg's test
// picture pushed over RTMP to the bench server with a member's stream key (H.264 copied into 1 s segments). Each
// viewer is a guest on its own keep-alive connection that, like a player at the live edge, fetches the playlist
// once a second and each new segment once; the playlist's latency is the figure the issue sets a target for. The
// players run in worker threads (live-viewers.ts), so what they time is not the bench process's own work.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import type { Sample, ViewersData } from './live-viewers.js'
import type { Ctx } from './scenarios.js'
import { summary } from './stats.js'

const require = createRequire(import.meta.url)
const VIEWERS = 1_000

/** Threads the players run in: a quarter of them each, off the bench's own event loop (live-viewers.ts). */
const THREADS = 4

/** Start the players in their threads; `watch(ms)` runs them all that long and merges what they timed. */
function players(origin: string, streamId: number) {
  const per = Math.ceil(VIEWERS / THREADS)
  const workers = Array.from({ length: THREADS }, (_, i) => new Worker(new URL('./live-viewers.ts', import.meta.url), { workerData: { origin, streamId, viewers: Math.min(per, VIEWERS - i * per) } satisfies ViewersData }))
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
  const seconds = (ctx.settings.warmupSec + ctx.settings.durationSec) * ctx.settings.reps + 60
  const encoder = spawn(
    ffmpeg,
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds)]
      .concat(['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '1200k', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${made.data.key}`]),
    { stdio: 'ignore' },
  )
  let streamId: number | null = null
  let viewers: ReturnType<typeof players> | null = null
  try {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && streamId === null) {
      const mine = ((await api('GET', '/api/v1/live/streams?limit=50')).data as { id: number; streamer: { id: number }; playlist_ready: boolean }[]).find((x) => x.streamer.id === streamer.id)
      if (mine?.playlist_ready) streamId = mine.id
      else await sleep(250)
    }
    if (streamId === null) throw new Error('the pushed stream never had a playlist')
    ctx.log(`${s}: stream ${streamId} pushed over RTMP (640x360, 1.2 Mbit/s, copied); ${VIEWERS} guests, ${ctx.settings.durationSec} s × ${ctx.settings.reps}`)
    const p99: number[] = []
    const p50: number[] = []
    const segP99: number[] = []
    const errors: number[] = []
    const rates: number[] = []
    viewers = players(ctx.hearth.origin, streamId)
    for (let rep = 0; rep < ctx.settings.reps; rep++) {
      // Warm-up: the viewers join (at least 3 s, so every one has its connection); then the measured window.
      await viewers.watch(Math.max(3, ctx.settings.warmupSec) * 1000)
      const t0 = performance.now()
      const out = await viewers.watch(ctx.settings.durationSec * 1000)
      const secs = (performance.now() - t0) / 1000
      const pl = summary(out.playlist)
      const sg = summary(out.segment)
      p50.push(pl.p50)
      p99.push(pl.p99)
      segP99.push(sg.p99)
      errors.push(out.errors)
      rates.push(Math.round((out.playlist.length + out.segment.length) / secs))
      ctx.log(`  rep ${rep + 1}: playlist p50 ${pl.p50} ms p99 ${pl.p99} ms (${pl.n}), segment p99 ${sg.p99} ms (${sg.n}), ${out.errors} errors, ${Math.round(out.bytes / secs / 1e6)} MB/s`)
    }
    const note = `${VIEWERS} guests in ${THREADS} worker threads, each on its own connection: the playlist every second and each new segment once`
    ctx.figures.push(
      { scenario: s, figure: 'playlist p99', unit: 'ms', values: p99, target: { op: '<', value: 50 }, note },
      { scenario: s, figure: 'playlist p50', unit: 'ms', values: p50 },
      { scenario: s, figure: 'segment p99', unit: 'ms', values: segP99 },
      { scenario: s, figure: 'requests answered', unit: 'req/s', values: rates },
      { scenario: s, figure: 'errors', values: errors, target: { op: '<=', value: 0 }, judge: 'worst' },
    )
  } finally {
    await viewers?.stop()
    encoder.kill('SIGKILL')
    if (streamId !== null) await api('POST', `/api/v1/live/streams/${streamId}/end`)
  }
}
