// ffmpeg runs (it is needed for video uploads and live streams).
import { ffmpegPath, ffmpegVersion } from '../../../core/media/ffmpeg.js'
import type { Check } from '../check.js'

export const ffmpeg: Check = {
  name: 'Video processing (ffmpeg)',
  async run() {
    let path: string
    try {
      path = ffmpegPath()
    } catch (err) {
      return { status: 'fail', message: `no ffmpeg found: ${(err as Error).message}`, hint: 'Run `npm ci`, or set FFMPEG_PATH to an ffmpeg binary.' }
    }
    try {
      return { status: 'ok', message: `${await ffmpegVersion(path)} (${path})` }
    } catch (err) {
      return { status: 'fail', message: (err as Error).message, hint: 'Set FFMPEG_PATH to a working ffmpeg binary.' }
    }
  },
}
