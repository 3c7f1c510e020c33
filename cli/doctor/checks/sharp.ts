// sharp loads and can encode an image (it is needed for every photo upload).
import type { Check } from '../check.js'

export const sharpCheck: Check = {
  name: 'Image processing (sharp)',
  async run() {
    try {
      const { default: sharp } = await import('sharp')
      const out = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c2410c' } }).webp().toBuffer()
      return { status: 'ok', message: `sharp ${sharp.versions.sharp} with libvips ${sharp.versions.vips} (${out.length}-byte WebP made)` }
    } catch (err) {
      return { status: 'fail', message: `sharp cannot run: ${(err as Error).message}`, hint: 'Run `npm ci` again; sharp ships its binary inside the npm package.' }
    }
  },
}
