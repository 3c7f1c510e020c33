// Live streams' cost on the server (issue 16): how many concurrent streams one process carries, with passthrough
// (OBS's H.264 copied into HLS) and with transcoded ingest (the picture encoded by the server, as a browser's VP8
// is: here FLV1 pushed over RTMP, which the server decodes and encodes to H.264 for HLS and WebRTC); and what
// WebRTC viewers of one stream cost (werift peers in this bench process, each receiving the stream's RTP over
// DTLS/SRTP on loopback). CPU is read from /proc for the server process and its ffmpeg children, not the pushers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { RTCPeerConnection, useH264, useOPUS } from 'werift'
import { settle, type Ctx } from './scenarios.js'

const require = createRequire(import.meta.url)
const FFMPEG = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path
const TICK = 100 // clock ticks per second on Linux (CLK_TCK)

/** CPU seconds used so far by `pid` and every process under it (its ffmpegs). */
function cpuOf(pid: number): number {
  const parent = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(p), Number(rest[1]))
      ticks.set(Number(p), Number(rest[11]) + Number(rest[12]))
    } catch {}
  }
  const under = (p: number): boolean => p === pid || (parent.has(p) && p !== 1 && parent.get(p) !== p && under(parent.get(p)!))
  let total = 0
  for (const [p, t] of ticks) if (under(p)) total += t
  return total / TICK
}

/** The share of one core the server and its ffmpegs used over `ms`. */
async function coresUsed(pid: number, ms: number): Promise<number> {
  const c0 = cpuOf(pid)
  const t0 = performance.now()
  await sleep(ms)
  return (cpuOf(pid) - c0) / ((performance.now() - t0) / 1000)
}

