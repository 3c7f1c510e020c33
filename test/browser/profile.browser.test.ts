// In a real browser at phone (390x844) and desktop (1280x800) sizes: a profile's tabs as links (Posts, Videos,
// Tagged, Saved on one's own), the three-column grid (three tiles a row at both sizes), and Explore's mosaic with
// "People you may know" on top and a follow from it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, resultPath, startTestServer, logInInBrowser, type TestServer } from './browser.js'

const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } }

const logIn = (browser: Browser, server: TestServer, username: string, viewport: { width: number; height: number }) => logInInBrowser(browser, server, username, { viewport })

/** The tiles' boxes of the grid on the page, in order. */
const tileBoxes = (page: Page, grid = '[data-grid]') =>
  page.locator(`${grid} [data-tile]`).evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect()
    return { x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height), big: e.classList.contains('tile-big') }
  }))
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

test('profile tabs, the three-column grid, and Explore’s mosaic with suggestions, on a phone and a desktop', { timeout: 240_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['stories'] })
  t.after(() => server.close())
  const h = server.hearth
  await h.settings.set('limits.posts_per_hour', 100)
  const make = async (username: string) => (await h.users.create({ username, email: `${username}@example.org`, password: PASSWORD }, { role: 'member', actorId: null })).id
  const owner = await make('grid_owner')
  const fan = await make('grid_fan')
  // Seven posts (one with a video), and one of the fan's that mentions the owner.
  const { id: clip } = await h.db
    .insertInto('media')
    .values({ owner_id: owner, kind: 'video', status: 'ready', mime: 'video/mp4', size_bytes: 1, width: 320, height: 240, duration_ms: 1000, variants: '{}', error: null, updated_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  const videoPost = (await h.posts.create(owner, { text: 'a clip', media_ids: [clip] })).id
  for (let i = 0; i < 6; i++) await h.posts.create(owner, { text: `square ${i}` })
  const tagged = (await h.posts.create(fan, { text: 'with @grid_owner today' })).id
  for (let i = 0; i < 14; i++) await h.posts.create(fan, { text: `explore me ${i}` })
  await h.engagement.bookmark(owner, tagged, true)
  await h.social.follow(fan, 'grid_owner')

  for (const [size, viewport] of Object.entries(SIZES)) {
    await t.test(`${size}: the tabs are links, the grid has three tiles a row, Saved is one’s own`, async () => {
      const { context, page, problems } = await logIn(browser, server, 'grid_owner', viewport)
      await page.goto('/u/grid_owner')
      const boxes = await tileBoxes(page)
      assert.equal(boxes.length, 7)
      const row = boxes.filter((b) => b.y === boxes[0]!.y)
      assert.equal(row.length, 3, `three tiles in the first row (${JSON.stringify(boxes)})`)
      assert.ok(boxes[3]!.y > boxes[0]!.y && boxes[3]!.x === boxes[0]!.x, 'the fourth starts the next row')
      for (const b of row) assert.ok(Math.abs(b.w - b.h) <= 1 && Math.abs(b.w - row[0]!.w) <= 1, 'square tiles of one size')
      const grid = (await page.locator('[data-grid]').boundingBox())!
      assert.ok(row[2]!.x + row[2]!.w <= grid.x + grid.width + 1 && 3 * row[0]!.w > grid.width - 12, 'the three fill the width')
      assert.equal(await overflow(page), 0, 'nothing scrolls sideways')
      await page.screenshot({ path: resultPath(`profile-${size}.png`) })

      const tab = (name: string) => page.locator('nav[aria-label="Profile sections"] a', { hasText: name })
      await Promise.all([page.waitForURL((u) => u.pathname === '/u/grid_owner/videos'), tab('Videos').click()])
      await page.locator(`[data-tile="${videoPost}"]`).waitFor()
      assert.equal(await page.locator('[data-tile]').count(), 1)
      assert.equal(await tab('Videos').getAttribute('aria-current'), 'page')
      await Promise.all([page.waitForURL((u) => u.pathname === '/u/grid_owner/tagged'), tab('Tagged').click()])
      await page.locator(`[data-tile="${tagged}"]`).waitFor()
      await Promise.all([page.waitForURL((u) => u.pathname === '/u/grid_owner/saved'), tab('Saved').click()])
      await page.locator(`[data-tile="${tagged}"]`).waitFor()
      assert.equal(await tab('Saved').getAttribute('aria-current'), 'page')
      // The keyboard reaches the tabs, and Enter follows one.
      await tab('Posts').focus()
      await Promise.all([page.waitForURL((u) => u.pathname === '/u/grid_owner'), page.keyboard.press('Enter')])
      await page.locator('[data-tile]').nth(6).waitFor()
      assert.deepEqual(problems.list, [])
      await context.close()
    })

    await t.test(`${size}: Explore is a mosaic under People you may know, and a follow from the row sticks`, async () => {
      // A new member who follows the fan: the owner (whom the fan follows) is suggested.
      const viewer = `explorer_${size}`
      await h.social.follow(await make(viewer), 'grid_fan')
      const { context, page, problems } = await logIn(browser, server, viewer, viewport)
      await page.goto('/explore')
      // Made after the page on a first visit: htmx loads the row.
      const card = page.locator('[data-suggestions-row] [data-suggestion="grid_owner"]')
      await card.waitFor()
      const rowBox = (await page.locator('[data-suggestions-row]').boundingBox())!
      const gridBox = (await page.locator('[data-mosaic]').boundingBox())!
      assert.ok(rowBox.y + rowBox.height <= gridBox.y, 'the row is above the mosaic')

      const boxes = await tileBoxes(page, '[data-mosaic]')
      assert.ok(boxes.length >= 20, `tiles: ${boxes.length}`)
      const small = boxes.find((b) => !b.big)!
      const big = boxes.find((b) => b.big)!
      assert.ok(Math.abs(big.w - big.h) <= 1 && big.w > 1.9 * small.w, `a 2×2 tile (${JSON.stringify({ big, small })})`)
      assert.equal(new Set(boxes.filter((b) => !b.big).map((b) => b.x)).size, 3, 'three columns')
      assert.equal(await overflow(page), 0, 'nothing scrolls sideways')
      await page.screenshot({ path: resultPath(`explore-${size}.png`) })

      await Promise.all([page.waitForURL((u) => u.pathname === '/explore'), card.getByRole('button', { name: 'Follow' }).click()])
      await page.locator('[data-mosaic]').waitFor()
      assert.equal(await page.locator('[data-suggestion="grid_owner"]').count(), 0, 'no longer suggested')
      await page.goto('/u/grid_owner')
      await page.locator('[data-follow-state="following"]').waitFor()
      assert.deepEqual(problems.list, [])
      await context.close()
    })
  }
})
