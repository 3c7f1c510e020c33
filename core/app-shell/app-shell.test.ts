// The installable app: manifest, real PNG icons, the service worker's script, the offline page; and the colour
// scheme chosen by a member (Settings → Appearance) or a guest (a cookie), drawn by the server on <html>.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../test/harness.js'

const htmlTag = (html: string) => html.match(/<html[^>]*>/)![0]

describe('the installable app', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await t.h.settings.updateCore({ 'site.name': 'Riverside Photo Club', 'site.description': 'Photos from the river.' }, null)
  })
  after(() => t.close())

  it('serves a manifest named after the community, with 192, 512 and maskable icons, standalone from /', async () => {
    const res = await t.request('GET', '/manifest.webmanifest')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /^application\/manifest\+json/)
    const m = (await res.json()) as Record<string, any>
    assert.equal(m.name, 'Riverside Photo Club')
    assert.equal(m.short_name, 'Riverside P…')
    assert.ok(m.short_name.length <= 12)
    assert.equal(m.start_url, '/')
    assert.equal(m.scope, '/')
    assert.equal(m.display, 'standalone')
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/)
    assert.match(m.background_color, /^#[0-9a-f]{6}$/)
    assert.deepEqual(
      m.icons.map((i: any) => [i.sizes, i.purpose]),
      [['192x192', 'any'], ['512x512', 'any'], ['512x512', 'maskable']],
    )
    // Each icon the manifest names is a real PNG of its size.
    for (const icon of m.icons) {
      const png = await t.request('GET', icon.src)
      assert.equal(png.status, 200, icon.src)
      assert.equal(png.headers.get('content-type'), 'image/png')
      const meta = await sharp(Buffer.from(await png.arrayBuffer())).metadata()
      assert.equal(meta.format, 'png')
      assert.equal(`${meta.width}x${meta.height}`, icon.sizes)
    }
  })

  it('draws the maskable icon on a full square (no transparent corner to crop) and the plain one with its rounded corners', async () => {
    const pixel = async (path: string, x: number, y: number) => {
      const buf = Buffer.from(await (await t.request('GET', path)).arrayBuffer())
      const { data, info } = await sharp(buf).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
      return data[(y * info.width + x) * 4 + 3]!
    }
    assert.equal(await pixel('/app-icon/maskable-512.png', 0, 0), 255, 'the maskable icon is opaque at its corner')
    assert.equal(await pixel('/app-icon/512.png', 0, 0), 0, 'the plain icon keeps its rounded, transparent corner')
    assert.equal(await pixel('/app-icon/512.png', 256, 256), 255)
    const touch = await sharp(Buffer.from(await (await t.request('GET', '/app-icon/180.png')).arrayBuffer())).metadata()
    assert.equal(touch.width, 180)
    assert.equal((await t.request('GET', '/app-icon/1024.png')).status, 404)
  })

  it('links the manifest and the touch icon from every page', async () => {
    const html = await (await t.request('GET', '/')).text()
    assert.match(html, /<link rel="manifest" href="\/manifest.webmanifest"\/>/)
    assert.match(html, /<link rel="apple-touch-icon" href="\/app-icon\/180.png"\/>/)
    assert.match(html, /<script src="\/static\/app-shell.js" defer><\/script>/)
    const js = await t.request('GET', '/static/app-shell.js')
    assert.equal(js.status, 200)
    assert.match(await js.text(), /serviceWorker\.register\('\/sw\.js', \{ scope: '\/' \}\)/)
  })

  it('serves the service worker as JavaScript, never cached stale, with the shell to keep and a version', async () => {
    const res = await t.request('GET', '/sw.js')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /^text\/javascript/)
    assert.equal(res.headers.get('cache-control'), 'no-cache')
    assert.equal(res.headers.get('service-worker-allowed'), '/')
    const body = await res.text()
    const precache = JSON.parse(body.match(/const PRECACHE = (\[.*\])/)![1]!) as string[]
    assert.ok(precache.includes('/offline'))
    for (const css of ['/theme/default/styles/main.css', '/theme/default/styles/posts.css']) assert.ok(precache.includes(css), css)
    assert.ok(precache.includes('/static/hearth.js'))
    assert.ok(!precache.some((u) => u.startsWith('/api') || u === '/'), 'no page of a member, no API answer')
    assert.match(body, /const VERSION = "[0-9a-f]{12}"/)
    // Every file it keeps is there to fetch.
    for (const url of precache) assert.equal((await t.request('GET', url)).status, 200, url)
  })

  it('draws the offline page as a guest’s, whoever asks, so the worker keeps nothing of a member', async () => {
    const agent = t.agent()
    await agent.registerViaForm('offline_ana')
    const res = await agent.get('/offline')
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const html = await res.text()
    assert.match(html, /You are offline/)
    assert.doesNotMatch(html, /offline_ana|data-member|Log out/)
    assert.match(await agent.text('/'), /Welcome, @offline_ana!/, 'the welcome message waits for the next real page')
    assert.doesNotMatch(html, /X-CSRF-Token&quot;:&quot;[^&]/, 'no CSRF token is kept either')
  })
})

