// In a real browser, at phone (390×844) and desktop (1280×800) sizes: grouped notifications with Follow back, the
// home feed's New posts pill appearing over the socket and loading the new post, and the header's typeahead by keyboard.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser } from 'playwright-core'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, resultPath, startTestServer, logInInBrowser, type TestServer } from './browser.js'

const SIZES = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
] as const

const loggedIn = (browser: Browser, server: TestServer, username: string, viewport: { width: number; height: number }) => logInInBrowser(browser, server, username, { viewport })

for (const size of SIZES) {
  test(`activity at ${size.name} size: grouped notifications, Follow back, the New posts pill, header typeahead`, { timeout: 180_000 }, async (t) => {
    const browser = await browserOrSkip(t)
    if (!browser) return
    const server = await startTestServer()
    t.after(() => server.close())
    const h = server.hearth
    const make = (username: string) => h.users.create({ username, email: `${username}@example.org`, password: PASSWORD }, { actorId: null })
    const me = await make('mia')
    const fans = await Promise.all(['ben', 'cal', 'dot', 'eli'].map(make))
    const priv = await make('pri')
    await h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', priv.id).execute()
    const post = await h.posts.create(me.id, { text: 'First light' })
    for (const f of fans) await h.engagement.react(f.id, post.id, 'like')
    await h.social.follow(priv.id, 'mia')

    const { context, page, problems } = await loggedIn(browser, server, 'mia', size.viewport)

    // ---- Grouped notifications, and Follow back of a private account (htmx swaps the button for "Requested").
    await page.goto('/notifications')
    const group = page.locator('[data-notifications] li', { hasText: 'eli and 3 others liked your post' })
    await group.waitFor()
    assert.equal(await group.locator('.notification-avatars .avatar').count(), 3)
    assert.match((await group.locator('time').textContent()) ?? '', /^(now|\d+m)$/)
    const follow = page.locator('[data-notifications] li', { hasText: 'pri followed you' })
    await follow.getByRole('button', { name: 'Follow pri back' }).click()
    await follow.locator('[data-follow-state="requested"]', { hasText: 'Requested' }).waitFor()
    assert.equal(page.url(), `${server.url}/notifications`, 'swapped in place')
    await page.reload()
    await page.locator('[data-notifications] li', { hasText: 'pri followed you' }).locator('[data-follow-state="requested"]').waitFor()
    await page.screenshot({ path: resultPath(`activity-notifications-${size.name}.png`) })

    // ---- The New posts pill: mia follows ben; ben posts; the pill appears, and pressing it shows the post on top.
    await h.social.follow(me.id, 'ben')
    await h.posts.create(fans[0]!.id, { text: 'Older news from ben' })
    await h.queue.drain()
    await page.goto('/')
    await page.locator('[data-home-feed] article', { hasText: 'Older news from ben' }).waitFor()
    const pill = page.locator('[data-new-posts]')
    assert.equal(await pill.isVisible(), false, 'hidden until something arrives')
    for (let i = 0; i < 100 && !h.realtime.isOnline(me.id); i++) await page.waitForTimeout(100)
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
    await h.posts.create(fans[0]!.id, { text: 'Fresh from ben' })
    await pill.waitFor({ state: 'visible' })
    await page.screenshot({ path: resultPath(`activity-pill-${size.name}.png`) })
    await pill.click()
    await page.locator('[data-home-feed] article').first().filter({ hasText: 'Fresh from ben' }).waitFor()
    await pill.waitFor({ state: 'hidden' })
    await page.waitForFunction(() => window.scrollY === 0)
    await page.screenshot({ path: resultPath(`activity-new-posts-${size.name}.png`) })

    // ---- Header typeahead by keyboard: type, ↓ to the first member, Esc closes, ↓ ↓ then Enter opens the second.
    const box = page.getByRole('combobox', { name: 'Search members, posts and hashtags' })
    await box.click()
    await box.pressSequentially('be')
    const list = page.locator('#site-search-suggestions')
    await list.getByRole('option', { name: /ben/ }).waitFor()
    await page.waitForFunction(() => document.querySelector('input[data-typeahead][aria-controls="site-search-suggestions"]')?.getAttribute('aria-expanded') === 'true')
    await box.press('ArrowDown')
    await page.waitForFunction(() => {
      const input = document.querySelector('input[aria-controls="site-search-suggestions"]')
      const id = input?.getAttribute('aria-activedescendant')
      return !!id && document.getElementById(id)?.getAttribute('aria-selected') === 'true' && (document.getElementById(id)?.textContent ?? '').includes('ben')
    })
    await page.screenshot({ path: resultPath(`activity-typeahead-${size.name}.png`) })
    await box.press('Escape')
    await list.waitFor({ state: 'hidden' })
    assert.equal(await box.getAttribute('aria-expanded'), 'false')
    await box.press('ArrowDown')
    await list.getByRole('option', { name: /ben/ }).waitFor()
    await Promise.all([page.waitForURL((u) => u.pathname === '/u/ben'), box.press('Enter')])

    assert.deepEqual(problems.list, [])
    await context.close()
  })
}

test('without JavaScript: no pill, the header search is a plain GET form, Follow back posts and returns', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  await h.users.create({ username: 'nojs', email: 'nojs@example.org', password: PASSWORD }, { actorId: null })
  const fan = await h.users.create({ username: 'fan', email: 'fan@example.org', password: PASSWORD }, { actorId: null })
  await h.social.follow(fan.id, 'nojs')
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 }, javaScriptEnabled: false })
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  await page.goto('/login')
  await page.getByLabel('Username or email').fill('nojs')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Log in', exact: true }).click()])
  assert.equal(await page.locator('[data-new-posts]').isVisible(), false)
  await page.goto('/notifications')
  await Promise.all([page.waitForURL((u) => u.pathname === '/notifications'), page.getByRole('button', { name: 'Follow fan back' }).click()])
  await page.locator('[data-follow-state="following"]', { hasText: 'Following' }).waitFor()
  await page.getByRole('searchbox', { name: 'Search members, posts and hashtags' }).fill('fan')
  await Promise.all([page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('q') === 'fan'), page.getByRole('searchbox', { name: 'Search members, posts and hashtags' }).press('Enter')])
  await context.close()
})
