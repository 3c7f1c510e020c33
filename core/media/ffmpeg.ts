// Where the ffmpeg binary is: FFMPEG_PATH when set, else the one shipped by @ffmpeg-installer/ffmpeg.
import { createRequire } from 'node:module'
import { runBound } from '../children.js'

const require = createRequire(import.meta.url)

export function ffmpegPath(): string {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path
}

/** The first line of `ffmpeg -version`; throws when it cannot run. */
export async function ffmpegVersion(path = ffmpegPath()): Promise<string> {
  try {
    const { stdout } = await runBound(path, ['-hide_banner', '-version'], { timeoutMs: 15_000 })
    return stdout.split('\n')[0] ?? ''
  } catch (err) {
    throw new Error(`ffmpeg at ${path} did not run: ${err instanceof Error ? err.message : String(err)}`)
  }
}
