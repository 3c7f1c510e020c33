// Video processing with the ffmpeg binary: probe, transcode to H.264/AAC MP4 (at most 1080p, faststart), grab a poster frame.
import { availableParallelism, setPriority } from 'node:os'
import { spawnBound } from '../children.js'
import { ffmpegPath } from './ffmpeg.js'

export interface Probe {
  /** Null when the container does not say (a browser's MediaRecorder WebM). */
  durationMs: number | null
  width: number | null
  height: number | null
  hasVideo: boolean
  hasAudio: boolean
  videoCodec: string | null
  audioCodec: string | null
  pixelFormat: string | null
}

export class FfmpegError extends Error {
  constructor(
    message: string,
    /** The tail of ffmpeg's stderr, for the logs. */
    readonly stderr: string,
    /** Killed for taking too long. */
    readonly timedOut = false,
  ) {
    super(message)
    this.name = 'FfmpegError'
  }
}

/** The longest and shortest side of the served video: "1080p" either way up. */
const LONG_SIDE = 1920
const SHORT_SIDE = 1080
/**
 * Encoder threads: every core. ffmpeg runs niced (see run), so the web server still comes first when it has
 * work; on a 2-core machine one thread would leave the second core idle and transcode at half the speed.
 */
const THREADS = String(Math.max(1, Math.min(4, availableParallelism())))
const STDERR_KEEP = 32 * 1024

interface RunOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** Collect stdout (a frame) up to this many bytes. */
  stdoutMax?: number
}

/** Run ffmpeg at low priority, killed on timeout or abort. Resolves with the exit code, stderr's tail and stdout. */
function run(args: string[], options: RunOptions): Promise<{ code: number | null; stderr: string; stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted()
    // Bound to the server: a killed server leaves no ffmpeg writing into the media folder (decision 014).
    const child = spawnBound(ffmpegPath(), args, { stdio: ['ignore', options.stdoutMax ? 'pipe' : 'ignore', 'pipe'] })
    if (child.pid) {
      try {
        setPriority(child.pid, 10) // nice: requests come first
      } catch {
        // Not allowed here; it still works, only less politely.
      }
    }
    let stderr = ''
    const out: Buffer[] = []
    let outBytes = 0
    let timedOut = false
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (s: string) => {
      stderr += s
      if (stderr.length > STDERR_KEEP * 2) stderr = stderr.slice(-STDERR_KEEP)
    })
    child.stdout?.on('data', (b: Buffer) => {
      outBytes += b.length
      if (outBytes <= options.stdoutMax!) out.push(b)
      else child.kill('SIGKILL') // more than a frame: not what we asked for
    })
    let killed = false
    const kill = () => {
      killed = true
      child.kill('SIGKILL')
    }
    const timer = setTimeout(() => {
      timedOut = true
      kill()
    }, options.timeoutMs)
    options.signal?.addEventListener('abort', kill, { once: true })
    let settled = false
    const settle = (code: number | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', kill)
      stderr = stderr.slice(-STDERR_KEEP)
      if (options.signal?.aborted) reject(options.signal.reason ?? new Error('aborted'))
      else if (timedOut) reject(new FfmpegError(`ffmpeg took longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped.`, stderr, true))
      else resolve({ code, stderr, stdout: Buffer.concat(out) })
    }
    child.on('error', (err) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', kill)
      reject(new FfmpegError(`ffmpeg could not be started (${ffmpegPath()}): ${err.message}`, ''))
    })
    // Normally wait for 'close' (all output read); once killed, 'exit' is enough.
    child.on('exit', (code) => killed && settle(code))
    child.on('close', (code) => settle(code))
  })
}

/** The last line of ffmpeg's stderr that says what went wrong. */
export function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Input|Output|Stream|Metadata|Duration|Press|frame=|size=|video:|Conversion failed)/.test(l))
  return (lines.pop() ?? 'ffmpeg failed').replace(/^\[[^\]]+\]\s*/, '').slice(0, 200)
}

