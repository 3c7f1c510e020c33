// What a post shows around its content: alt text (API and rendering; the compose form in test/browser/posts), the author's "…" menu, relative times, the carousel frame.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { relativeTime } from '../views/time.js'
import { frameRatio } from './views.js'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { data: any; error: { code: string; message: string; details?: { fields?: Record<string, string> } } }

describe('post ui', () => {
  let t: TestApp
  let token = ''
  before(async () => {
    t = await createTestApp()
    token = (await t.register('alt_author')).token
  })
  after(() => t.close())
  const upload = async (width = 400, height = 300) => {
    const png = await sharp({ create: { width, height, channels: 3, background: '#2563eb' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'IMG_0001.png')
    const res = await t.request('POST', '/api/v1/media', { token, body: form })
    assert.equal(res.status, 201)
    return ((await res.json()) as Envelope).data as { id: number }
  }
  const create = async (json: unknown) => (await (await t.request('POST', '/api/v1/posts', { token, json })).json()) as Envelope

  it('stores alt text per file from the API, shows it in media objects and as the img alt', async () => {
    const [m1, m2] = [await upload(), await upload(300, 400)]
    await t.h.queue.drain()
    const post = (await create({ text: 'two', media_ids: [m1.id, m2.id], media_alt: ['A  blue\tsquare', ''] })).data
    assert.deepEqual(post.media.map((m: { alt: string }) => m.alt), ['A blue square', ''], 'spaces collapsed; none is empty, not the file name')
    const got = ((await (await t.request('GET', `/api/v1/posts/${post.id}`)).json()) as Envelope).data
    assert.equal(got.media[0].alt, 'A blue square')
    const html = await t.agent('10.9.0.9').text(`/p/${post.id}`)
    assert.match(html, /<img class="media"[^>]*alt="A blue square"/)
    assert.doesNotMatch(html, /IMG_0001/)
    assert.match(html, /aria-label="Open photo 2 whole"/, 'a photo without alt text still has a named link')
    assert.match(html, new RegExp(`width="400" height="300"`), 'stored dimensions are set so nothing shifts while loading')
  })

  it('refuses alt text that is too long, has control characters, or outnumbers the files', async () => {
    const m = await upload()
    const long = await create({ text: 'x', media_ids: [m.id], media_alt: ['a'.repeat(1001)] })
    assert.equal(long.error.code, 'VALIDATION_FAILED')
    assert.match(long.error.message, /Alt texts have at most 1000 characters/)
    const control = await create({ text: 'x', media_ids: [m.id], media_alt: ['bell\u0007'] })
    assert.match(control.error.message, /U\+0007/i)
    assert.match(control.error.message, /^Alt texts cannot contain/, 'the message names alt text, not names')
    const extra = await create({ text: 'x', media_ids: [m.id], media_alt: ['one', 'two'] })
    assert.match(extra.error.message, /one alt text per photo/)
  })

  it('shows the "…" menu with edit, pin and delete to the author only, and the edit page to no one else', async () => {
    const author = t.agent('10.9.2.1')
    await author.registerViaForm('menu_owner')
    const url = (await author.post('/compose', { text: 'menu test', visibility: 'public' })).headers.get('location')!
    const mine = await author.text(url)
    assert.match(mine, /<details class="post-menu" data-post-menu="true"><summary aria-label="Post actions">/)
    assert.match(mine, new RegExp(`<a href="${url}/edit">Edit</a>`))
    assert.match(mine, /Pin to profile/)
    assert.match(mine, /Delete post/)
    assert.doesNotMatch(mine, /id="f-edit"/, 'the edit form is not on the post page')
    assert.match(await author.text(`${url}/edit`), /id="f-edit"/)

    const other = t.agent('10.9.2.2')
    await other.registerViaForm('menu_other')
    for (const viewer of [other, t.agent('10.9.2.3')]) {
      const page = await viewer.text(url)
      assert.match(page, /menu test/)
      assert.doesNotMatch(page, /data-post-menu|Delete post|Pin to profile/)
    }
    assert.equal((await other.get(`${url}/edit`)).status, 404, 'like a missing post')
  })

  it('prints relative times with the exact time on hover', async () => {
    const a = t.agent('10.9.3.1')
    await a.registerViaForm('timely')
    const url = (await a.post('/compose', { text: 'just now', visibility: 'public' })).headers.get('location')!
    const html = await a.text(url)
    assert.match(html, /<time datetime="\d{4}-\d\d-\d\dT[^"]+Z" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">now<\/time>/)
    const now = Date.parse('2026-12-04T12:00:00Z')
    assert.equal(relativeTime('2026-12-04T11:57:00Z', now), '3m')
    assert.equal(relativeTime('2026-12-02T11:00:00Z', now), '2d')
    assert.equal(relativeTime('2026-11-01T11:00:00Z', now), '2026-11-01')
  })

  it('marks a video and a several-item post on profile grid tiles', async () => {
    const a = t.agent('10.9.4.1')
    await a.registerViaForm('tile_maker')
    const me = (await t.h.users.find('tile_maker'))!.id
    // A processed video's row as the media service leaves it (the grid reads only its kind and poster).
    const { id: video } = await t.h.db.insertInto('media').values({ owner_id: me, kind: 'video', status: 'ready', mime: 'video/mp4', size_bytes: 1, width: 320, height: 240, duration_ms: 1000, variants: '{}', error: null, updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()
    await t.h.posts.create(me, { text: 'a clip', media_ids: [video] })
    await t.h.posts.create(me, { text: 'just words' })
    const grid = await a.text('/u/tile_maker')
    assert.equal((grid.match(/data-video-mark/g) ?? []).length, 1, 'only the video post is marked')
    assert.match(grid, /<span class="visually-hidden">Video<\/span>/)
  })

  it('frames media between 4:5 and 1.91:1', () => {
    assert.equal(frameRatio({ width: 1080, height: 1920 }), 0.8)
    assert.equal(frameRatio({ width: 4000, height: 1000 }), 1.91)
    assert.equal(frameRatio({ width: 400, height: 300 }), 400 / 300)
    assert.equal(frameRatio({ width: null, height: null }), 1)
  })
})
