// In a real browser: cards that htmx adds when the next page of a list scrolls into view are enhanced like the
// first page's (their carousel gets arrows and dots), although each card's scripts run only once per page.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import { browserOrSkip, registerInBrowser, startTestServer } from './browser.js'

test('enhances the carousels of a page of posts htmx loads later', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth

  const member = await registerInBrowser(browser, server, 'scroller')
  const me = (await h.users.find('scroller'))!
  await h.settings.updateCore({ 'limits.posts_per_hour': 1000 }, null)
  // The oldest post has two photos: on a profile's list view (20 a page) it is on the second page.
  const photo = async (background: string) => new File([new Uint8Array(await sharp({ create: { width: 320, height: 240, channels: 3, background } }).png().toBuffer())], 'p.png', { type: 'image/png' })
  const media = [await h.media.upload(me.id, await photo('#0f766e')), await h.media.upload(me.id, await photo('#b45309'))]
  await h.queue.drain()
  await h.posts.create(me.id, { text: 'Two photos, far down', visibility: 'public', media_ids: media.map((m) => m.id) })
  for (let i = 0; i < 22; i++) await h.posts.create(me.id, { text: `Text post ${i}`, visibility: 'public' })

  const page = member.page
  await page.goto('/u/scroller?view=list')
  assert.equal(await page.locator('[data-carousel]').count(), 0, 'the first page has no carousel')
  const late = page.locator('[data-carousel]')
  // Scroll until htmx has brought the second page.
  for (let i = 0; i < 20 && (await late.count()) === 0; i++) {
    await page.mouse.wheel(0, 4000)
    await page.waitForTimeout(250)
  }
  await late.first().waitFor({ state: 'attached' })
  await late.first().scrollIntoViewIfNeeded()
  await page.waitForFunction(() => document.querySelector('[data-carousel]')?.hasAttribute('data-ready'))
  assert.equal(await late.locator('.carousel-dot').count(), 2, 'its dots were added')
  assert.equal(await late.locator('.carousel-next').count(), 1, 'and its arrows')
  await member.context.close()
})
