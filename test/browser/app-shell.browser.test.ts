// In a real browser at phone (390x844) and desktop (1280x800) sizes: the service worker installs and shows the
// offline page when the network is gone, keeps nothing of a member and empties its caches at logout; dark mode
// follows the device and, chosen in Settings → Appearance, applies at once and on every later page.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, logOutButton, resultPath, startTestServer, watchProblems, type TestServer } from './browser.js'

const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } }
/** The default theme's page background, light and dark (themes/default/styles/main.css). */
const LIGHT_BG = 'rgb(250, 247, 242)'
const DARK_BG = 'rgb(22, 19, 15)'

async function open(browser: Browser, server: TestServer, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ baseURL: server.url, viewport })
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  const problems = await watchProblems(page)
  return { context, page, problems }
}

async function logIn(page: Page, username: string) {
  await page.goto('/login')
  await page.getByLabel('Username or email').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Log in', exact: true }).click()])
}

/**
 * Wait until the service worker is activated (its install kept the whole shell first), controls the page, and the
 * offline page is in its cache. (A cache being filled can answer `match` before its entries are all written.)
 */
async function workerReady(page: Page) {
  await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.getRegistration('/')
    if (!reg?.active || reg.active.state !== 'activated' || reg.installing || reg.waiting || !navigator.serviceWorker.controller) return false
    for (const k of await caches.keys()) {
      const cache = await caches.open(k)
      if ((await cache.keys()).some((r) => new URL(r.url).pathname === '/offline')) return true
    }
    return false
  })
}

/**
 * Load `path` until the worker controls the loaded page from its start (as every visit after the first is). Chromium
 * hands navigations to a worker a moment after it is activated, and its offline emulation only reaches a worker
 * that serves navigations; each try is a real page load, checked, never a timed wait.
 */
async function pageThroughWorker(page: Page, path: string) {
  for (let tries = 0; ; tries++) {
    await page.goto(path)
    if (await page.evaluate(() => navigator.serviceWorker.controller !== null)) return
    if (tries === 50) throw new Error(`no load of ${path} came through the service worker`)
  }
}

/** Every URL kept in any cache of the page's origin. */
const cachedUrls = (page: Page) =>
  page.evaluate(async () => {
    const urls: string[] = []
    for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) urls.push(new URL(r.url).pathname)
    return urls.sort()
  })

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor)

test('the installable app and dark mode, on a phone and a desktop', { timeout: 240_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  for (const name of ['shell_phone', 'shell_desktop']) await server.hearth.users.create({ username: name, email: `${name}@example.org`, password: PASSWORD }, { actorId: null })

  for (const [size, viewport] of Object.entries(SIZES)) {
    await t.test(`${size}: the offline page is shown when the network is gone, once the worker is installed`, async () => {
      const { context, page, problems } = await open(browser, server, viewport)
      await page.goto('/')
      await workerReady(page)
      await pageThroughWorker(page, '/search')
      await context.setOffline(true)
      await page.goto('/explore')
      await page.getByRole('heading', { name: 'You are offline' }).waitFor()
      assert.equal(new URL(page.url()).pathname, '/explore', 'the address stays what was asked for')
      // The kept styles apply offline too.
      assert.match(await background(page), /^rgb/)
      assert.ok(await page.evaluate(() => [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].every((l) => l.sheet && l.sheet.cssRules.length > 0)), 'every stylesheet came from the kept shell')
      await page.screenshot({ path: resultPath(`offline-${size}.png`) })
      await context.setOffline(false)
      await page.getByRole('link', { name: 'Try again' }).click()
      await page.getByRole('heading', { name: 'Explore' }).waitFor()
      assert.deepEqual(problems.list.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p)), [])
      await context.close()
    })

    await t.test(`${size}: a member's pages are never kept, and logging out empties the caches`, async () => {
      const { context, page, problems } = await open(browser, server, viewport)
      const username = `shell_${size}`
      await logIn(page, username)
      await workerReady(page)
      await page.goto(`/u/${username}`)
      await page.goto('/settings/account')
      const kept = await cachedUrls(page)
      const shell = JSON.parse((await (await fetch(`${server.url}/sw.js`)).text()).match(/const PRECACHE = (\[.*\])/)![1]!) as string[]
      for (const url of kept) assert.ok(shell.includes(url), `only the shell is kept, not ${url}`)
      const offline = await page.evaluate(async () => (await (await caches.match('/offline'))!.text()))
      assert.doesNotMatch(offline, new RegExp(username), 'the kept offline page is a guest’s')
      // Something a cache might hold from this session: it must be gone after logout.
      await page.evaluate(async () => (await caches.open('hearth-session-marker')).put('/marker', new Response('x')))
      await (await logOutButton(page)).click()
      await page.waitForURL((u) => u.pathname === '/')
      await page.getByRole('link', { name: 'Log in' }).first().waitFor()
      await page.waitForFunction(async () => !(await caches.keys()).includes('hearth-session-marker'))
      // The shell comes back (a guest's), so the offline page still works after logout.
      await workerReady(page)
      assert.deepEqual(problems.list, [])
      await context.close()
    })

    await t.test(`${size}: dark mode follows the device, and the member's choice wins and persists`, async () => {
      const { context, page, problems } = await open(browser, server, viewport)
      await page.emulateMedia({ colorScheme: 'dark' })
      await page.goto('/')
      assert.equal(await background(page), DARK_BG, 'a guest on a dark device gets dark')
      await page.emulateMedia({ colorScheme: 'light' })
      await page.waitForFunction((bg) => getComputedStyle(document.body).backgroundColor === bg, LIGHT_BG)

      await logIn(page, `shell_${size}`)
      await page.goto('/settings/appearance')
      await page.getByLabel('Dark').check()
      await Promise.all([page.waitForURL((u) => u.pathname === '/settings/appearance'), page.getByRole('button', { name: 'Save' }).click()])
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
      assert.equal(await background(page), DARK_BG, 'dark on a light device, by choice')
      assert.ok(await page.getByLabel('Dark').isChecked())
      await page.screenshot({ path: resultPath(`dark-settings-${size}.png`) })
      for (const path of ['/', '/explore', `/u/shell_${size}`]) {
        await page.goto(path)
        assert.equal(await background(page), DARK_BG, `${path} stays dark`)
      }
      // A later visit (a new tab) is dark from its first paint: the server drew it so.
      const again = await context.newPage()
      await again.emulateMedia({ colorScheme: 'light' })
      await again.goto('/')
      assert.equal(await again.evaluate(() => document.documentElement.dataset.theme), 'dark')
      assert.equal(await background(again), DARK_BG)

      // Light chosen wins over a dark device.
      await page.goto('/settings/appearance')
      await page.getByLabel('Light').check()
      await Promise.all([page.waitForURL((u) => u.pathname === '/settings/appearance'), page.getByRole('button', { name: 'Save' }).click()])
      await page.emulateMedia({ colorScheme: 'dark' })
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'light')
      assert.equal(await background(page), LIGHT_BG)
      // Back to System: the device decides again.
      await page.getByLabel('System (follow this device)').check()
      await Promise.all([page.waitForURL((u) => u.pathname === '/settings/appearance'), page.getByRole('button', { name: 'Save' }).click()])
      await page.waitForFunction((bg) => document.documentElement.dataset.theme === undefined && getComputedStyle(document.body).backgroundColor === bg, DARK_BG)
      assert.deepEqual(problems.list, [])
      await context.close()
    })
  }
})
