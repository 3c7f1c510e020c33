// One frame of an HLS segment as a JPEG, by ffmpeg reading the segment on stdin: the staff page's thumbnails and the
// frame a report keeps of what its reporter was watching.
import type { ChildProcess } from '../../core/plugins/api.js'
import type { LiveContext } from './plugin.js'

/** The first frame of an MPEG-TS segment, `width` pixels wide; null when ffmpeg cannot draw one (10 s at most). */
export function frameOf(ctx: LiveContext, ts: Buffer, width = 320): Promise<Buffer | null> {
  return new Promise<Buffer | null>((resolve) => {
    let child: ChildProcess
    try {
      child = ctx.processes.spawn(ctx.processes.ffmpeg(), ['-hide_banner', '-loglevel', 'error', '-f', 'mpegts', '-i', 'pipe:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'], { stdio: ['pipe', 'pipe', 'ignore'] })
    } catch {
      return resolve(null)
    }
    const out: Buffer[] = []
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.stdout!.on('data', (b: Buffer) => out.push(b))
    child.stdin!.on('error', () => {})
    child.once('error', () => resolve(null))
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve(code === 0 && out.length ? Buffer.concat(out) : null)
    })
    child.stdin!.end(ts)
  })
}
