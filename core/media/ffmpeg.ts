// Where the ffmpeg binary is: FFMPEG_PATH when set, else the one shipped by @ffmpeg-installer/ffmpeg.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export function ffmpegPath(): string {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path
}

/** The first line of `ffmpeg -version`; throws when it cannot run. */
export function ffmpegVersion(path = ffmpegPath()): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['-hide_banner', '-version'], { timeout: 15_000 }, (err, stdout) => {
      if (err) reject(new Error(`ffmpeg at ${path} did not run: ${err.message}`))
      else resolve(stdout.split('\n')[0] ?? '')
    })
  })
}
