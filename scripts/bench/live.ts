// Live streams' scenario (issue 16): 1,000 simulated HLS viewers of one stream. The stream is real: ffmpeg's test
// picture pushed over RTMP to the bench server with a member's stream key (H.264 copied into 1 s segments). Each
// viewer is a guest on its own keep-alive connection that, like a player at the live edge, fetches the playlist
// once a second and each new segment once; the playlist's latency is the figure the issue sets a target for.
import { spawn } from 'node:child_process'
import http from 'node:http'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Ctx } from './scenarios.js'
import { summary } from './stats.js'

const require = createRequire(import.meta.url)
const VIEWERS = 1_000

interface Sample {
  playlist: number[]
  segment: number[]
  errors: number
  bytes: number
}

/** One GET on the viewer's own connection: status, body size and milliseconds. */
function get(agent: http.Agent, origin: string, path: string): Promise<{ status: number; body: string | null; bytes: number; ms: number }> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const req = http.get(origin + path, { agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, body: path.endsWith('.m3u8') ? body.toString('utf8') : null, bytes: body.length, ms: performance.now() - t0 })
      })
    })
    req.on('error', () => resolve({ status: 0, body: null, bytes: 0, ms: performance.now() - t0 }))
  })
}

/** A player at the live edge: the playlist every second, each new segment once (starting from the newest). */
async function viewer(agent: http.Agent, seen: Set<string>, origin: string, streamId: number, until: number, out: Sample): Promise<void> {
  if (!seen.size) await sleep(Math.random() * 1000)
  {
    while (performance.now() < until) {
      const tick = performance.now()
      const list = await get(agent, origin, `/live/${streamId}/hls/index.m3u8`)
      out.playlist.push(list.ms)
      if (list.status !== 200 || !list.body) out.errors++
      else {
        const names = [...list.body.matchAll(/^(seg\d+\.ts)$/gm)].map((m) => m[1]!)
        const fresh = seen.size ? names.filter((n) => !seen.has(n)) : names.slice(-1)
        for (const n of names) seen.add(n)
        for (const n of fresh) {
          const seg = await get(agent, origin, `/live/${streamId}/hls/${n}`)
          out.segment.push(seg.ms)
          out.bytes += seg.bytes
          if (seg.status !== 200) out.errors++
        }
      }
      await sleep(Math.max(0, 1000 - (performance.now() - tick)))
    }
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
    // Each viewer keeps its connection (a player does) across the warm-up and the measured windows.
    const players = Array.from({ length: VIEWERS }, () => ({ agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), seen: new Set<string>() }))
    const watch = (until: number, out: Sample) => Promise.all(players.map((p) => viewer(p.agent, p.seen, ctx.hearth.origin, streamId!, until, out)))
    for (let rep = 0; rep < ctx.settings.reps; rep++) {
      // Warm-up: the viewers join (at least 3 s, so every one has its connection); then the measured window.
      await watch(performance.now() + Math.max(3, ctx.settings.warmupSec) * 1000, { playlist: [], segment: [], errors: 0, bytes: 0 })
      const out: Sample = { playlist: [], segment: [], errors: 0, bytes: 0 }
      const t0 = performance.now()
      await watch(t0 + ctx.settings.durationSec * 1000, out)
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
    const note = `${VIEWERS} guests, each on its own connection: the playlist every second and each new segment once`
    ctx.figures.push(
      { scenario: s, figure: 'playlist p99', unit: 'ms', values: p99, target: { op: '<', value: 50 }, note },
      { scenario: s, figure: 'playlist p50', unit: 'ms', values: p50 },
      { scenario: s, figure: 'segment p99', unit: 'ms', values: segP99 },
      { scenario: s, figure: 'requests answered', unit: 'req/s', values: rates },
      { scenario: s, figure: 'errors', values: errors, target: { op: '<=', value: 0 }, judge: 'worst' },
    )
    for (const p of players) p.agent.destroy()
  } finally {
    encoder.kill('SIGKILL')
    if (streamId !== null) await api('POST', `/api/v1/live/streams/${streamId}/end`)
  }
}
