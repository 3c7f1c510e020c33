// In a real browser: the author sees notifications of a new like and a new comment appear without reloading,
// on /notifications and in the navigation's count, over the realtime socket.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, resultPath, startTestServer, watchProblems } from './browser.js'

test('the author sees a like and a comment arrive live', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  const author = await h.users.create({ username: 'live_author', email: 'live_author@example.org', password: PASSWORD }, { actorId: null })
  const fan = await h.users.create({ username: 'live_fan', email: 'live_fan@example.org', password: PASSWORD }, { actorId: null })
  const post = await h.posts.create(author.id, { text: 'Does anyone read this?' })

  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 } })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const problems = await watchProblems(page)
  await page.goto('/login')
  await page.getByLabel('Username or email').fill('live_author')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Log in', exact: true }).click()])
  await page.goto('/notifications')
  const nav = page.locator('a[data-nav="notifications"]')
  assert.equal((await nav.textContent())?.trim(), 'Notifications')
  // The page script's socket is open once the server has said hello; wait for the member to be online.
  for (let i = 0; i < 50 && !h.realtime.isOnline(author.id); i++) await page.waitForTimeout(100)
  assert.ok(h.realtime.isOnline(author.id), 'the page opened its realtime socket')
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true))

  // Another member likes and comments, through the same services the pages and API use.
  await h.engagement.react(fan.id, post.id, 'like')
  await page.locator('[data-notifications] li', { hasText: 'live_fan liked your post' }).waitFor()
  await page.waitForFunction(() => document.querySelector('a[data-nav="notifications"]')?.textContent?.includes('(1)'))
  await h.engagement.comment({ id: fan.id, username: 'live_fan', display_name: 'live_fan', role: 'member' }, post.id, { text: 'I do!' })
  await page.locator('[data-notifications] li', { hasText: /live_fan commented on your post/ }).waitFor()
  await page.waitForFunction(() => document.querySelector('a[data-nav="notifications"]')?.textContent?.includes('(2)'))

  assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, 'no reload happened')
  assert.equal(await page.locator('[data-notifications] li').count(), 2)
  assert.doesNotMatch(await page.locator('[data-notifications]').innerText(), /I do!/, 'no comment text in the notification')
  await page.screenshot({ path: resultPath('notifications-live.png') })
  assert.deepEqual(problems.list, [])
  await context.close()
})
