// The search page without JavaScript (a GET form, tabs, results, plain "more" links) and the htmx fragments.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { render } from 'preact-render-to-string'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'
import { HASHTAG_COUNT_CAP } from './service.js'
import { HashtagList } from './views.js'

describe('search pages', () => {
  let t: TestApp
  let guest: Agent
  let stranger: Agent
  const tok: Record<string, string> = {}
  before(async () => {
    t = await createTestApp()
    for (const n of ['admin0', 'ana_bell', 'anton', 'hidden_hal']) tok[n] = (await t.register(n)).token
    await t.request('PUT', '/api/v1/users/me', { token: tok.ana_bell, json: { display_name: 'Ana Bell' } })
    await t.request('PUT', '/api/v1/users/me', { token: tok.hidden_hal, json: { is_private: true } })
    for (let i = 0; i < 23; i++) await t.request('POST', '/api/v1/posts', { token: tok.anton, json: { text: `Lantern walk number ${i} #lanterns` } })
    await t.request('POST', '/api/v1/posts', { token: tok.hidden_hal, json: { text: 'Lantern secret of a private account' } })
    await t.request('POST', '/api/v1/posts', { token: tok.anton, json: { text: 'Lantern for followers only', visibility: 'followers' } })
    guest = t.agent()
    stranger = t.agent('10.0.0.2')
    await stranger.registerViaForm('strangerx')
  })
  after(() => t.close())

  const html = async (agent: Agent, path: string, headers: Record<string, string> = {}) => {
    const res = await agent.fetch('GET', path, { headers })
    return { status: res.status, text: await res.text() }
  }

  it('offers a plain GET form with htmx autocomplete, and no inline script', async () => {
    const { status, text } = await html(guest, '/search')
    assert.equal(status, 200)
    assert.match(text, /<form method="get" action="\/search" role="search"/)
    assert.match(text, /<input id="search-q" type="search" name="q"/)
    assert.match(text, /hx-get="\/search\/suggest"/)
    assert.match(text, /hx-trigger="input changed delay:200ms, search"/)
    assert.match(text, /hx-target="#search-suggestions"/)
    assert.match(text, /<div id="search-suggestions" class="search-suggestions typeahead-list" aria-live="polite">/)
    // The header's box suggests too (the same fragment), and both are comboboxes once typeahead.js runs.
    assert.match(text, /<form method="get" action="\/search" role="search" class="site-search"><input type="search" name="q"[^>]*data-typeahead[^>]*hx-get="\/search\/suggest"[^>]*hx-target="#site-search-suggestions"/)
    assert.match(text, /<script src="\/static\/typeahead.js" defer><\/script>/)
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(text), 'every script has a src')
    assert.ok(!text.includes('aria-label="What to search"'), 'no tabs before a search')
  })

  it('shows posts by default, with tabs that keep the query, and a plain link to older results', async () => {
    const { status, text } = await html(guest, '/search?q=lantern')
    assert.equal(status, 200)
    assert.match(text, /<html/)
    assert.match(text, /<title>Search: lantern/)
    assert.match(text, /<a href="\/search\?q=lantern&amp;type=posts" aria-current="page" data-tab="posts">Posts<\/a>/)
    assert.match(text, /href="\/search\?q=lantern&amp;type=users"/)
    assert.match(text, /href="\/search\?q=lantern&amp;type=tags"/)
    assert.equal(text.match(/class="card post"/g)?.length, 20)
    assert.ok(!text.includes('private account') && !text.includes('followers only'), 'a guest sees public posts only')
    const more = text.match(/<a href="(\/search\?q=lantern&amp;type=posts&amp;cursor=[^"]+)">Older posts<\/a>/)
    assert.ok(more, 'a link to the next page, for browsers without JavaScript')
    const next = await html(guest, more[1]!.replace(/&amp;/g, '&'))
    assert.match(next.text, /<html/)
    assert.equal(next.text.match(/class="card post"/g)?.length, 3)
    assert.ok(!next.text.includes('Older posts'))
  })

  it('answers htmx’s infinite scroll with the next results only', async () => {
    const first = await html(guest, '/search?q=lantern&type=posts')
    const url = first.text.match(/hx-get="(\/search\?q=lantern&amp;type=posts&amp;cursor=[^"]+)"/)![1]!.replace(/&amp;/g, '&')
    const next = await html(guest, url, { 'hx-request': 'true' })
    assert.ok(!next.text.includes('<html') && !next.text.includes('role="search"'))
    assert.equal(next.text.match(/class="card post"/g)?.length, 3)
  })

  it('lists members and hashtags on their tabs', async () => {
    const users = await html(stranger, '/search?q=an&type=users')
    assert.match(users.text, /<a href="\/u\/ana_bell">Ana Bell<\/a>/)
    assert.match(users.text, /<a href="\/u\/anton">anton<\/a>/)
    assert.match(users.text, /aria-current="page" data-tab="users"/)
    const hal = await html(stranger, '/search?q=hidden&type=users')
    assert.match(hal.text, /<a href="\/u\/hidden_hal">hidden_hal<\/a>.*<span class="badge">private<\/span>/s, 'a private account is found, marked private')
    const tags = await html(stranger, '/search?q=lant&type=tags')
    assert.match(tags.text, /<a href="\/tags\/lanterns">#lanterns<\/a> <span class="muted">23 public posts<\/span>/)
    const none = await html(stranger, '/search?q=zzzz&type=users')
    assert.match(none.text, /No members match\./)
  })

  it('says a capped hashtag count is "or more"', () => {
    const text = render(HashtagList({ tags: [{ tag: 'big', posts_count: HASHTAG_COUNT_CAP }, { tag: 'small', posts_count: HASHTAG_COUNT_CAP - 1 }, { tag: 'one', posts_count: 1 }] }))
    assert.match(text, new RegExp(`#big</a> <span class="muted">${HASHTAG_COUNT_CAP}\\+ public posts</span>`))
    assert.match(text, new RegExp(`#small</a> <span class="muted">${HASHTAG_COUNT_CAP - 1} public posts</span>`))
    assert.match(text, /#one<\/a> <span class="muted">1 public post<\/span>/)
  })

  it('keeps private and followers-only posts out of a stranger’s results', async () => {
    const { text } = await html(stranger, '/search?q=lantern+secret')
    assert.ok(!text.includes('Lantern secret'))
    assert.match(text, /No posts match\./)
  })

  it('explains an empty or too long query on the page', async () => {
    const blank = await html(guest, '/search?q=+++')
    assert.equal(blank.status, 400)
    assert.match(blank.text, /<p class="error" id="search-q-error" role="alert">Type something to search for\.<\/p>/)
    const long = await html(guest, `/search?q=${'x'.repeat(101)}&type=users`)
    assert.equal(long.status, 400)
    assert.match(long.text, /Search for at most 100 characters\./)
    assert.match(long.text, /<input type="hidden" name="type" value="users"/, 'the tab is kept')
    const odd = await html(guest, '/search?q=lantern&type=bogus')
    assert.equal(odd.status, 200, 'an unknown tab falls back to posts')
    assert.match(odd.text, /aria-current="page" data-tab="posts"/)
  })

  it('suggests up to five members and five hashtags as links, without the layout', async () => {
    for (let i = 0; i < 7; i++) await t.register(`lanternfan${i}`)
    for (let i = 0; i < 7; i++) await t.request('POST', '/api/v1/posts', { token: tok.anton, json: { text: `#lantern${i}` } })
    const res = await guest.fetch('GET', '/search/suggest?q=lantern', { headers: { 'hx-request': 'true' } })
    assert.equal(res.status, 200)
    const text = await res.text()
    assert.ok(!text.includes('<html') && !text.includes('<header') && !text.includes('<nav'), 'a fragment')
    assert.equal(text.match(/href="\/u\//g)?.length, 5)
    assert.equal(text.match(/href="\/tags\//g)?.length, 5)
    assert.match(text, /<ul aria-label="Members">/)
    assert.match(text, /<ul aria-label="Hashtags">/)
    assert.match(text, /<a href="\/search\?q=lantern&amp;type=posts">Search posts for “lantern”<\/a>/)
    assert.equal(await (await guest.fetch('GET', '/search/suggest?q=', { headers: { 'hx-request': 'true' } })).text(), '', 'nothing typed, nothing shown')
    assert.match(await (await guest.fetch('GET', '/search/suggest?q=qqqq')).text(), /No members or hashtags match “qqqq”/)
    assert.equal((await guest.fetch('GET', `/search/suggest?q=${'x'.repeat(200)}`)).status, 200, 'too long suggests nothing, quietly')
  })

  it('escapes what was typed wherever it is shown', async () => {
    const { text } = await html(guest, `/search?q=${encodeURIComponent('<img src=x onerror=alert(1)>')}`)
    assert.ok(!text.includes('<img src=x'))
    const frag = await (await guest.fetch('GET', `/search/suggest?q=${encodeURIComponent('<b>zz')}`)).text()
    assert.ok(!frag.includes('<b>') && frag.includes('&lt;b'), frag)
  })
})
