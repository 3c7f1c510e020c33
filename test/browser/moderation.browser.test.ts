// The moderation queue in a real browser: a report on a followers-only photo shows the photo itself (decoded, not a
// broken image or its number) to a moderator who does not follow the author; sensitive media opens without JavaScript.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, logInInBrowser, resultPath, startTestServer } from './browser.js'

test('a report on a followers-only photo shows the photo to the moderator; a sensitive photo opens from its warning', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  const author = await h.users.create({ username: 'mq_author', email: 'mq_author@example.org', password: PASSWORD })
  const follower = await h.users.create({ username: 'mq_follower', email: 'mq_follower@example.org', password: PASSWORD })
  await h.users.create({ username: 'mq_mod', email: 'mq_mod@example.org', password: PASSWORD }, { role: 'moderator', actorId: null })
  await h.social.follow(follower.id, author.id)
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#e11d48' } }).jpeg().toBuffer()
  const media = await h.media.upload(author.id, new File([new Uint8Array(jpeg)], 'photo.jpg', { type: 'image/jpeg' }))
  await h.queue.drain()
  const post = await h.posts.create(author.id, { text: 'for my followers', visibility: 'followers', media_ids: [media.id] })
  const report = await h.moderation.report(follower.id, { target_type: 'post', target_id: post.id, reason: 'nudity' })

  const { context, page, problems } = await logInInBrowser(browser, server, 'mq_mod', { viewport: { width: 1280, height: 800 } })
  t.after(() => context.close())
  // As a member the moderator may not see the post at all.
  assert.equal((await page.goto(`/p/${post.id}`))!.status(), 404)
  problems.clear()
  await page.goto('/admin/reports')
  await page.locator(`[data-target="post:${post.id}"] a`, { hasText: 'Inspect' }).click()
  await page.waitForURL(`**/admin/reports/${report.id}`)
  const photo = page.locator(`img[data-media="${media.id}"]`).first()
  await photo.waitFor()
  await page.waitForFunction((id) => {
    const img = document.querySelector<HTMLImageElement>(`img[data-media="${id}"]`)
    return !!img && img.complete && img.naturalWidth > 0
  }, media.id)
  const size = await photo.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])
  assert.deepEqual(size, [320, 240], 'the photo itself is decoded on the moderator’s page')
  await page.screenshot({ path: resultPath('moderation-followers-only-photo.png'), fullPage: true })

  // Marking it sensitive from the queue: the follower then meets a warning, and opens it without JavaScript.
  await page.getByLabel('Mark its media sensitive (blurred behind a warning)').check()
  await Promise.all([page.waitForURL('**/admin/reports'), page.getByRole('button', { name: 'Resolve' }).click()])
  assert.deepEqual(problems.list, [])
  const reader = await browser.newContext({ baseURL: server.url, javaScriptEnabled: false, viewport: { width: 390, height: 844 } })
  t.after(() => reader.close())
  const rp = await reader.newPage()
  await rp.goto('/login')
  await rp.getByLabel('Username or email').fill('mq_follower')
  await rp.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await Promise.all([rp.waitForURL((u) => u.pathname === '/'), rp.getByRole('button', { name: 'Log in', exact: true }).click()])
  await rp.goto(`/p/${post.id}`)
  const warning = rp.locator(`details[data-sensitive="${post.id}"]`)
  assert.equal(await warning.getAttribute('open'), null, 'closed behind its warning')
  assert.equal(await rp.locator(`details[data-sensitive="${post.id}"] img`).isVisible(), false)
  await warning.locator('summary').click()
  await rp.locator(`details[data-sensitive="${post.id}"] img`).first().waitFor({ state: 'visible' })
})
