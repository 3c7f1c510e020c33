// One ffmpeg per live stream: a browser's MediaRecorder WebM in on stdin, HLS with 1-second segments out in the
// stream's folder. Started again on a resume (the playlist is continued, not restarted), stopped with the stream.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChildProcess, SpawnOptions } from '../../core/plugins/api.js'
import { AUDIO_PT, VIDEO_PT, type RtpPorts } from './webrtc.js'

/** The HLS segment length in seconds (decision 032: about 3 s glass to glass with hls.js two segments behind). */
export const SEGMENT_SECONDS = 1
/** Segments kept in ffmpeg's playlist (on disk, delay.ts keeps what the delay or a replay needs). */
export const LIST_SIZE = 6
/** How long a playlist read from disk answers everyone (a player polls about once a segment). */
const PLAYLIST_FRESH_MS = 200

/** H.264 with a keyframe every segment, for pictures that are not H.264 already (a browser's VP8). */
export const X264_ARGS = ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`]
export const AAC_ARGS = ['-c:a', 'aac', '-b:a', '96k', '-ar', '48000']

/** What ffmpeg reads (on stdin) and how it encodes it: a browser's WebM, or an encoder's FLV over RTMP (rtmp-ingest.ts). */
export interface IngestSource {
  input: string[]
  codecs: string[]
  /** The picture is encoded here (libx264), so the same encode can feed WebRTC viewers too; a copied one cannot (its profile is the encoder's). */
  encoded: boolean
}
const BROWSER: IngestSource = { input: ['-f', 'webm', '-i', 'pipe:0'], codecs: ['-r', '30', ...X264_ARGS, ...AAC_ARGS], encoded: true }

/** Characters the tee muxer's syntax gives a meaning to: a folder with one of them gets no WebRTC output. */
const TEE_SPECIAL = /[[\]|:'\\]/

/**
 * ffmpeg's arguments for one run. MediaRecorder's WebM has a 1 ms timebase, so the output rate is forced (`-r 30`)
 * or ffmpeg duplicates frames as if it were 1000 fps. A resume appends to the playlist (same numbering, a
 * discontinuity) so viewers' players carry on.
 */
export function ffmpegArgs(dir: string, resume: boolean, source: IngestSource = BROWSER, rtp: RtpPorts | null = null): string[] {
  // No delete_segments: the delay and replays need older segments; delay.ts removes them when neither does.
  const flags = ['independent_segments', ...(resume ? ['append_list', 'discont_start'] : []), 'omit_endlist']
  if (rtp && teeable(dir, source)) return teeArgs(dir, flags, source, rtp)
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    ...source.input,
    '-map', '0:v:0', '-map', '0:a:0?',
    ...source.codecs,
    '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_list_size', String(LIST_SIZE), '-hls_flags', flags.join('+'),
    '-hls_segment_filename', join(dir, 'seg%d.ts'),
    join(dir, 'index.m3u8'),
  ]
}

/** Whether a run can feed WebRTC: the picture encoded here, and a folder the tee muxer's syntax can name. */
export function teeable(dir: string, source: IngestSource = BROWSER): boolean {
  return source.encoded && !TEE_SPECIAL.test(dir)
}

/**
 * One encode, three outputs (the tee muxer): HLS as without WebRTC (H.264 + AAC), the same H.264 as RTP, and the
 * sound encoded a second time as Opus RTP (WebRTC has no AAC). The picture is constrained baseline, which every
 * WebRTC browser decodes. An RTP output that fails is dropped (`onfail=ignore`) and HLS carries on; a stream
 * without sound has no Opus output.
 */
function teeArgs(dir: string, flags: string[], source: IngestSource, rtp: RtpPorts): string[] {
  const hls = `[select=\\'v:0,a:0\\':f=hls:hls_time=${SEGMENT_SECONDS}:hls_list_size=${LIST_SIZE}:hls_flags=${flags.join('+')}:hls_segment_filename=${join(dir, 'seg%d.ts')}]${join(dir, 'index.m3u8')}`
  const video = `[select=\\'v:0\\':f=rtp:payload_type=${VIDEO_PT}:onfail=ignore]rtp://127.0.0.1:${rtp.video}?pkt_size=1200`
  const audio = `[select=\\'a:1\\':f=rtp:payload_type=${AUDIO_PT}:onfail=ignore]rtp://127.0.0.1:${rtp.audio}?pkt_size=1200`
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    ...source.input,
    '-map', '0:v:0', '-map', '0:a:0?', '-map', '0:a:0?',
    ...source.codecs, '-profile:v', 'baseline',
    '-c:a:1', 'libopus', '-b:a:1', '64k', '-ar:a:1', '48000', '-ac:a:1', '2',
    '-f', 'tee', [hls, video, audio].join('|'),
  ]
}

