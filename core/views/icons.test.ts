// Icons by reference: in a page each icon is a <use> of one symbol written once at the end of <body>; outside a
// page (htmx fragments, HTML sent over a socket) the icon is drawn whole, as it may land in a page without its symbol.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { h } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { Icon, iconBody, InlineIcon, withIconSprite } from './icons.js'

const uses = (html: string) => [...html.matchAll(/<use href="#icon-([a-z0-9-]+)"\/>/g)].map((m) => m[1]!)
const symbols = (html: string) => [...html.matchAll(/<symbol id="icon-([a-z0-9-]+)" viewBox="0 0 24 24">/g)].map((m) => m[1]!)

describe('icons by reference', () => {
  it('draws references in a page and each icon it used once, as a symbol, where the layout puts them', () => {
    const html = withIconSprite((icons) =>
      renderToString(h('body', null, h(Icon, { name: 'heart' }), h(Icon, { name: 'heart', class: 'big' }), h(Icon, { name: 'repeat', label: 'Reposts' }), h('footer', null), icons)),
    )
    assert.deepEqual(uses(html), ['heart', 'heart', 'repeat'])
    assert.deepEqual(symbols(html), ['heart', 'repeat'])
    assert.match(html, /<footer><\/footer><div hidden><svg [^>]*aria-hidden="true"><symbol id="icon-heart" viewBox="0 0 24 24"><path d="M2 9\.5a5\.5[^]*<\/symbol><\/svg><\/div><\/body>$/)
    assert.ok(html.includes(`<symbol id="icon-heart" viewBox="0 0 24 24">${iconBody('heart')}</symbol>`))
    // The frame keeps what CSS changes (fill when pressed, stroke width when current): a <use> inherits it.
    assert.match(html, /<svg class="icon big" viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2"[^>]*aria-hidden="true"><use href="#icon-heart"\/><\/svg>/)
    assert.match(html, /role="img" aria-label="Reposts"><use href="#icon-repeat"\/>/)
  })

  it('writes the symbols before </body> when the layout leaves them out, and nothing when no icon was drawn', () => {
    const html = withIconSprite(() => renderToString(h('html', null, h('body', null, h(Icon, { name: 'bookmark' })))))
    assert.match(html, /<use href="#icon-bookmark"\/><\/svg><div hidden><svg[^>]*><symbol id="icon-bookmark"[^]*<\/div><\/body><\/html>$/)
    assert.equal(withIconSprite((icons) => renderToString(h('body', null, h('p', null, 'plain'), icons))), '<body><p>plain</p></body>')
  })

  it('draws an icon after the symbols whole, and whole outside a page', () => {
    const html = withIconSprite((icons) => renderToString(h('body', null, h(Icon, { name: 'heart' }), icons, h(Icon, { name: 'send' }))))
    assert.deepEqual(uses(html), ['heart'])
    assert.ok(html.endsWith(`${iconBody('send')}</svg></body>`))
    assert.ok(renderToString(h(Icon, { name: 'send' })).endsWith(`aria-hidden="true">${iconBody('send')}</svg>`))
  })

  it("draws plugins' icons whole in a page too: what a plugin renders is the same HTML there and over a socket", () => {
    const alone = renderToString(h(InlineIcon, { name: 'flower' }))
    const html = withIconSprite((icons) => renderToString(h('body', null, h(InlineIcon, { name: 'flower' }), icons)))
    assert.equal(html, `<body>${alone}</body>`)
  })

  it('escapes a label and draws an unknown or unsafe name as the circle, under its id', () => {
    const html = withIconSprite((icons) => renderToString(h('body', null, h(Icon, { name: '"><script>', label: 'a "b" <c> & d' }), icons)))
    assert.match(html, /aria-label="a &quot;b&quot; &lt;c> &amp; d"><use href="#icon-circle"\/>/)
    assert.deepEqual(symbols(html), ['circle'])
    assert.doesNotMatch(html, /<script/)
  })
})

describe('icons in a real page', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('has a symbol for every icon the page references, once each, and the fragments htmx swaps in draw theirs whole', async () => {
    const member = t.agent('10.8.0.1')
    await member.registerViaForm('iconfan')
    const postUrl = (await member.post('/compose', { text: 'Icons, by reference', visibility: 'public' })).headers.get('location')!
    for (const page of [await member.text('/'), await member.text(postUrl)]) {
      const used = new Set(uses(page))
      assert.ok(used.has('heart') && used.has('bookmark'), 'the post card draws its reaction icons by reference')
      assert.deepEqual(symbols(page).sort(), [...used].sort())
      assert.doesNotMatch(page, /<svg class="icon"[^>]*><path/, 'no icon drawn whole in the page')
    }
    const fragment = await (await member.fetch('POST', `${postUrl}/bookmark`, { form: {}, headers: { 'hx-request': 'true' } })).text()
    assert.match(fragment, /aria-pressed="true"><svg class="icon"[^>]*><path/)
    assert.deepEqual(uses(fragment), [])
  })
})