describe('colour scheme', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('follows the device by default: no data-theme, both schemes in the meta tags', async () => {
    const html = await (await t.request('GET', '/')).text()
    assert.equal(htmlTag(html), '<html lang="en">')
    assert.match(html, /<meta name="color-scheme" content="light dark"\/>/)
    assert.match(html, /<meta name="theme-color" content="#[0-9a-f]{6}" media="\(prefers-color-scheme: dark\)"\/>/)
  })

  it('keeps a member’s choice in Settings → Appearance and draws every page of theirs with it', async () => {
    const ana = t.agent('10.0.0.2')
    await ana.registerViaForm('scheme_ana')
    const panel = await ana.text('/settings/appearance')
    assert.match(panel, /<input type="radio" name="color_scheme" value="system" checked\/>/)
    const saved = await ana.post('/settings/appearance', { color_scheme: 'dark' })
    assert.equal(saved.status, 303)
    for (const path of ['/', '/settings/appearance', '/explore', '/u/scheme_ana']) {
      const html = await ana.text(path)
      assert.equal(htmlTag(html), '<html lang="en" data-theme="dark">', path)
      assert.match(html, /<meta name="color-scheme" content="dark"\/>/)
    }
    assert.match(await ana.text('/settings/appearance'), /value="dark" checked/)
    // Kept with the member, not the browser: another session sees it too.
    const again = t.agent('10.0.0.3')
    await again.loginViaForm('scheme_ana')
    assert.equal(htmlTag(await again.text('/')), '<html lang="en" data-theme="dark">')
    await ana.post('/settings/appearance', { color_scheme: 'light' })
    assert.equal(htmlTag(await ana.text('/')), '<html lang="en" data-theme="light">')
    // Another member is untouched.
    const ben = t.agent('10.0.0.4')
    await ben.registerViaForm('scheme_ben')
    assert.equal(htmlTag(await ben.text('/')), '<html lang="en">')
  })

  it('refuses a scheme that is not one of the three with a readable message', async () => {
    const ana = t.agent('10.0.0.5')
    await ana.loginViaForm('scheme_ana')
    const res = await ana.post('/settings/appearance', { color_scheme: 'purple' })
    assert.equal(res.status, 400)
    assert.match(await res.text(), /Choose System, Light or Dark\./)
    const guest = t.agent('10.0.0.6')
    const refused = await guest.post('/appearance', { color_scheme: 'purple' })
    assert.equal(refused.status, 400)
    assert.match(await refused.text(), /Choose System, Light or Dark\./)
  })

  it('keeps a guest’s choice in a cookie', async () => {
    const guest = t.agent('10.0.0.7')
    assert.match(await guest.text('/appearance'), /name="color_scheme" value="system" checked/)
    const res = await guest.post('/appearance?next=%2Fexplore', { color_scheme: 'dark' })
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), '/explore')
    assert.equal(guest.cookies.get('hearth_scheme'), 'dark')
    assert.equal(htmlTag(await guest.text('/explore')), '<html lang="en" data-theme="dark">')
    const other = t.agent('10.0.0.8')
    assert.equal(htmlTag(await other.text('/explore')), '<html lang="en">', 'a cookie of nonsense or none: the device decides')
    other.cookies.set('hearth_scheme', 'purple')
    assert.equal(htmlTag(await other.text('/explore')), '<html lang="en">')
  })
})
