// Explore's page: a mosaic of tiles (a 2×2 one now and then) of what the viewer may see, "People you may know" on
// top for members (none for guests), and pages of tiles: a "More" link without JavaScript, tiles alone for htmx.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('explore page', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  const made: number[] = []
  const page = async (path: string, who?: string, headers: Record<string, string> = {}) => {
    const res = await t.request('GET', path, { token: who ? u[who]!.token : undefined, headers })
    return { status: res.status, html: await res.text() }
  }
  const tiles = (html: string) => [...html.matchAll(/data-tile="(\d+)"/g)].map((m) => Number(m[1]))

  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'ben', 'cal', 'shy']) u[n] = await t.register(n)
    const follow = async (who: string, whom: string) => assert.equal((await t.request('POST', `/api/v1/users/${whom}/follow`, { token: u[who]!.token })).status, 200)
    await follow('ana', 'ben')
    await follow('ben', 'cal')
    for (let i = 0; i < 30; i++) made.push((await t.h.posts.create(u[i % 2 ? 'ben' : 'cal']!.id, { text: `post number ${i}` })).id)
    await t.h.posts.create(u.shy!.id, { text: 'for my followers', visibility: 'followers' })
  })
  after(() => t.close())

  it('draws a mosaic of 24 tiles a page with every twelfth from the third drawn 2×2, and pages on', async () => {
    const first = await page('/explore')
    assert.equal(first.status, 200)
    assert.match(first.html, /<div class="grid-posts grid-mosaic" data-grid="true" data-mosaic>/)
    const shown = tiles(first.html)
    assert.equal(shown.length, 24)
    const big = [...first.html.matchAll(/data-tile="(\d+)" class="tile-big"/g)].map((m) => Number(m[1]))
    assert.deepEqual(big, [shown[2], shown[14]])
    const more = first.html.match(/<a href="(\/explore\?cursor=[^"]+)" class="more-tile"/)?.[1]
    assert.ok(more, 'a More link')
    const next = await page(more, undefined, { 'hx-request': 'true' })
    assert.doesNotMatch(next.html, /<html/)
    const rest = tiles(next.html)
    assert.equal(new Set([...shown, ...rest]).size, 30, 'every public post once, the followers-only one left out')
    assert.deepEqual([...shown, ...rest].sort(), [...made].sort())
  })

  it('puts "People you may know" on top for members, with follow buttons that come back to Explore', async () => {
    // The first visit makes the ranking after the page (htmx, or a link without JavaScript); later ones show it at once.
    const later = await page('/explore', 'ana')
    assert.match(later.html, /data-suggestions-later="true" hx-get="\/suggestions\?row=%2Fexplore" hx-trigger="load"/)
    const row = await page('/suggestions?row=%2Fexplore', 'ana', { 'hx-request': 'true' })
    assert.match(row.html, /data-suggestions-row="true"/)
    assert.match(row.html, /<li data-suggestion="cal">[\s\S]*?Followed by @ben[\s\S]*?action="\/u\/cal\/follow\?next=\/explore"/)
    const now = await page('/explore', 'ana')
    assert.match(now.html, /data-suggestions-row="true"[\s\S]*data-suggestion="cal"[\s\S]*data-mosaic/, 'the row above the mosaic')
    const agent = t.agent('10.9.0.1')
    await agent.loginViaForm('ana')
    const followed = await agent.post('/u/cal/follow?next=/explore', {})
    assert.equal(followed.status, 303)
    assert.equal(followed.headers.get('location'), '/explore')
    assert.doesNotMatch((await page('/explore', 'ana')).html, /data-suggestion="cal"/, 'followed: no longer suggested')
  })

  it('shows guests no suggestions', async () => {
    const guest = await page('/explore')
    assert.doesNotMatch(guest.html, /data-suggestions/)
  })
})
