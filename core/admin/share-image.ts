// The site's link preview image (OpenGraph, Twitter card) for pages without their own: one the operator uploads
// (checked and made 1200×630 with sharp), else one drawn from the site's name, description and theme colour.
import { createHash } from 'node:crypto'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { audit } from '../audit.js'
import { iconSource } from '../app-shell/icons.js'
import { MANIFEST_COLORS } from '../app-shell/pages.js'
import { AppError } from '../errors.js'
import { checkImage, MAX_PIXELS } from '../media/images.js'
import { MediaStorage, receive, unsupported } from '../media/storage.js'
import type { Services } from '../services.js'
import { escapeHtml } from '../text/escape.js'
import type { SiteMeta } from '../views/meta.js'

/** The size link previews draw large (Facebook, LinkedIn, Mastodon, X): 1.91:1. */
export const SHARE_IMAGE = { width: 1200, height: 630 } as const

/** Where the uploaded one lives: `<media folder>/site/share-<hash>.jpg`, a new name for each upload (cached for good). */
const FILE = /^share-[a-f0-9]{16}\.jpg$/
const folder = (s: Services) => resolve(s.config.mediaDir, 'site')

/** Lines of at most `max` characters, cut at spaces, at most `lines` of them (the last ends with … when cut). */
function wrap(text: string, max: number, lines: number): string[] {
  const out: string[] = []
  let line = ''
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (!word) continue
    const next = line ? `${line} ${word}` : word
    if (next.length <= max) line = next
    else {
      if (line) out.push(line)
      line = word.length > max ? `${word.slice(0, max - 1)}…` : word
    }
  }
  if (line) out.push(line)
  if (out.length > lines) out.splice(lines - 1, out.length, `${out[lines - 1]!.slice(0, max - 1)}…`)
  return out
}

/**
 * The built-in preview: the theme's colour, the site's icon and its name and description in white. Fonts come from the
 * system (fontconfig); without any, the icon and colour still make a proper card.
 */
export async function drawDefaultShareImage(site: { name: string; description: string }, color: string, iconSvg: string): Promise<Buffer> {
  const { width, height } = SHARE_IMAGE
  const title = wrap(site.name, 24, 2)
  const body = wrap(site.description, 48, 3)
  const text = [
    ...title.map((l, i) => `<text x="96" y="${300 + i * 84}" font-size="72" font-weight="700">${escapeHtml(l)}</text>`),
    ...body.map((l, i) => `<text x="96" y="${300 + title.length * 84 + 20 + i * 46}" font-size="36" opacity="0.9">${escapeHtml(l)}</text>`),
  ].join('')
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${escapeHtml(color)}"/><g fill="#ffffff" font-family="Inter, 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif">${text}</g></svg>`
  const icon = await sharp(iconSvg, { density: 72 * 5 }).resize(140, 140, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } }).png().toBuffer()
  return sharp(Buffer.from(svg))
    .composite([{ input: icon, left: 96, top: 84 }])
    .png({ compressionLevel: 9 })
    .toBuffer()
}

export type ShareImages = ReturnType<typeof shareImages>

