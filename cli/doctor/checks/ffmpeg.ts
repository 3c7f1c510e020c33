// ffmpeg runs (it is needed for video uploads and live streams): which one is used, and what it lacks for live.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBound } from '../../../core/children.js'
import { ffmpegPath, ffmpegVersion } from '../../../core/media/ffmpeg.js'
import type { Check } from '../check.js'

/**
 * Whether this ffmpeg's HLS muxer writes a playlist to a temporary file and renames it into place. Old builds (the
 * 2018 one @ffmpeg-installer bundles) rewrite `index.m3u8` in place and say "Cannot use rename", so a live viewer
 * can read half a playlist (docs/operators.md, "ffmpeg"). Found by writing two seconds of a test picture.
 */
export function hlsRenamesAtomically(path: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-ffmpeg-'))
  const args = ['-hide_banner', '-loglevel', 'warning', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '2', '-g', '5']
  args.push('-f', 'hls', '-hls_time', '1', '-hls_flags', 'temp_file', join(dir, 'index.m3u8'))
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true })
      if (err) reject(new Error(`ffmpeg at ${path} could not write a test stream: ${String(stderr).trim().split('\n').pop() || err.message}`))
      else resolve(!/cannot use rename/i.test(String(stderr)))
    })
  })
}

/** What live streams need of ffmpeg, and what each is for (plugins/live: decision 032 and the RTMP ingest). */
export const LIVE_NEEDS = [
  { kind: 'encoders', name: 'libx264', for: 'browser streams and non-H.264 encoders' },
  { kind: 'encoders', name: 'aac', for: 'sound from browsers' },
  { kind: 'encoders', name: 'mjpeg', for: 'the staff page’s thumbnails' },
  { kind: 'demuxers', name: 'webm', for: 'browser streams' },
  { kind: 'demuxers', name: 'flv', for: 'OBS over RTMP' },
  { kind: 'muxers', name: 'hls', for: 'the playlists' },
  { kind: 'muxers', name: 'mpegts', for: 'the segments' },
] as const

/** The parts live streams need that this ffmpeg lacks (listed by `-encoders`, `-demuxers`, `-muxers`). */
export async function liveLacks(path: string): Promise<(typeof LIVE_NEEDS)[number][]> {
  const lists = new Map<string, Set<string>>()
  for (const kind of ['encoders', 'demuxers', 'muxers'] as const) {
    const { stdout } = await runBound(path, ['-hide_banner', `-${kind}`], { timeoutMs: 15_000 })
    // Lines look like " V..... libx264  …" or " DE matroska,webm  …": the second column, split on commas.
    lists.set(kind, new Set(stdout.split('\n').flatMap((l) => /^\s*[A-Z.]{1,6}\s+(\S+)/.exec(l)?.[1]?.split(',') ?? [])))
  }
  return LIVE_NEEDS.filter((n) => !lists.get(n.kind)!.has(n.name))
}

export const ffmpeg: Check = {
  name: 'Video processing (ffmpeg)',
  async run() {
    let path: string
    try {
      path = ffmpegPath()
    } catch (err) {
      return { status: 'fail', message: `no ffmpeg found: ${(err as Error).message}`, hint: 'Run `npm ci`, or set FFMPEG_PATH to an ffmpeg binary.' }
    }
    let version: string
    try {
      version = await ffmpegVersion(path)
    } catch (err) {
      return { status: 'fail', message: (err as Error).message, hint: 'Set FFMPEG_PATH to a working ffmpeg binary.' }
    }
    const from = process.env.FFMPEG_PATH ? 'FFMPEG_PATH' : 'the bundled build'
    let lacks: Awaited<ReturnType<typeof liveLacks>>
    try {
      lacks = await liveLacks(path)
    } catch (err) {
      return { status: 'warn', message: `${version} (${path}) runs, but could not list its codecs: ${(err as Error).message}`, hint: 'Set FFMPEG_PATH to a complete ffmpeg build (5.1 or later).' }
    }
    if (lacks.length) {
      return {
        status: 'warn',
        message: `${version} (${path}, ${from}) lacks for live streams: ${lacks.map((l) => `${l.name} (${l.for})`).join(', ')}.`,
        hint: 'Install a complete ffmpeg (e.g. `apt-get install ffmpeg`) and set FFMPEG_PATH=/usr/bin/ffmpeg.',
      }
    }
    try {
      if (!(await hlsRenamesAtomically(path))) {
        return {
          status: 'warn',
          message: `${version} (${path}, ${from}) lacks atomic playlist renames: its HLS muxer rewrites a live stream's playlist in place, so viewers can read half of it. Uploads work.`,
          hint: 'Install a newer ffmpeg (5.1 or later, e.g. `apt-get install ffmpeg`) and set FFMPEG_PATH=/usr/bin/ffmpeg.',
        }
      }
    } catch (err) {
      return { status: 'warn', message: `${version} (${path}) runs, but ${(err as Error).message}`, hint: 'Set FFMPEG_PATH to a complete ffmpeg build (5.1 or later).' }
    }
    return { status: 'ok', message: `${version} (${path}, ${from}); has what live streams need (${LIVE_NEEDS.map((n) => n.name).join(', ')})` }
  },
}