/**
 * Whether a playlist as read from disk is whole: the bundled ffmpeg rewrites it in place, so a read can catch half
 * of it. Whole means: the header, a final newline, at least one segment, and every `#EXTINF` followed by its URI.
 */
export function completePlaylist(text: string): boolean {
  if (!text.startsWith('#EXTM3U\n') || !text.endsWith('\n')) return false
  const lines = text.split('\n').filter((l) => l !== '')
  let segments = 0
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('#EXTINF:')) continue
    const uri = lines[i + 1]
    if (!uri || !/^seg\d+\.ts$/.test(uri)) return false
    segments++
  }
  return segments > 0
}

interface Run {
  child: ChildProcess
  exited: Promise<void>
  stderr: string
}

export interface IngestOptions {
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess
  ffmpeg(): string
  /** The folder of the stream's HLS files. */
  dirOf(streamId: number): string
  /** ffmpeg stopped by itself (bad input, a crash): the stream waits for a resume. */
  onExit(streamId: number, detail: string): void
  /** A run is about to start after an earlier one of the stream (a resume); the earlier one is stopped. */
  beforeResume?(streamId: number): Promise<void>
  /** The ports to send the stream's RTP to, when it is offered over WebRTC (webrtc.ts); null: HLS only. */
  rtp?(streamId: number, source: IngestSource): Promise<RtpPorts | null>
}

/** The ffmpeg runs of the live streams in this process. */
export class Ingests {
  private runs = new Map<number, Run>()
  /** The last complete playlist read per stream (its text and its bytes, as served), kept while the file is being rewritten. */
  private lastGood = new Map<number, { text: string; bytes: Buffer }>()
  /** When each stream's playlist was last read from disk: within PLAYLIST_FRESH_MS, the last read is answered. */
  private readAt = new Map<number, number>()
  /** A read of the playlist under way: every request meanwhile waits for it (none is answered "missing" at a stream's start). */
  private reading = new Map<number, Promise<void>>()
  /** Segments being read from disk, by stream and name; `listed`: a whole playlist listed it before the read began. */
  private loading = new Map<string, { listed: boolean; bytes: Promise<Buffer | null> }>()
  /** The segments read per stream (only those a whole playlist listed: never one still being written), newest last. */
  private segments = new Map<number, Map<string, Buffer>>()

  constructor(private readonly o: IngestOptions) {}