/** Test pictures encoded once (H.264 + AAC for passthrough; FLV1 + AAC for the transcoded path), looped by the pushers. */
function fixtures(dir: string): { h264: string; flv1: string } {
  mkdirSync(dir, { recursive: true })
  const h264 = join(dir, 'live-h264.flv')
  const flv1 = join(dir, 'live-flv1.flv')
  const src = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '20']
  if (!existsSync(h264)) execFileSync(FFMPEG, [...src, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '1200k', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', h264])
  if (!existsSync(flv1)) execFileSync(FFMPEG, [...src, '-c:v', 'flv', '-q:v', '4', '-g', '30', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', flv1])
  return { h264, flv1 }
}

interface Streamer {
  id: number
  api: string
}

/** One streamer pushing `file` in a loop at its own rate over RTMP with their key; resolves with the stream's id once it has a playlist. */
async function push(ctx: Ctx, who: Streamer, file: string, seconds: number): Promise<{ streamId: number; pusher: ChildProcess; end(): Promise<void> }> {
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(ctx.hearth.origin + path, { method, headers: { authorization: `Bearer ${who.api}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    return (await res.json()) as { data: any; error?: { message: string } }
  }
  const made = await api('POST', '/api/v1/live/key', { settings: { title: 'Bench stream', audience: 'public', chat: 'on' } })
  if (!made.data?.key) throw new Error(`no stream key: ${made.error?.message}`)
  const port = Number(/:(\d+)\/live$/.exec(made.data.server_url)?.[1] ?? 1935)
  const pusher = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-t', String(seconds), '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${made.data.key}`], { stdio: 'ignore' })
  const deadline = Date.now() + 40_000
  while (Date.now() < deadline) {
    const mine = ((await api('GET', '/api/v1/live/streams?limit=50')).data as { id: number; streamer: { id: number }; playlist_ready: boolean }[]).find((x) => x.streamer.id === who.id)
    if (mine?.playlist_ready) return { streamId: mine.id, pusher, end: async () => void (pusher.kill('SIGKILL'), await api('POST', `/api/v1/live/streams/${mine.id}/end`)) }
    await sleep(250)
  }
  pusher.kill('SIGKILL')
  throw new Error('a pushed stream never had a playlist')
}

/** Whether each stream's playlist moved on by about a segment a second over `ms` (the process keeps up). */
async function keepsUp(origin: string, ids: number[], ms: number): Promise<number> {
  const seq = async (id: number) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(await (await fetch(`${origin}/live/${id}/hls/index.m3u8`)).text())?.[1] ?? -1)
  const before = await Promise.all(ids.map(seq))
  await sleep(ms)
  const after = await Promise.all(ids.map(seq))
  return after.filter((a, i) => a - before[i]! >= (ms / 1000) * 0.8 - 1).length
}

/** Whether the bench server runs the live plugin (live.ts notes it when not). */
async function liveOn(ctx: Ctx): Promise<boolean> {
  return !!(await ctx.h.db.selectFrom('plugins').select('enabled').where('name', '=', 'live').executeTakeFirst())?.enabled
}

export async function liveStreams(ctx: Ctx): Promise<void> {
  const s = 'live: concurrent streams in one process'
  if (!(await liveOn(ctx))) return
  const quick = ctx.settings.reps === 1 && ctx.settings.durationSec <= 3
  const files = fixtures(ctx.fixturesDir)
  const publics = new Set((await ctx.h.db.selectFrom('users').select('id').where('is_private', '=', 0).where('id', 'in', ctx.picks.members.map((m) => m.id)).execute()).map((r) => r.id))
  const streamers = ctx.picks.members.filter((m) => publics.has(m.id)).map((m) => ({ id: m.id, api: m.api }))
  const window = quick ? 6_000 : 15_000
  const cores = cpus().length
  for (const [kind, file, n] of [
    ['passthrough (H.264 copied)', files.h264, quick ? 4 : 8],
    ['transcoded (encoded to H.264, with WebRTC outputs)', files.flv1, quick ? 2 : 4],
  ] as const) {
    if (streamers.length < n) {
      ctx.notes.push(`${s}: fewer than ${n} public members with sessions, ${kind} not measured.`)
      continue
    }
    // Idle once the server has worked through what ran before (the 1,000 HLS viewers).
    await settle(ctx.hearth)
    const idle = await coresUsed(ctx.hearth.pid, 3_000)
    const running = []
    try {
      for (const who of streamers.slice(0, n)) running.push(await push(ctx, who, file, 600))
      await sleep(3_000)
      const used = await coresUsed(ctx.hearth.pid, window)
      const ok = await keepsUp(ctx.hearth.origin, running.map((r) => r.streamId), quick ? 4_000 : 8_000)
      const per = Math.max(0, (used - idle) / n)
      ctx.log(`  ${kind}: ${n} streams, ${(used * 100).toFixed(0)} % of a core (idle ${(idle * 100).toFixed(0)} %), ${(per * 100).toFixed(1)} % per stream, ${ok}/${n} kept a segment a second`)
      const note = `${n} streams pushed over RTMP (640x360 30 fps), server process + its ffmpegs from /proc over ${window / 1000} s; ${ok}/${n} kept up`
      ctx.figures.push({ scenario: s, figure: `CPU per stream, ${kind}`, unit: '% core', values: [Math.round(per * 1000) / 10], note })
      ctx.figures.push({ scenario: s, figure: `streams ${cores} cores carry at 80 %, ${kind} (from the CPU per stream)`, values: [per > 0 ? Math.floor((cores * 0.8) / per) : 0] })
      ctx.figures.push({ scenario: s, figure: `streams that kept up, ${kind}`, values: [ok], target: { op: '>=', value: n } })
    } finally {
      for (const r of running) await r.end()
    }
  }
}

/** WebRTC viewers of one transcoded stream: the server's CPU with them against without, and that each gets the picture. */
export async function liveWebrtcViewers(ctx: Ctx): Promise<void> {
  const s = 'live: WebRTC viewers of one stream'
  if (!(await liveOn(ctx))) return
  const quick = ctx.settings.reps === 1 && ctx.settings.durationSec <= 3
  const viewers = quick ? 10 : 25 // under the default cap of 30
  const files = fixtures(ctx.fixturesDir)
  const publics = new Set((await ctx.h.db.selectFrom('users').select('id').where('is_private', '=', 0).where('id', 'in', ctx.picks.members.map((m) => m.id)).execute()).map((r) => r.id))
  const who = ctx.picks.members.find((m) => publics.has(m.id))
  if (!who) throw new Error('no public member with a session to stream')
  const stream = await push(ctx, { id: who.id, api: who.api }, files.flv1, 600)
  const peers: RTCPeerConnection[] = []
  try {
    await sleep(2_000)
    const window = quick ? 6_000 : 15_000
    const without = await coresUsed(ctx.hearth.pid, window)
    const got: number[] = []
    const t0 = performance.now()
    for (let i = 0; i < viewers; i++) {
      const pc = new RTCPeerConnection({ codecs: { video: [useH264()], audio: [useOPUS()] }, iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false, bundlePolicy: 'max-bundle' })
      peers.push(pc)
      pc.addTransceiver('video', { direction: 'recvonly' })
      pc.addTransceiver('audio', { direction: 'recvonly' })
      const n = got.push(0) - 1
      pc.onTrack.subscribe((track) => track.kind === 'video' && track.onReceiveRtp.subscribe(() => void got[n]!++))
      await pc.setLocalDescription(await pc.createOffer())
      while (pc.iceGatheringState !== 'complete') await sleep(20)
      const res = await fetch(`${ctx.hearth.origin}/live/${stream.streamId}/whep`, { method: 'POST', headers: { 'content-type': 'application/sdp', accept: 'application/json' }, body: pc.localDescription!.sdp })
      if (res.status !== 201) throw new Error(`WHEP answered ${res.status}: ${await res.text()}`)
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() })
    }
    const joined = performance.now() - t0
    await sleep(3_000)
    const withViewers = await coresUsed(ctx.hearth.pid, window)
    const receiving = got.filter((g) => g > 0).length
    const per = Math.max(0, (withViewers - without) / viewers)
    ctx.log(`  ${viewers} WebRTC viewers joined in ${(joined / 1000).toFixed(1)} s; server ${(without * 100).toFixed(0)} % → ${(withViewers * 100).toFixed(0)} % of a core, ${(per * 100).toFixed(2)} % per viewer; ${receiving}/${viewers} receiving`)
    const note = `one transcoded stream (640x360 30 fps, ~1.2 Mbit/s), ${viewers} werift viewers in the bench process on loopback; server process + ffmpeg CPU from /proc`
    ctx.figures.push(
      { scenario: s, figure: 'server CPU per WebRTC viewer', unit: '% core', values: [Math.round(per * 10000) / 100], note },
      { scenario: s, figure: `server CPU with ${viewers} WebRTC viewers`, unit: '% core', values: [Math.round(withViewers * 1000) / 10] },
      { scenario: s, figure: 'viewers receiving video', values: [receiving], target: { op: '>=', value: viewers } },
    )
  } finally {
    for (const pc of peers) await pc.close()
    await stream.end()
  }
}
