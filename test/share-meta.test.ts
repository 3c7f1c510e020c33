// Link previews (OpenGraph, Twitter cards): a public post or profile describes itself with absolute URLs a crawler
// can fetch without a cookie; anything a guest may not see gives the site's generic tags, byte for byte those of a
// missing page (decision 017: hidden == missing).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from './harness.js'

type Envelope = { data: any }

/** The page's preview tags, in order: description, og:*, twitter:*, canonical. */
const previewTags = (html: string) => [...html.matchAll(/<meta (?:property="og:[^"]+"|name="(?:twitter:[^"]+|description)") content="[^"]*"\/>|<link rel="canonical"[^>]*>/g)].map((m) => m[0])
const tag = (html: string, name: string) => html.match(new RegExp(`<meta (?:property|name)="${name}" content="([^"]*)"`))?.[1]

describe('link previews', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const call = (who: string | null, method: string, path: string, init: { json?: unknown; body?: BodyInit } = {}) => t.request(method, path, { token: who ? tok[who] : undefined, ...init })
  const page = async (who: string | null, path: string) => {
    const res = await call(who, 'GET', path)
    return { status: res.status, html: await res.text() }
  }
  const photoPost = async (who: string, text: string, visibility = 'public', alt = 'A heron on the weir') => {
    const png = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#2563eb' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'pic.png')
    const media = ((await (await call(who, 'POST', '/api/v1/media', { body: form })).json()) as Envelope).data as { id: number }
    await t.h.queue.drain()
    const res = await call(who, 'POST', '/api/v1/posts', { json: { text, visibility, media_ids: [media.id], media_alt: [alt] } })
    assert.equal(res.status, 201)
    return { id: (((await res.json()) as Envelope).data as { id: number }).id, media: media.id }
  }
  let generic: string[]

  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'ben', 'cat', 'dan']) tok[n] = (await t.register(n)).token
    await t.h.settings.updateCore({ 'site.name': 'Riverside', 'site.description': 'Photos from the river.' }, null)
    await call('ana', 'PUT', '/api/v1/users/me', { json: { bio: 'Birds, mostly.\nSometimes fish.' } })
    await call('ben', 'POST', '/api/v1/users/ana/follow')
    const missing = await page(null, '/p/999999')
    assert.equal(missing.status, 404)
    generic = previewTags(missing.html)
  })
  after(() => t.close())

  it('gives a missing page the site’s tags: its name, description and preview image (core/admin/share-image.ts), no URL', () => {
    const drawn = generic.find((x) => x.startsWith('<meta property="og:image" '))!.match(/content="([^"]+)"/)![1]!
    assert.match(drawn, /^http:\/\/hearth\.test\/og-image\/default-[a-f0-9]{12}\.png$/)
    assert.deepEqual(generic, [
      '<meta name="description" content="Photos from the river."/>',
      '<meta property="og:site_name" content="Riverside"/>',
      '<meta property="og:title" content="Riverside"/>',
      '<meta property="og:description" content="Photos from the river."/>',
      '<meta property="og:type" content="website"/>',
      `<meta property="og:image" content="${drawn}"/>`,
      '<meta property="og:image:width" content="1200"/>',
      '<meta property="og:image:height" content="630"/>',
      '<meta property="og:image:alt" content="Riverside"/>',
      '<meta name="twitter:card" content="summary_large_image"/>',
      '<meta name="twitter:title" content="Riverside"/>',
      '<meta name="twitter:description" content="Photos from the river."/>',
      `<meta name="twitter:image" content="${drawn}"/>`,
      '<meta name="twitter:image:alt" content="Riverside"/>',
    ])
  })

  it('describes a public post with its text, its first photo (absolute, fetchable without a cookie) and its alt text', async () => {
    const post = await photoPost('ana', 'Morning at the weir.\nThe heron was back, standing very still for an hour.')
    for (const who of [null, 'ben']) {
      const { status, html } = await page(who, `/p/${post.id}`)
      assert.equal(status, 200)
      assert.equal(tag(html, 'og:title'), 'ana (@ana) on Riverside')
      assert.equal(tag(html, 'og:description'), 'Morning at the weir. The heron was back, standing very still for an hour.')
      assert.equal(tag(html, 'og:type'), 'article')
      assert.equal(tag(html, 'og:url'), `http://hearth.test/p/${post.id}`)
      assert.equal(tag(html, 'og:image'), `http://hearth.test/media/${post.media}/1080`)
      assert.equal(tag(html, 'og:image:width'), '1080')
      assert.equal(tag(html, 'og:image:height'), '810')
      assert.equal(tag(html, 'og:image:alt'), 'A heron on the weir')
      assert.equal(tag(html, 'twitter:card'), 'summary_large_image')
      assert.equal(tag(html, 'twitter:image'), `http://hearth.test/media/${post.media}/1080`)
    }
    // A crawler fetches the image with no cookie at all.
    const image = await t.h.app.request(`http://hearth.test/media/${post.media}/1080`)
    assert.equal(image.status, 200)
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata()
    assert.equal(meta.width, 1080)
  })

  it('uses HEARTH_PUBLIC_URL for absolute URLs when it is set', async () => {
    const post = await photoPost('ana', 'Evening.')
    const config = t.h.config as { publicUrl: string | null }
    const before = config.publicUrl
    try {
      // The renderer and the pages read the same config object.
      config.publicUrl = 'https://river.example'
      const html = (await page(null, `/p/${post.id}`)).html
      assert.equal(tag(html, 'og:url'), `https://river.example/p/${post.id}`)
      assert.equal(tag(html, 'og:image'), `https://river.example/media/${post.media}/1080`)
      assert.match(tag((await page(null, '/p/999999')).html, 'og:image')!, /^https:\/\/river\.example\/og-image\/default-/, 'the site’s image too')
    } finally {
      config.publicUrl = before
    }
  })

  it('gives a followers-only post, an only-me post, a blocked viewer and a private account’s post the missing page’s tags', async () => {
    const followers = await photoPost('ana', 'for followers only: the nest', 'followers', 'The nest')
    const onlyMe = await photoPost('ana', 'just for me', 'only_me')
    // Ben follows Ana and sees the followers-only post; its preview still says nothing of it.
    const seen = await page('ben', `/p/${followers.id}`)
    assert.equal(seen.status, 200)
    assert.match(seen.html, /the nest/, 'the follower sees the post itself')
    assert.deepEqual(previewTags(seen.html), generic)
    assert.deepEqual(previewTags((await page('ana', `/p/${onlyMe.id}`)).html), generic, 'the author’s own only-me post')
    assert.deepEqual(previewTags((await page(null, `/p/${followers.id}`)).html), generic, 'a guest: not found')

    const open = await photoPost('ana', 'public, but dan is blocked')
    await call('ana', 'POST', '/api/v1/users/dan/block')
    const blocked = await page('dan', `/p/${open.id}`)
    assert.equal(blocked.status, 404)
    assert.deepEqual(previewTags(blocked.html), generic)

    await call('cat', 'PUT', '/api/v1/users/me', { json: { is_private: true } })
    const catPost = await photoPost('cat', 'public post of a private account')
    assert.equal((await call('cat', 'GET', `/p/${catPost.id}`)).status, 200)
    assert.deepEqual(previewTags((await page('cat', `/p/${catPost.id}`)).html), generic)
    for (const html of [seen.html, blocked.html]) assert.doesNotMatch(html.split('</head>')[0]!, /nest|blocked|\/media\//)
  })

  it('describes a public profile with its bio and picture, and a private or missing one with the site’s tags', async () => {
    const { html } = await page(null, '/u/ana')
    assert.equal(tag(html, 'og:title'), 'ana (@ana) on Riverside')
    assert.equal(tag(html, 'og:description'), 'Birds, mostly. Sometimes fish.')
    assert.equal(tag(html, 'og:type'), 'profile')
    assert.equal(tag(html, 'og:url'), 'http://hearth.test/u/ana')
    // No picture: the site's preview image, drawn large.
    assert.match(tag(html, 'og:image')!, /\/og-image\/default-/)
    assert.equal(tag(html, 'twitter:card'), 'summary_large_image')

    await call('cat', 'PUT', '/api/v1/users/me', { json: { bio: 'secret bio' } })
    for (const who of [null, 'cat', 'ben']) {
      const res = await page(who, '/u/cat')
      assert.equal(res.status, 200)
      assert.deepEqual(previewTags(res.html), generic, `the private profile as seen by ${who ?? 'a guest'}`)
      assert.doesNotMatch(res.html.split('</head>')[0]!, /secret bio/)
    }
    const missing = await page(null, '/u/nobody_here')
    assert.equal(missing.status, 404)
    assert.deepEqual(previewTags(missing.html), generic)
    const blocked = await page('dan', '/u/ana')
    assert.equal(blocked.status, 404)
    assert.deepEqual(previewTags(blocked.html), generic)
  })
})
