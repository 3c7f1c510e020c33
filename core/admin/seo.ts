// robots.txt and a sitemap of public profiles and posts, for search engines. The sitemap lists exactly what a guest
// may open: posts through the guest's visibility rule (core/posts/visibility.ts), so hidden content is as missing here
// as anywhere (decision 017).
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import { visibleTo } from '../posts/visibility.js'
import type { Services } from '../services.js'
import { baseUrl } from '../views/meta.js'
import { notFound } from '../errors.js'
import { sendFile } from '../media/send.js'
import { shareImagesOf } from './share-image.js'

/** A sitemap file holds at most 50,000 addresses (sitemaps.org); the newest are listed. */
export const SITEMAP_LIMIT = 50_000

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

export function seoRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/robots.txt', async (c) => {
    const base = baseUrl(c, s.config.publicUrl)
    const index = await s.settings.get('seo.index')
    const extra = (await s.settings.get('seo.robots_extra')).trim()
    const lines = ['User-agent: *', ...(index ? ['Disallow: /admin', 'Disallow: /api/', 'Disallow: /moderation', 'Disallow: /settings'] : ['Disallow: /']), ...(extra ? ['', extra] : []), '', ...(index ? [`Sitemap: ${base}/sitemap.xml`] : [])]
    return c.text(`${lines.join('\n')}\n`, 200, { 'cache-control': 'public, max-age=3600' })
  })
  app.get('/sitemap.xml', async (c) => {
    const base = baseUrl(c, s.config.publicUrl)
    const index = await s.settings.get('seo.index')
    const profiles = index
      ? await s.db.selectFrom('users').select(['username', 'updated_at']).where('is_private', '=', 0).where('suspended_at', 'is', null).where('approval', 'is', null).orderBy('id', 'desc').limit(SITEMAP_LIMIT / 2).execute()
      : []
    const posts = index
      ? await s.db.selectFrom('posts').select(['posts.id', 'posts.updated_at']).where('posts.status', '=', 'published').where('posts.repost_of', 'is', null).where(visibleTo(null)).orderBy('posts.id', 'desc').limit(SITEMAP_LIMIT - profiles.length).execute()
      : []
    const url = (loc: string, at: string) => `<url><loc>${escapeXml(loc)}</loc><lastmod>${at.slice(0, 10)}</lastmod></url>`
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      ...profiles.map((u) => url(`${base}/u/${u.username}`, u.updated_at)),
      ...posts.map((p) => url(`${base}/p/${p.id}`, p.updated_at)),
      '</urlset>',
    ].join('\n')
    return c.body(xml, 200, { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'public, max-age=900' })
  })
  // The site's link preview image: the uploaded one under its own name (cached for good), or the drawn one, whose
  // name changes with what it shows (the address in pages changes with it; an old one still gets today's).
  app.get('/og-image/:file', async (c) => {
    const file = c.req.param('file')
    const images = shareImagesOf(s)
    if (/^default-[a-f0-9]{12}\.png$/.test(file)) return c.body(new Uint8Array(await images.drawn()), 200, { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' })
    const path = await images.uploaded(file)
    const sent = path && (await sendFile(c, path, { contentType: 'image/jpeg', cacheControl: 'public, max-age=31536000, immutable' }))
    if (!sent) throw notFound('That image')
    return sent
  })
  return app
}
