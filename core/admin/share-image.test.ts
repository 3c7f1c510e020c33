// The site's link preview image: drawn from the site's name and colour until the operator uploads one (cropped to
// 1200×630 with sharp), used by every page without an image of its own, served cacheable; bad uploads refused.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { MANIFEST_COLORS } from '../app-shell/pages.js'

const tag = (html: string, name: string) => html.match(new RegExp(`<meta (?:property|name)="${name}" content="([^"]*)"`))?.[1]

describe('the link preview image', () => {
  let t: TestApp
  let admin: string
  let member: { id: number; token: string }
  const page = async (path: string) => (await t.request('GET', path)).text()
  const upload = async (bytes: Buffer, path = '/api/v1/admin/settings/share-image', method = 'PUT', token = admin) => {
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(bytes)]), 'banner.png')
    return t.request(method, path, { token, body: form })
  }
  const fetchImage = async (url: string) => {
    const res = await t.request('GET', url.replace('http://hearth.test', ''))
    return { res, bytes: Buffer.from(await res.arrayBuffer()) }
  }

  before(async () => {
    t = await createTestApp()
    const boss = await t.register('ogboss')
    await t.h.users.setRole(boss.id, 'admin', null)
    admin = boss.token
    member = await t.register('ogmember')
    await t.h.settings.updateCore({ 'site.name': 'Riverside', 'site.description': 'Photos from the river.' }, null)
  })
  after(() => t.close())

  it('is drawn from the site’s name and theme colour when none is uploaded, 1200×630 and cacheable', async () => {
    const html = await page('/p/999999')
    const url = tag(html, 'og:image')!
    assert.match(url, /^http:\/\/hearth\.test\/og-image\/default-[a-f0-9]{12}\.png$/)
    assert.equal(tag(html, 'og:image:width'), '1200')
    assert.equal(tag(html, 'og:image:height'), '630')
    assert.equal(tag(html, 'og:image:alt'), 'Riverside')
    assert.equal(tag(html, 'twitter:card'), 'summary_large_image')
    const { res, bytes } = await fetchImage(url)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'image/png')
    assert.match(res.headers.get('cache-control') ?? '', /public, max-age=\d+/)
    const meta = await sharp(bytes).metadata()
    assert.deepEqual([meta.width, meta.height, meta.format], [1200, 630, 'png'])
    // The theme's colour fills it; the name is drawn in white across the middle.
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)]
    const hex = MANIFEST_COLORS.theme.slice(1).match(/../g)!.map((h) => parseInt(h, 16))
    assert.deepEqual(px(1190, 620), hex)
    let white = 0
    for (let y = 230; y < 330; y += 2) for (let x = 96; x < 700; x += 2) if (px(x, y).every((v) => v > 240)) white++
    assert.ok(white > 50, `the site's name is drawn (${white} white pixels)`)
  })

  it('changes its address when the site is renamed, so caches show the new one', async () => {
    const before = tag(await page('/'), 'og:image')
    await t.h.settings.updateCore({ 'site.name': 'Riverbank' }, null)
    const after = tag(await page('/'), 'og:image')
    assert.notEqual(before, after)
    await t.h.settings.updateCore({ 'site.name': 'Riverside' }, null)
  })

  it('shows on pages without their own image: a text post, a profile without a picture; a photo post keeps its own', async () => {
    const text = await t.h.posts.create(member.id, { text: 'just words' })
    const post = await page(`/p/${text.id}`)
    assert.match(tag(post, 'og:image')!, /\/og-image\/default-/)
    assert.equal(tag(post, 'og:title'), 'ogmember (@ogmember) on Riverside')
    assert.equal(tag(post, 'twitter:card'), 'summary_large_image')
    assert.match(tag(await page('/u/ogmember'), 'og:image')!, /\/og-image\/default-/)
  })

  it('takes an upload through the API, cropped to 1200×630 as a clean JPEG, served for good under its own name, audited', async () => {
    const wide = await sharp({ create: { width: 2400, height: 900, channels: 3, background: '#2563eb' } }).png().toBuffer()
    const res = await upload(wide)
    assert.equal(res.status, 200)
    const body = (await res.json()) as { data: { url: string; width: number; height: number; uploaded: boolean } }
    assert.match(body.data.url, /^http:\/\/hearth\.test\/og-image\/share-[a-f0-9]{16}\.jpg$/)
    assert.deepEqual([body.data.width, body.data.height, body.data.uploaded], [1200, 630, true])
    const html = await page('/')
    assert.equal(tag(html, 'og:image'), body.data.url)
    const { res: got, bytes } = await fetchImage(body.data.url)
    assert.equal(got.status, 200)
    assert.equal(got.headers.get('content-type'), 'image/jpeg')
    assert.equal(got.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    const meta = await sharp(bytes).metadata()
    assert.deepEqual([meta.width, meta.height, meta.format, meta.exif], [1200, 630, 'jpeg', undefined])
    const audit = await t.h.db.selectFrom('audit_log').select('action').where('action', 'like', 'seo.share-image.%').execute()
    assert.deepEqual(audit.map((a) => a.action), ['seo.share-image.set'])
    // A new upload replaces it: the old file is gone, its address missing.
    const file = body.data.url.split('/').pop()!
    const tall = await sharp({ create: { width: 800, height: 1600, channels: 4, background: { r: 10, g: 200, b: 10, alpha: 0.5 } } }).png().toBuffer()
    assert.equal((await upload(tall, '/admin/settings/share-image', 'POST')).status, 303, 'the console’s form')
    assert.equal((await fetchImage(body.data.url)).res.status, 404)
    assert.equal(existsSync(join(t.h.config.mediaDir, 'site', file)), false)
  })

  it('refuses what is not an image, a damaged image and one too large, keeping the one in place', async () => {
    const current = tag(await page('/'), 'og:image')
    const text = await upload(Buffer.from('just some text, not a picture at all'.repeat(200)))
    assert.equal(text.status, 400)
    assert.equal(((await text.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED')
    const png = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#999999' } }).png().toBuffer()
    const cut = await upload(png.subarray(0, Math.floor(png.length / 2)))
    assert.equal(cut.status, 400)
    await t.h.settings.updateCore({ 'media.image_max_mb': 1 }, null)
    const big = await sharp({ create: { width: 1500, height: 1500, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer()
    assert.ok(big.length > 1024 * 1024)
    assert.equal((await upload(big)).status, 413)
    await t.h.settings.updateCore({ 'media.image_max_mb': 20 }, null)
    const page400 = await upload(Buffer.from('not an image'.repeat(100)), '/admin/settings/share-image', 'POST')
    assert.equal(page400.status, 400)
    assert.match(await page400.text(), /not a supported image|must be a photo/)
    assert.equal((await upload(png, '/api/v1/admin/settings/share-image', 'PUT', member.token)).status, 403)
    assert.equal(tag(await page('/'), 'og:image'), current)
    assert.equal((await t.request('GET', '/og-image/share-0000000000000000.jpg')).status, 404)
    assert.equal((await t.request('GET', '/og-image/..%2F..%2Fhearth.db')).status, 404)
  })

  it('goes back to the drawn image when the upload is removed', async () => {
    assert.equal((await t.request('DELETE', '/api/v1/admin/settings/share-image', { token: admin })).status, 200)
    assert.match(tag(await page('/'), 'og:image')!, /\/og-image\/default-/)
    assert.equal((await t.request('DELETE', '/api/v1/admin/settings/share-image', { token: admin })).status, 404)
  })
})
