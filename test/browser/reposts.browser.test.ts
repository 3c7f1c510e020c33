// In a real browser at phone and desktop sizes: a member reposts a public post from its card's Repost menu and quotes
// it from the compose page; their followers' home feeds show the repost under "<name> reposted" (once, though they
// follow the author too) and the quote with its original's card; a followers-only post offers no Repost button.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('a repost and a quote reach a follower’s home feed; a non-public post offers no repost', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  const idOf = async (name: string) => (await h.users.findRow(name))!.id

  const author = await registerInBrowser(browser, server, 'rp_author')
  await author.context.close()
  const original = await h.posts.create(await idOf('rp_author'), { text: 'A post worth reposting', visibility: 'public' })
  const limited = await h.posts.create(await idOf('rp_author'), { text: 'Only for my followers', visibility: 'followers' })

  const reposter = await registerInBrowser(browser, server, 'rp_reposter')
  const viewports = [
    { name: 'rp_phone', viewport: { width: 390, height: 844 } },
    { name: 'rp_desk', viewport: { width: 1280, height: 800 } },
  ]
  const fans = []
  for (const v of viewports) fans.push({ ...v, ...(await registerInBrowser(browser, server, v.name, { viewport: v.viewport })) })
  await h.social.follow(await idOf('rp_reposter'), 'rp_author')
  for (const v of viewports) {
    await h.social.follow(await idOf(v.name), 'rp_reposter')
    await h.social.follow(await idOf(v.name), 'rp_author')
  }

  // Repost from the card's menu (htmx swaps the menu in place), then quote through the compose page.
  const page = reposter.page
  await page.goto(`/p/${original.id}`)
  const menu = page.locator(`[data-repost-menu="${original.id}"]`)
  await menu.locator('summary').click()
  await menu.getByRole('button', { name: 'Repost' }).click()
  await page.locator(`[data-repost-menu="${original.id}"] summary.reposted`).waitFor()
  await page.locator(`[data-repost-menu="${original.id}"] summary`).click()
  await Promise.all([page.waitForURL((u) => u.pathname === '/compose'), page.locator(`[data-repost-menu="${original.id}"]`).getByRole('link', { name: 'Quote' }).click()])
  await page.locator(`[data-quoting="${original.id}"]`).waitFor()
  await page.getByLabel('Your comment').fill('My take on this')
  await Promise.all([page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), page.getByRole('button', { name: 'Post' }).click()])
  await page.locator(`[data-quote-card="${original.id}"]`).waitFor()
  // The reposter follows the author, so sees the followers-only post: no Repost button on it.
  await page.goto(`/p/${limited.id}`)
  await page.locator(`#post-${limited.id}`).waitFor()
  assert.equal(await page.locator('[data-repost-menu]').count(), 0, 'no Repost menu on a followers-only post')
  assert.deepEqual(reposter.problems.list, [])
  await reposter.context.close()
  await h.queue.drain()

  for (const fan of fans) {
    const size = `${fan.viewport.width}px`
    await fan.page.goto('/')
    // The repost: the original's card under "rp_reposter reposted", once, though the fan follows the author too.
    const reposted = fan.page.locator('[data-repost]').filter({ has: fan.page.locator(`#post-${original.id}`) })
    await reposted.locator('[data-repost-head]').waitFor()
    assert.match((await reposted.locator('[data-repost-head]').textContent())!.replace(/\s+/g, ' '), /rp_reposter reposted/, size)
    assert.match(await reposted.locator(`#post-${original.id}`).innerText(), /A post worth reposting/, size)
    assert.equal(await fan.page.locator(`#post-${original.id}`).count(), 1, `${size}: the original shows once`)
    // The quote: the reposter's own post with the original as a compact card that links to it.
    const quote = fan.page.locator('article.post').filter({ hasText: 'My take on this' })
    const card = quote.locator(`[data-quote-card="${original.id}"]`)
    await card.waitFor()
    assert.match(await card.innerText(), /rp_author[\s\S]*A post worth reposting/, size)
    assert.equal(await card.getAttribute('href'), `/p/${original.id}`)
    const box = (await card.boundingBox())!
    assert.ok(box.x >= 0 && box.x + box.width <= fan.viewport.width, `${size}: the card fits the screen`)
    assert.equal(await fan.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, `${size}: no sideways scroll`)
    await fan.page.screenshot({ path: resultPath(`reposts-home-${fan.viewport.width}.png`), fullPage: true })
    // A followers-only post shows no Repost menu to a follower.
    await fan.page.goto(`/p/${limited.id}`)
    await fan.page.locator(`#post-${limited.id}`).waitFor()
    assert.equal(await fan.page.locator('[data-repost-menu]').count(), 0, `${size}: no Repost menu on a followers-only post`)
    assert.deepEqual(fan.problems.list, [], size)
    await fan.context.close()
  }
})