  /** Start (or start again, after a drop) the stream's ffmpeg; a run already going is killed first. */
  async start(streamId: number, source?: IngestSource): Promise<void> {
    await this.kill(streamId)
    const dir = this.o.dirOf(streamId)
    await mkdir(dir, { recursive: true })
    const resume = existsSync(join(dir, 'index.m3u8'))
    if (resume) await this.o.beforeResume?.(streamId)
    const rtp = (await this.o.rtp?.(streamId, source ?? BROWSER)) ?? null
    const child = this.o.spawn(this.o.ffmpeg(), ffmpegArgs(dir, resume, source, rtp), { stdio: ['pipe', 'ignore', 'pipe'] })
    const run: Run = { child, stderr: '', exited: new Promise((resolve) => child.once('close', () => resolve())) }
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (run.stderr = (run.stderr + s).slice(-2000)))
    // A write after ffmpeg died fails with EPIPE: the exit handler below tells the stream.
    child.stdin!.on('error', () => {})
    child.once('error', (err) => (run.stderr += `\n${err.message}`))
    this.runs.set(streamId, run)
    void run.exited.then(() => {
      if (this.runs.get(streamId) !== run) return // replaced or stopped on purpose
      this.runs.delete(streamId)
      this.o.onExit(streamId, run.stderr.trim().split('\n').pop() ?? `exited with ${child.exitCode ?? child.signalCode}`)
    })
  }

  /** Whether the stream has an ffmpeg taking chunks. */
  running(streamId: number): boolean {
    return this.runs.has(streamId)
  }

  pid(streamId: number): number | undefined {
    return this.runs.get(streamId)?.child.pid
  }

  /** Hand a chunk to the stream's ffmpeg, waiting while its input is full; false when no ffmpeg runs for it. */
  async write(streamId: number, bytes: Uint8Array): Promise<boolean> {
    const run = this.runs.get(streamId)
    const stdin = run?.child.stdin
    if (!run || !stdin || stdin.destroyed) return false
    if (!stdin.write(bytes)) await Promise.race([new Promise((r) => stdin.once('drain', r)), run.exited])
    return true
  }

  /** Kill the stream's ffmpeg (if any) and wait for it to be gone. */
  async kill(streamId: number): Promise<void> {
    const run = this.runs.get(streamId)
    if (!run) return
    this.runs.delete(streamId)
    run.child.kill('SIGKILL')
    await run.exited
  }

  /** The stream is over: its ffmpeg killed, its files removed. */
  async end(streamId: number): Promise<void> {
    await this.kill(streamId)
    this.lastGood.delete(streamId)
    this.readAt.delete(streamId)
    this.segments.delete(streamId)
    await rm(this.o.dirOf(streamId), { recursive: true, force: true })
  }

  /** Every run killed (the server is closing). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.kill(id)))
  }

  /** The stream's playlist if a whole one was ever read (the newest whole one), else null. */
  async playlist(streamId: number): Promise<string | null> {
    return (await this.playlistBytes(streamId))?.text ?? null
  }

  /**
   * The newest whole playlist, with its bytes as served (the same Buffer to every viewer: a thousand viewers ask about
   * once a second each, ffmpeg rewrites it once a segment, so one read a PLAYLIST_FRESH_MS serves them all).
   */
  async playlistBytes(streamId: number): Promise<{ text: string; bytes: Buffer } | null> {
    if (Date.now() - (this.readAt.get(streamId) ?? 0) >= PLAYLIST_FRESH_MS && !this.reading.has(streamId)) {
      this.readAt.set(streamId, Date.now())
      const read = this.read(streamId).finally(() => this.reading.delete(streamId))
      this.reading.set(streamId, read)
    }
    // Before the first whole read, wait for the one under way; after it, the last whole one answers at once.
    const last = this.lastGood.get(streamId)
    if (last) return last
    await this.reading.get(streamId)
    return this.lastGood.get(streamId) ?? null
  }

  private async read(streamId: number): Promise<void> {
    let text: string
    try {
      text = await readFile(join(this.o.dirOf(streamId), 'index.m3u8'), 'utf8')
    } catch {
      return
    }
    if (!completePlaylist(text) || !this.readAt.has(streamId)) return
    // The segments it lists are in memory before it is served: no viewer learns a segment's name before its bytes
    // can be sent, so none waits on the disk (a thousand asking for a new segment at once did, a second at worst).
    const names = [...text.matchAll(/^seg\d+\.ts$/gm)].map((m) => m[0])
    await Promise.all(names.map((name) => this.segment(streamId, name, true)))
    // A stream ended while the file was read keeps nothing.
    if (this.readAt.has(streamId)) this.lastGood.set(streamId, { text, bytes: Buffer.from(text) })
  }

  /** Whether a whole playlist with a segment has been read or written for the stream (a player may start). */
  async ready(streamId: number): Promise<boolean> {
    return (await this.playlist(streamId)) !== null
  }

  /** A segment's bytes, or null when it is not (or no longer) there; `listed`: a whole playlist about to be served lists it. */
  async segment(streamId: number, name: string, listed = false): Promise<Buffer | null> {
    if (!/^seg\d{1,9}\.ts$/.test(name)) return null
    const kept = this.segments.get(streamId)?.get(name)
    if (kept) return kept
    // Those who ask while it is read wait for that read. A read begun before a whole playlist listed the segment may
    // have caught it half written: it is neither kept nor joined by the read of a playlist about to list it.
    const key = `${streamId}/${name}`
    listed ||= !!this.lastGood.get(streamId)?.text.includes(`\n${name}\n`)
    const current = this.loading.get(key)
    if (current && (current.listed || !listed)) return current.bytes
    const bytes = this.load(streamId, name, listed).finally(() => {
      if (this.loading.get(key)?.bytes === bytes) this.loading.delete(key)
    })
    this.loading.set(key, { listed, bytes })
    return bytes
  }

  private async load(streamId: number, name: string, listed: boolean): Promise<Buffer | null> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(this.o.dirOf(streamId), name))
    } catch {
      return null
    }
    // Kept in memory when a whole playlist listed it before the read (it was complete then, and every viewer will ask).
    if (listed && this.readAt.has(streamId)) {
      const map = this.segments.get(streamId) ?? new Map<string, Buffer>()
      this.segments.set(streamId, map)
      map.set(name, bytes)
      if (map.size > LIST_SIZE + 2) map.delete(map.keys().next().value!)
    }
    return bytes
  }

}
