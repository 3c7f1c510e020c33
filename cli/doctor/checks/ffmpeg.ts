// ffmpeg runs (it is needed for video uploads and live streams), and says what an old build lacks.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    try {
      if (!(await hlsRenamesAtomically(path))) {
        return {
          status: 'warn',
          message: `${version} (${path}) lacks atomic playlist renames: its HLS muxer rewrites a live stream's playlist in place, so viewers can read half of it. Uploads work.`,
          hint: 'Install a newer ffmpeg (5.1 or later, e.g. `apt-get install ffmpeg`) and set FFMPEG_PATH=/usr/bin/ffmpeg.',
        }
      }
    } catch (err) {
      return { status: 'warn', message: `${version} (${path}) runs, but ${(err as Error).message}`, hint: 'Set FFMPEG_PATH to a complete ffmpeg build (5.1 or later).' }
    }
    return { status: 'ok', message: `${version} (${path})` }
  },
}
