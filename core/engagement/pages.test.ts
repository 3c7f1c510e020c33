// The engagement pages: reactions (plain forms and htmx), comments, saved posts, collections, privacy and blocks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'

describe('engagement pages', () => {
  let t: TestApp
  let author: Agent
  let reader: Agent
  let postUrl: string
  before(async () => {
    t = await createTestApp()
    author = t.agent('10.7.0.1')
    await author.registerViaForm('storyteller')
    reader = t.agent('10.7.0.2')
    await reader.registerViaForm('listener')
    postUrl = (await author.post('/compose', { text: 'Tell me what you think', visibility: 'public' })).headers.get('location')!
  })
  after(() => t.close())
  const postId = () => Number(postUrl.split('/').pop())

  it('likes and saves with plain forms, and swaps the bar in place with htmx', async () => {
    const res = await reader.post(`${postUrl}/like?next=/`, {})
    assert.equal(res.headers.get('location'), '/')
    let page = await reader.text(postUrl)
    assert.match(page, /data-like="\d+"><input[^>]+><button type="submit" class="link reaction reaction-like" aria-pressed="true">.*?Like<\/span> <span data-like-count="true">1</)
    assert.match(page, /<a href="\/p\/\d+\/likes">1 like<\/a>/, 'no one else to name: the count, linked to the likers')
    const htmx = await reader.fetch('POST', `${postUrl}/bookmark`, { form: {}, headers: { 'hx-request': 'true' } })
    const fragment = await htmx.text()
    assert.match(fragment, /^<div class="reactions" id="reactions-\d+"/)
    assert.match(fragment, /aria-pressed="true"><svg[^]*?<\/svg><span class="visually-hidden">Save</)
    assert.match(await reader.text('/bookmarks'), /Tell me what you think/)
    assert.doesNotMatch(await author.text('/bookmarks'), /Tell me what you think/, 'bookmarks are private')
    await reader.post(`${postUrl}/dislike`, {})
    page = await reader.text(postUrl)
    assert.match(page, /aria-pressed="false">.*?Like<\/span> <span data-like-count="true">0</)
    assert.match(page, /aria-pressed="true"><svg[^]*?<\/svg><span class="visually-hidden">Dislike</)
    assert.match(await t.agent('10.7.0.3').text(postUrl), /href="\/login\?next=\/p\/\d+" class="reaction">.*?Likes<\/span> 0/, 'guests see counts and a way to log in')
  })

  it('comments and replies through forms, and says when comments are off', async () => {
    const res = await reader.post(`${postUrl}/comments`, { text: 'Lovely! #thoughts' })
    assert.match(res.headers.get('location')!, /#comment-\d+$/)
    const commentId = res.headers.get('location')!.split('-').pop()!
    await author.post(`${postUrl}/comments`, { text: 'Thank you', parent_id: commentId })
    const page = await t.agent('10.7.0.4').text(postUrl)
    assert.match(page, /Lovely!/)
    assert.match(page, /<ul class="replies"><li class="comment" id="comment-\d+" data-comment="\d+">.*Thank you/s)
    const empty = await reader.post(`${postUrl}/comments`, { text: '' })
    assert.match(await reader.text(empty.headers.get('location')!.split('#')[0]!), /Write a comment\./)
    const quiet = (await author.post('/compose', { text: 'quiet post', visibility: 'public', comments_off: 'on' })).headers.get('location')!
    assert.match(await reader.text(quiet), /Comments are turned off\./)
    await reader.post(`${quiet}/comments`, { text: 'sneaky' })
    assert.doesNotMatch(await reader.text(quiet), /sneaky/)
  })

  it('makes a collection, adds a post, and shares a private one by link', async () => {
    const made = await reader.post('/collections', { name: 'Keepers', description: 'good ones' })
    const colUrl = made.headers.get('location')!
    assert.match(colUrl, /^\/collections\/\d+$/)
    assert.match(await reader.text(postUrl), /Add to collection/)
    await reader.post('/collections/add', { collection_id: colUrl.split('/').pop()!, post_id: String(postId()) })
    const page = await reader.text(colUrl)
    assert.match(page, /Tell me what you think/)
    const share = page.match(/<code>(\/c\/[^<]+)<\/code>/)![1]!
    assert.equal((await t.agent('10.7.0.5').get(colUrl)).status, 404, 'private by default')
    assert.match(await t.agent('10.7.0.5').text(share), /Keepers/, 'open to anyone with the link')
    const dup = await reader.post('/collections', { name: 'keepers' })
    assert.equal(dup.status, 409)
    assert.match(await dup.text(), /already have a collection with that name/)
  })

  it('blocks from a profile, lists blocked accounts, and unblocks', async () => {
    await author.post('/u/listener/block', {})
    const settings = await author.text('/settings/privacy')
    assert.match(settings, /data-blocked.*@listener/s)
    assert.equal((await reader.get(postUrl)).status, 404)
    await author.post('/u/listener/unblock?next=/settings/privacy', {})
    assert.equal((await reader.get(postUrl)).status, 200)
    const saved = await author.post('/settings/privacy', { who_can_comment: 'followers', who_can_mention: 'everyone', who_can_message: 'nobody' })
    assert.equal(saved.status, 303)
    assert.match(await author.text('/settings/privacy'), /<option value="followers" selected>Followers<\/option>/)
    assert.match(await reader.text(postUrl), /does not take comments from you/)
    const bad = await author.post('/settings/privacy', { who_can_comment: 'martians', who_can_mention: 'everyone', who_can_message: 'everyone' })
    assert.equal(bad.status, 400)
  })
})
