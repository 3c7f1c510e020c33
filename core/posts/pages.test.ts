// The social pages: compose, post pages, profiles, follows through forms, settings, infinite scroll, privacy.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('social pages', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('composes a post without JavaScript and shows it on its page, the profile and the hashtag page', async () => {
    const a = t.agent('10.3.0.1')
    await a.registerViaForm('writer')
    assert.match(await a.text('/compose'), /enctype="multipart\/form-data"/)
    const bad = await a.post('/compose', { text: '', visibility: 'public' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Write something or add a photo or video/)
    const tooLong = await a.post('/compose', { text: 'x'.repeat(10_000), visibility: 'public' })
    assert.match(await tooLong.text(), /at most 5000 characters/)
    const res = await a.post('/compose', { text: 'Hello #garden friends', visibility: 'public' })
    assert.equal(res.status, 303)
    const postUrl = res.headers.get('location')!
    assert.match(postUrl, /^\/p\/\d+$/)
    assert.match(await a.text(postUrl), /Hello <a href="\/tags\/garden" class="hashtag">#garden<\/a> friends/)
    assert.match(await t.agent('10.3.0.2').text('/u/writer'), /Hello/)
    assert.match(await t.agent('10.3.0.3').text('/tags/garden'), /Hello/)
    assert.equal((await t.agent('10.3.0.3').get('/tags/bad%20tag')).status, 404)
  })

  it('edits a post from its page, hiding it from chosen members', async () => {
    const a = t.agent('10.3.6.1')
    await a.registerViaForm('editor')
    const peer = t.agent('10.3.6.2')
    await peer.registerViaForm('peer_one')
    const url = (await a.post('/compose', { text: 'draft one', visibility: 'public' })).headers.get('location')!
    assert.equal((await a.post(`${url}/edit`, { text: 'draft two', visibility: 'public', hidden_from: 'peer_one' })).status, 303)
    const page = await a.text(url)
    assert.match(page, /draft two/)
    assert.match(page, / · edited/)
    assert.match(await a.text(`${url}/edit`), /value="peer_one"/)
    assert.equal((await peer.get(url)).status, 404)
    await a.post(`${url}/edit`, { text: 'draft two', visibility: 'public', hidden_from: 'nobody_here' })
    assert.match(await a.text(url), /No member named @nobody_here/)
  })

  it('schedules from the form: only the author sees it until then', async () => {
    const a = t.agent('10.3.1.1')
    await a.registerViaForm('planner')
    const when = new Date(Date.now() + 2 * 3_600_000).toISOString().slice(0, 16)
    const res = await a.post('/compose', { text: 'later on', visibility: 'public', publish_at: when })
    const url = res.headers.get('location')!
    assert.match(await a.text(url), /Scheduled for/)
    assert.equal((await t.agent('10.3.1.2').get(url)).status, 404)
    const past = await a.post('/compose', { text: 'too late', visibility: 'public', publish_at: '2020-01-01T10:00' })
    assert.match(await past.text(), /in the future/)
  })

  it('follows through the profile page, with requests for private accounts', async () => {
    const owner = t.agent('10.3.2.1')
    await owner.registerViaForm('shy')
    const saved = await owner.post('/settings/profile', { display_name: 'Shy One', bio: 'hi', is_private: 'on', account_type: 'personal', avatar_visibility: 'public', avatar_audience: '' })
    assert.equal(saved.status, 303)
    await owner.post('/compose', { text: 'private thoughts', visibility: 'public' })

    const fan = t.agent('10.3.2.2')
    await fan.registerViaForm('keen')
    const profile = await fan.text('/u/shy')
    assert.match(profile, /Request to follow/)
    assert.match(profile, /This account is private/)
    assert.doesNotMatch(profile, /private thoughts/)
    await fan.post('/u/shy/follow', {})
    assert.match(await fan.text('/u/shy'), /Cancel request/)
    assert.match(await owner.text('/follow-requests'), /@keen/)
    await owner.post('/follow-requests/keen/accept', {})
    const after = await fan.text('/u/shy')
    assert.match(after, /Unfollow/)
    assert.match(after, /private thoughts/)
    assert.match(await fan.text('/'), /private thoughts/, 'in the new follower’s home feed')
  })

  it('refuses bad profile settings, field by field, keeping what was typed', async () => {
    const a = t.agent('10.3.3.1')
    await a.registerViaForm('settler')
    const res = await a.post('/settings/profile', { display_name: 'S', bio: 'x'.repeat(301), link_label_0: 'me', link_url_0: 'ftp://nope', account_type: 'personal', avatar_visibility: 'public', avatar_audience: '' })
    assert.equal(res.status, 400)
    const html = await res.text()
    assert.match(html, /Bios have at most 300 characters/)
    assert.match(html, /value="ftp:\/\/nope"/)
  })

  it('keeps a private account’s post off every page for strangers and guests', async () => {
    const owner = t.agent('10.3.4.1')
    await owner.registerViaForm('vault')
    await owner.post('/settings/profile', { display_name: 'Vault', bio: '', is_private: 'on', account_type: 'personal', avatar_visibility: 'public', avatar_audience: '' })
    const url = (await owner.post('/compose', { text: 'the code is #tulip', visibility: 'public' })).headers.get('location')!
    const stranger = t.agent('10.3.4.4')
    await stranger.registerViaForm('nosy_one')
    for (const a of [stranger, t.agent('10.3.4.5')]) {
      assert.equal((await a.get(url)).status, 404)
      for (const page of ['/u/vault', '/tags/tulip', '/explore', '/']) assert.doesNotMatch(await a.text(page), /the code is/, page)
    }
  })

  it('answers the next page of a grid or list as a fragment for htmx, and as a page without it', async () => {
    const a = t.agent('10.3.5.1')
    await a.registerViaForm('prolific')
    const me = (await t.h.users.find('prolific'))!.id
    for (let i = 0; i < 35; i++) await t.h.posts.create(me, { text: `note ${i}` })
    const grid = await a.text('/u/prolific')
    assert.match(grid, /data-grid/)
    assert.equal((grid.match(/data-tile=/g) ?? []).length, 30)
    const more = grid.match(/hx-get="(\/u\/prolific\?cursor=[^"]+)"/)![1]!
    assert.match(grid, /<a href="\/u\/prolific\?cursor=[^"]+" class="more-tile"/, 'a plain link without JavaScript')
    const tiles = await (await a.fetch('GET', more, { headers: { 'hx-request': 'true' } })).text()
    assert.doesNotMatch(tiles, /<html/)
    assert.equal((tiles.match(/data-tile=/g) ?? []).length, 5)
    assert.match(await a.text(more), /<html/)

    const list = await a.text('/u/prolific?view=list')
    const moreList = list.match(/hx-get="(\/u\/prolific\?view=list&amp;cursor=[^"]+)"/)![1]!.replace(/&amp;/g, '&')
    const fragment = await (await a.fetch('GET', moreList, { headers: { 'hx-request': 'true' } })).text()
    assert.match(fragment, /^<article/)
    assert.match(fragment, /note 14/)
  })
})
