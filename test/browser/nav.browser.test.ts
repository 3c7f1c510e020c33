// In a real browser at phone (390x844) and desktop (1280x800) sizes: the tab bar or the sidebar, Profile going
// to the member's own page, "More" opened with the keyboard, and nothing wider than the screen for an admin with
// every plugin on.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, resultPath, startTestServer, logInInBrowser, type TestServer } from './browser.js'

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 800 }

const logIn = (browser: Browser, server: TestServer, username: string, viewport: { width: number; height: number }) => logInInBrowser(browser, server, username, { viewport })

/** How far the page is wider than its viewport (0 when nothing scrolls sideways). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

/** The box of the main navigation's first list, and whether it is visible. */
const box = (page: Page, selector: string) => page.locator(selector).boundingBox()

test('the layout: a tab bar on a phone, a sidebar on a desktop, More by keyboard, never wider than the screen', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['groups', 'hello', 'random-chat', 'stories'] })
  t.after(() => server.close())
  await server.hearth.users.create({ username: 'nav_admin', email: 'nav_admin@example.org', password: PASSWORD }, { role: 'admin', actorId: null })

  await t.test('on a phone the five entries sit in a bar at the bottom and Profile opens the own profile', async () => {
    const { context, page, problems } = await logIn(browser, server, 'nav_admin', PHONE)
    const bar = (await box(page, '.nav-primary'))!
    assert.ok(bar, 'the tab bar is drawn')
    assert.ok(Math.abs(bar.y + bar.height - PHONE.height) < 2, `the tab bar sits at the bottom (y ${bar.y}, h ${bar.height})`)
    assert.equal(bar.width, PHONE.width)
    assert.equal(await page.locator('.nav-primary a').count(), 5)
    for (const a of await page.locator('.nav-primary a').all()) {
      const b = (await a.boundingBox())!
      assert.ok(b.x >= 0 && b.x + b.width <= PHONE.width + 0.5, 'each tab is on screen')
      assert.ok(b.height >= 44, 'each tab is a comfortable touch target')
    }
    assert.equal(await overflow(page), 0, 'the home page does not scroll sideways')
    for (const path of ['/explore', '/settings/account', '/admin', '/groups', '/notifications']) {
      await page.goto(path)
      assert.equal(await overflow(page), 0, `${path} does not scroll sideways`)
    }

    await page.getByRole('link', { name: 'Profile' }).click()
    await page.waitForURL((u) => u.pathname === '/u/nav_admin')
    assert.equal(await page.locator('a[data-nav="profile"]').getAttribute('aria-current'), 'page')

    // Every entry is reachable: what is not in the bar is in More, which opens from the top bar.
    await page.locator('.nav-more summary').click()
    for (const id of ['search', 'saved', 'settings', 'moderation', 'admin', 'groups', 'hello', 'meet', 'stories']) {
      const link = page.locator(`.nav-more a[data-nav="${id}"]`)
      assert.ok(await link.isVisible(), `${id} is visible in More`)
      const b = (await link.boundingBox())!
      assert.ok(b.x >= 0 && b.x + b.width <= PHONE.width + 0.5, `${id} is on screen`)
    }
    assert.equal(await overflow(page), 0, 'the open More menu does not scroll sideways')
    await page.screenshot({ path: resultPath('nav-phone-more.png') })
    assert.deepEqual(problems.list, [])
    await context.close()
  })

  await t.test('on a desktop the entries sit in a sidebar, and More opens with the keyboard', async () => {
    const { context, page, problems } = await logIn(browser, server, 'nav_admin', DESKTOP)
    const side = (await box(page, '.site-nav'))!
    assert.equal(side.x, 0)
    assert.ok(side.height >= DESKTOP.height - 1 && side.width < 300, `a full-height sidebar on the left (${JSON.stringify(side)})`)
    assert.ok(await page.locator('.nav-primary .nav-label', { hasText: 'Home' }).isVisible(), 'the sidebar shows labels')
    assert.equal(await overflow(page), 0)

    const more = page.locator('.nav-more')
    assert.equal(await more.getAttribute('open'), null)
    await page.locator('.nav-more summary').focus()
    const ring = await page.locator('.nav-more summary').evaluate((el) => getComputedStyle(el).outlineStyle)
    assert.notEqual(ring, 'none', 'the focused summary shows a focus ring')
    await page.keyboard.press('Enter')
    assert.notEqual(await more.getAttribute('open'), null, 'Enter opens More')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-nav')), 'search', 'Tab goes into the menu')
    await Promise.all([page.waitForURL((u) => u.pathname === '/search'), page.keyboard.press('Enter')])
    await page.screenshot({ path: resultPath('nav-desktop.png') })
    assert.deepEqual(problems.list, [])
    await context.close()
  })

  await t.test('a guest on a phone gets Home, Explore, Log in and Join, in dark mode too', async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: PHONE, colorScheme: 'dark' })
    const page = await context.newPage()
    await page.goto('/')
    assert.deepEqual(await page.locator('.nav-primary a').evaluateAll((as) => as.map((a) => a.getAttribute('data-nav'))), ['home', 'explore', 'login', 'register'])
    assert.equal(await overflow(page), 0)
    const colours = await page.locator('.nav-primary').evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el.querySelector('a')!).color])
    assert.deepEqual(colours, ['rgb(34, 30, 25)', 'rgb(243, 237, 230)'], 'the tab bar takes the dark surface and text colours')
    await page.screenshot({ path: resultPath('nav-phone-guest-dark.png') })
    await context.close()
  })
})