/** Parse `ffmpeg -i`'s description of the first input. */
export function parseProbe(stderr: string): Probe {
  const input = stderr.slice(Math.max(0, stderr.indexOf('Input #0')))
  const d = input.match(/Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/)
  const video = input.match(/Stream #0:\d+[^:\n]*: Video: ([^\n]*)/)
  const audio = input.match(/Stream #0:\d+[^:\n]*: Audio: ([^\n]*)/)
  // ", 1920x1080" (not the "0x31637661" of a codec tag).
  const size = video?.[1]!.match(/, (\d{1,5})x(\d{1,5})(?=[\s,]|$)/)
  const pix = video?.[1]!.match(/, (yuv\w+|yuvj\w+|rgb\w+|gray\w*|nv\d+)[,( ]/)
  return {
    durationMs: d ? Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 1000) : null,
    width: size ? Number(size[1]) : null,
    height: size ? Number(size[2]) : null,
    hasVideo: !!video,
    hasAudio: !!audio,
    videoCodec: video?.[1]!.split(/[\s,]/)[0] ?? null,
    audioCodec: audio?.[1]!.split(/[\s,]/)[0] ?? null,
    pixelFormat: pix?.[1] ?? null,
  }
}

/** What a file holds, from `ffmpeg -i` (the static build has no ffprobe). Throws FfmpegError when ffmpeg cannot read it. */
export async function probe(file: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Probe> {
  // ffmpeg exits 1 ("At least one output file must be specified") after describing the input.
  const { stderr } = await run(['-hide_banner', '-nostdin', '-i', file], { timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal })
  if (!stderr.includes('Input #0')) throw new FfmpegError(lastError(stderr), stderr)
  return parseProbe(stderr)
}

/**
 * Scale to fit 1920 on the long side and 1080 on the short one (never up), square pixels, even sides.
 * Written as ffmpeg expressions so it applies after ffmpeg's own auto-rotation of phone videos.
 */
export function scaleFilter(long = LONG_SIDE, short = SHORT_SIDE): string {
  const w = 'iw*sar'
  const h = 'ih'
  const s = `min(1,min(${long}/max(${w},${h}),${short}/min(${w},${h})))`
  return `scale=w='max(2,trunc(${w}*${s}/2)*2)':h='max(2,trunc(${h}*${s}/2)*2)',setsar=1`
}

/** How long a transcode may take: generous, from the input's duration when known. */
export function transcodeTimeout(durationMs: number | null): number {
  return 5 * 60_000 + 6 * (durationMs ?? 10 * 60_000)
}

/**
 * Transcode to an MP4 browsers play everywhere: H.264 (yuv420p) and AAC, moov first (faststart),
 * no metadata (phones record where a video was taken). A missing audio track is fine.
 */
export async function transcode(input: string, output: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y',
    '-threads', THREADS,
    '-i', input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn',
    '-vf', scaleFilter(),
    // Keep the input's timestamps: a browser's WebM has a 1 ms time base that would otherwise become 1000 fps.
    '-vsync', 'vfr',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-threads', THREADS,
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    '-max_muxing_queue_size', '1024',
    '-movflags', '+faststart',
    '-f', 'mp4', output,
  ]
  const { code, stderr } = await run(args, options)
  if (code !== 0) throw new FfmpegError(lastError(stderr), stderr)
}

/** One frame as PNG, `atSeconds` in (the first frame when the video is shorter). */
export async function frameAt(input: string, atSeconds: number, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
  for (const at of atSeconds > 0 ? [atSeconds, 0] : [0]) {
    const { code, stdout, stderr } = await run(
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-ss', at.toFixed(3), '-i', input, '-frames:v', '1', '-an', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
      { timeoutMs: 60_000, signal: options.signal, stdoutMax: 64 * 1024 * 1024 },
    )
    if (code === 0 && stdout.length) return stdout
    if (at === 0) throw new FfmpegError(`No frame could be taken for the poster: ${lastError(stderr)}`, stderr)
  }
  throw new FfmpegError('No frame could be taken for the poster.', '')
}
