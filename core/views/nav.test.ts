// The navigation model (placement, priority, at most five primary entries), the Icon component, and the nav
// each kind of viewer gets from a real instance with every plugin on.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { renderToString } from 'preact-render-to-string'
import { createTestApp, type TestApp } from '../../test/harness.js'
import type { NavItem } from '../hooks/types.js'
import { Icon } from './icons.js'
import { arrangeNav, PRIMARY_MAX, TOP_MAX } from './nav.js'

const item = (id: string, order: number, extra: Partial<NavItem> = {}): NavItem => ({ id, label: id, href: `/${id}`, audience: 'everyone', order, owner: 'core', ...extra })

describe('navigation model', () => {
  it('puts items in "More" unless they ask for primary', () => {
    const { primary, more } = arrangeNav([item('a', 10, { placement: 'primary' }), item('b', 20), item('c', 30, { placement: 'more' })])
    assert.deepEqual(primary.map((i) => i.id), ['a'])
    assert.deepEqual(more.map((i) => i.id), ['b', 'c'])
  })

  it('never gives the tab bar more than five entries: the lowest priorities go to "More"', () => {
    const many = Array.from({ length: 9 }, (_, n) => item(`p${n}`, 90 - n * 10, { placement: 'primary', priority: n }))
    const { primary, more } = arrangeNav(many)
    assert.equal(primary.length, PRIMARY_MAX)
    assert.deepEqual(primary.map((i) => i.id), ['p8', 'p7', 'p6', 'p5', 'p4'], 'the five highest priorities, shown in their order')
    assert.deepEqual(new Set(more.map((i) => i.id)), new Set(['p0', 'p1', 'p2', 'p3']), 'every other entry stays reachable in "More"')
  })

  it('breaks a priority tie by order, and shows the winners in order, not by priority', () => {
    const { primary } = arrangeNav([
      item('late', 50, { placement: 'primary', priority: 1 }),
      ...Array.from({ length: 5 }, (_, n) => item(`t${n}`, 60 + n, { placement: 'primary', priority: 1 })),
      item('top', 99, { placement: 'primary', priority: 9 }),
    ])
    assert.deepEqual(primary.map((i) => i.id), ['late', 't0', 't1', 't2', 'top'])
  })

  it('gives the top bar at most two entries of its own, apart from the tab bar\'s five', () => {
    const five = Array.from({ length: 5 }, (_, n) => item(`p${n}`, n, { placement: 'primary', priority: 50 }))
    const tops = [item('messages', 33, { placement: 'top', priority: 50 }), item('calls', 40, { placement: 'top', priority: 10 }), item('live', 41, { placement: 'top', priority: 5 })]
    const { primary, top, more } = arrangeNav([...five, ...tops])
    assert.equal(primary.length, PRIMARY_MAX, 'a top entry takes no place in the tab bar')
    assert.equal(top.length, TOP_MAX)
    assert.deepEqual(top.map((i) => i.id), ['messages', 'calls'])
    assert.deepEqual(more.map((i) => i.id), ['live'], 'the lowest goes to "More"')
  })
})

describe('Icon', () => {
  it('draws a Lucide icon inline, hidden from screen readers unless it has a label', () => {
    const plain = renderToString(Icon({ name: 'heart' }))
    assert.match(plain, /^<svg class="icon"[^>]*aria-hidden="true"[^>]*><path d="M2 9\.5a5\.5/)
    const labelled = renderToString(Icon({ name: 'heart', label: 'Like' }))
    assert.match(labelled, /role="img"/)
    assert.match(labelled, /aria-label="Like"/)
    assert.doesNotMatch(labelled, /aria-hidden/)
  })

  it('draws the plain circle for an unknown or unsafe name instead of failing the page', () => {
    const circle = renderToString(Icon({ name: 'circle' }))
    assert.equal(renderToString(Icon({ name: 'no-such-icon' })), circle)
    assert.equal(renderToString(Icon({ name: '../../package' })), circle)
  })
})

describe('navigation on the page', () => {
  let t: TestApp
  before(async () => (t = await createTestApp({ enable: ['groups', 'hello', 'random-chat', 'stories'] })))
  after(() => t.close())

  const primaryOf = (html: string) => {
    const bar = /<ul class="nav-primary">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? ''
    return [...bar.matchAll(/data-nav="([^"]+)"/g)].map((m) => m[1])
  }
  const moreOf = (html: string) => {
    const menu = /<details class="nav-more">([\s\S]*?)<\/details>/.exec(html)?.[1] ?? ''
    return [...menu.matchAll(/data-nav="([^"]+)"/g)].map((m) => m[1])
  }

  it('gives guests Home, Explore, Log in and Join, with the rest in "More"', async () => {
    const html = await (await t.request('GET', '/')).text()
    assert.deepEqual(primaryOf(html), ['home', 'explore', 'login', 'register'])
    assert.ok(moreOf(html).includes('search'))
    assert.doesNotMatch(html, /data-nav="profile"/)
  })

  it('gives an admin with every plugin on five tab-bar entries, Profile linking to their own page, and the rest in "More"', async () => {
    const { id, token } = await t.register('nav_admin')
    await t.h.users.setRole(id, 'admin', null)
    const html = await (await t.request('GET', '/', { token })).text()
    assert.deepEqual(primaryOf(html), ['home', 'explore', 'compose', 'notifications', 'profile'])
    assert.match(html, /<a href="\/u\/nav_admin" data-nav="profile">/)
    const more = moreOf(html)
    for (const id of ['search', 'saved', 'settings', 'moderation', 'admin', 'groups', 'hello', 'meet', 'stories']) assert.ok(more.includes(id), `${id} is in More`)
    assert.match(html, /<details class="nav-more">[\s\S]*action="\/logout"/, 'Log out is in More')
  })
})

