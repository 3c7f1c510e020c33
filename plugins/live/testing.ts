// Helpers of the live plugin's tests: a synthetic WebM and the binary frames that carry it, the ffmpeg processes the
// machine runs for a data directory, and waiting for a condition without asserting on time.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { tempDir } from '../../test/harness.js'

const require = createRequire(import.meta.url)
export const FFMPEG = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path

/** A WebM as MediaRecorder makes them (VP8 and Opus), from ffmpeg's test picture and a tone. */
export function syntheticWebm(seconds: number): Buffer {
  const file = join(tempDir('live-webm-'), 'test.webm')
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=20', '-f', 'lavfi', '-i', 'sine=frequency=1000', '-t', String(seconds), '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '20', '-c:a', 'libopus', '-f', 'webm', file])
  return readFileSync(file)
}

/** A binary topic frame: the topic id's length, the id, the payload (what hearth.js's sendBinary builds). */
export const binaryFrame = (topic: string, bytes: Uint8Array) => Buffer.concat([Buffer.from([topic.length]), Buffer.from(topic, 'ascii'), bytes])

/** The pids of the ffmpeg processes writing HLS under `dir` (read from /proc, so a test sees what the machine runs). */
export function ffmpegsUnder(dir: string): number[] {
  const pids: number[] = []
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8')
      if (cmd.includes(dir) && cmd.includes('index.m3u8')) pids.push(Number(p))
    } catch {}
  }
  return pids
}

/** The command line of a process, its arguments joined by spaces ('' once it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return ''
  }
}

/** Wait until `ok(fn())`, polling; fails with the last value after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  let last = await fn()
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
    last = await fn()
  }
  return last
}

/** The UDP sockets this process holds (the server's RTP sockets and werift peers; a browser is another process). */
export function udpSockets(): number {
  const inodes = new Set<string>()
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))
      if (m) inodes.add(m[1]!)
    } catch {}
  }
  let n = 0
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) if (inodes.has(line.trim().split(/\s+/)[9] ?? '')) n++
  }
  return n
}

/** A TCP port free on loopback just now (an RTMP port for a test). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

/** ffmpeg as an encoder: the test picture (H.264) and a tone (AAC) pushed to `url` in real time, as OBS would. */
export function pushTo(url: string, options: { seconds?: number; videoKbps?: number } = {}): ChildProcess & { done: Promise<number> } {
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100']
  args.push('-t', String(options.seconds ?? 60), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '30')
  if (options.videoKbps) args.push('-b:v', `${options.videoKbps}k`)
  args.push('-c:a', 'aac', '-b:a', '64k', '-f', 'flv', url)
  const child = spawn(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] }) as ChildProcess & { done: Promise<number> }
  child.stderr!.resume()
  child.done = new Promise((resolve) => child.once('close', (code) => resolve(code ?? -1)))
  return child
}