/** The site's preview image: the uploaded one or the drawn one, its URL for pages and the bytes for the route. */
export function shareImages(s: Services) {
  let drawn: { key: string; png: Promise<Buffer> } | null = null
  const site = async () => ({ name: await s.settings.get('site.name'), description: await s.settings.get('site.description') })
  const iconPath = async () => {
    const theme = s.themes.get(await s.settings.get('theme')) ?? s.themes.get('default')!
    return iconSource(theme.dir, s.themes.get('default')!.dir)
  }
  /** What the drawn image depends on: a change makes a new URL, so caches never show the old one. */
  const drawnKey = async () => createHash('sha256').update(JSON.stringify([await site(), MANIFEST_COLORS.theme, await iconPath()])).digest('hex').slice(0, 12)

  const service = {
    /** The preview every page without its own gives (`SiteMeta.image`), as an absolute URL under `base`. */
    async meta(base: string, siteName: string): Promise<NonNullable<SiteMeta['image']>> {
      const file = await s.settings.get('seo.share_image')
      const path = file ? `/og-image/${file}` : `/og-image/default-${await drawnKey()}.png`
      return { url: base + path, alt: siteName, width: SHARE_IMAGE.width, height: SHARE_IMAGE.height }
    },

    /** The drawn image, kept in memory until what it shows changes. */
    async drawn(): Promise<Buffer> {
      const key = await drawnKey()
      if (drawn?.key !== key) {
        const png = drawDefaultShareImage(await site(), MANIFEST_COLORS.theme, await iconPath())
        png.catch(() => (drawn = null))
        drawn = { key, png }
      }
      return drawn.png
    },

    /** The uploaded file's path when `file` is the current one (an old name answers as missing). */
    async uploaded(file: string): Promise<string | null> {
      return FILE.test(file) && file === (await s.settings.get('seo.share_image')) ? join(folder(s), file) : null
    },

    /**
     * Take an uploaded image: its type from its bytes and its size within the image limit (core's media checks), a
     * full decode, then cropped to 1200×630 (the part sharp finds most interesting kept), a clean JPEG without its
     * metadata. Replaces the one before, audited.
     */
    async upload(source: AsyncIterable<Uint8Array>, actorId: number | null, declaredSize?: number): Promise<NonNullable<SiteMeta['image']>> {
      const image = (await s.settings.get('media.image_max_mb')) * 1024 * 1024
      const storage = new MediaStorage(s.config.mediaDir)
      const got = await receive(storage, source, { image, video: image }, declaredSize)
      try {
        if (got.type.kind !== 'image') throw unsupported('The link preview image must be a photo or a picture (JPEG, PNG, WebP, GIF or AVIF).')
        try {
          await checkImage(got.path, got.type.mime)
        } catch (err) {
          throw unsupported(err instanceof Error ? err.message : 'This image could not be read.')
        }
        await mkdir(folder(s), { recursive: true })
        const bytes = await sharp(got.path, { failOn: 'error', limitInputPixels: MAX_PIXELS, autoOrient: true })
          .resize(SHARE_IMAGE.width, SHARE_IMAGE.height, { fit: 'cover', position: sharp.strategy.attention })
          .flatten({ background: '#ffffff' })
          .jpeg({ quality: 85, mozjpeg: true })
          .toBuffer()
        const file = `share-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.jpg`
        const part = storage.tempPath('.jpg')
        await sharp(bytes).toFile(part)
        await rename(part, join(folder(s), file))
        const before = await s.settings.get('seo.share_image')
        await s.settings.set('seo.share_image', file)
        if (before && before !== file) await rm(join(folder(s), before), { force: true })
        await audit(s.db, { actorId, action: 'seo.share-image.set', targetType: 'settings', targetId: 'seo.share_image', details: { file, bytes: bytes.length } })
        return service.meta('', await s.settings.get('site.name'))
      } finally {
        await rm(got.path, { force: true })
      }
    },

    /** Go back to the drawn image. */
    async remove(actorId: number | null): Promise<void> {
      const before = await s.settings.get('seo.share_image')
      if (!before) throw new AppError(404, 'NOT_FOUND', 'No link preview image was uploaded.')
      await s.settings.set('seo.share_image', '')
      await rm(join(folder(s), before), { force: true })
      await audit(s.db, { actorId, action: 'seo.share-image.remove', targetType: 'settings', targetId: 'seo.share_image', details: { file: before } })
    },
  }
  return service
}

const made = new WeakMap<Services, ShareImages>()
/** The one share image service of an instance (the renderer, the routes and the console share its drawn image). */
export const shareImagesOf = (s: Services): ShareImages => {
  let x = made.get(s)
  if (!x) made.set(s, (x = shareImages(s)))
  return x
}
