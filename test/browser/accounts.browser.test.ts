// Accounts in a real browser (Debian's Chromium through playwright-core) against a real Hearth server:
// join, log out, log in again; turn on two-factor and log in with a code; an admin logs in; a too-short password;
// the home page on a 375 px phone; no console errors or CSP violations.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { currentTotpCode } from '../../core/auth/two-factor.js'
import { PASSWORD } from '../harness.js'
import { turnOnTwoFactor } from './account-steps.js'
import { browserOrSkip, fillLogIn, logOutButton, navLink, resultPath, startTestServer, watchProblems, type PageProblems, type TestServer } from './browser.js'

const PHONE = { width: 375, height: 812 }

async function openPage(browser: Browser, server: TestServer, viewport = PHONE): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ baseURL: server.url, viewport, deviceScaleFactor: 2 })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const problems = await watchProblems(page)
  return { context, page, problems }
}

/** Every console error, page error or CSP violation seen (a missing site icon included: the layout declares one). */
const unexpected = (problems: PageProblems) => problems.list

const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' })
const path = (page: Page) => new URL(page.url()).pathname

test('accounts in a real browser', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['hello'] })
  t.after(() => server.close())

  await t.test('a visitor joins, logs out and logs in again', async () => {
    const { context, page, problems } = await openPage(browser, server)
    try {
      const username = 'ana_browser'

      // A new visitor on the home page sees the guest view with a Join link.
      await page.goto('/')
      await page.getByRole('heading', { level: 1 }).waitFor()
      assert.equal(await page.locator('form[action="/logout"]').count(), 0, 'a visitor has no Log out button')
      await mainNav(page).getByRole('link', { name: 'Join', exact: true }).click()
      await page.waitForURL((u) => u.pathname === '/register')
      await page.getByRole('heading', { name: 'Create your account' }).waitFor()

      // Fill the register form and submit it.
      await page.getByLabel('Username').fill(username)
      await page.getByLabel('Email').fill(`${username}@example.org`)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Create account' }).click()])

      // Logged in on the home page.
      await page.getByRole('heading', { level: 1, name: `Welcome home, ${username}` }).waitFor()
      await page.getByRole('status').filter({ hasText: `Welcome, @${username}!` }).waitFor()
      await (await logOutButton(page)).waitFor()
      await (await navLink(page, 'Settings')).waitFor()
      assert.equal(await mainNav(page).getByRole('link', { name: 'Join', exact: true }).count(), 0, 'a member is not offered Join')

      // Log out: back home as a guest.
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), (await logOutButton(page)).click()])
      await page.getByRole('status').filter({ hasText: 'You are logged out.' }).waitFor()
      assert.equal(await page.locator('form[action="/logout"]').count(), 0, 'no Log out button after logging out')
      assert.equal(await mainNav(page).locator('a[data-nav="settings"]').count(), 0, 'no Settings after logging out')

      // Log in again with the username through /login.
      await mainNav(page).getByRole('link', { name: 'Log in', exact: true }).click()
      await page.waitForURL((u) => u.pathname === '/login')
      await page.getByLabel('Username or email').fill(username)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Log in', exact: true }).click()])
      await page.getByRole('heading', { level: 1, name: `Welcome home, ${username}` }).waitFor()
      await page.getByRole('status').filter({ hasText: `Welcome back, @${username}.` }).waitFor()
      await (await logOutButton(page)).waitFor()
      await (await navLink(page, 'Settings')).waitFor()

      // The logged-in home page on a phone: a screenshot, and nothing wider than the screen.
      await page.waitForLoadState('load')
      await page.screenshot({ path: resultPath('home-375.png') })
      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
      assert.ok(widths.scroll <= PHONE.width, `the home page overflows a ${PHONE.width} px screen: scrollWidth ${widths.scroll}`)

      // Give the page script's realtime socket a moment, so a failure there would be reported too.
      await page.waitForTimeout(500)
      assert.deepEqual(unexpected(problems), [], 'console errors, page errors or CSP violations')
      assert.equal(path(page), '/')
    } finally {
      await context.close()
    }
  })

  await t.test('a member turns on two-factor, logs in with a code; an admin reaches the admin pages', async () => {
    const { context, page, problems } = await openPage(browser, server)
    try {
      const username = 'tfa_browser'
      await page.goto('/register')
      await page.getByLabel('Username').fill(username)
      await page.getByLabel('Email').fill(`${username}@example.org`)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Create account' }).click()])

      // Settings → Security → set up: a QR code and the key; confirm with the app's code.
      await (await navLink(page, 'Settings')).click()
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
      await page.waitForURL((u) => u.pathname === '/settings/security')
      const { secret, recoveryCodes } = await turnOnTwoFactor(page)
      assert.equal(recoveryCodes.length, 10)
      await page.getByText(/You have 10 unused recovery codes/).waitFor()

      // Log out, log in: the password alone is not enough; the code finishes it.
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), (await logOutButton(page)).click()])
      await Promise.all([page.waitForURL((u) => u.pathname === '/login/2fa'), fillLogIn(page, username)])
      await page.getByLabel('Code', { exact: true }).fill(currentTotpCode(secret, Date.now() + 30_000))
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Verify' }).click()])
      await page.getByRole('heading', { level: 1, name: `Welcome home, ${username}` }).waitFor()
      assert.equal(await mainNav(page).locator('a[data-nav="admin"]').count(), 0, 'members see no Admin link')
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), (await logOutButton(page)).click()])
      // The member was on / already: wait for the guest's page the logout lands on, not just the address.
      await page.getByRole('link', { name: 'Log in' }).first().waitFor()

      // An admin logs in and opens the admin pages from the navigation.
      await server.hearth.users.create({ username: 'site_admin', email: 'site_admin@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), fillLogIn(page, 'site_admin')])
      await (await navLink(page, 'Admin')).click()
      await page.waitForURL((u) => u.pathname === '/admin')
      await page.getByText(/members ·/).waitFor()
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Members' }).click()
      await page.getByText('@tfa_browser').waitFor()
      assert.deepEqual(unexpected(problems), [], 'console errors, page errors or CSP violations')
    } finally {
      await context.close()
    }
  })

  await t.test('htmx swaps part of a page under the strict CSP (the example plugin’s wave board)', async () => {
    const { context, page, problems } = await openPage(browser, server)
    try {
      await page.goto('/register')
      await page.getByLabel('Username').fill('htmx_waver')
      await page.getByLabel('Email').fill('htmx_waver@example.org')
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Create account' }).click()])
      await (await navLink(page, 'Hello')).click()
      await page.waitForURL((u) => u.pathname === '/hello')
      await page.waitForFunction(() => 'htmx' in window, undefined, { timeout: 5000 })
      // A marker on window survives an htmx swap but not a page load.
      await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true))
      await page.getByLabel('Message').fill('swapped in place')
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/hello/waves'),
        page.getByRole('button', { name: 'Wave' }).click(),
      ])
      assert.equal(response.request().headers()['hx-request'], 'true', 'htmx sent the request')
      await page.locator('[data-waves] li', { hasText: 'swapped in place' }).waitFor()
      assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, 'no page load happened')
      assert.equal(await page.getByLabel('Message').inputValue(), '', 'the swapped-in form is empty')
      assert.deepEqual(unexpected(problems), [], 'console errors, page errors or CSP violations')
    } finally {
      await context.close()
    }
  })

  await t.test('the guest home page fits a phone screen too', async () => {
    const { context, page, problems } = await openPage(browser, server)
    try {
      await page.goto('/')
      await page.getByRole('link', { name: 'Join', exact: true }).first().waitFor()
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(scroll <= PHONE.width, `the guest home page overflows a ${PHONE.width} px screen: scrollWidth ${scroll}`)
      assert.deepEqual(unexpected(problems), [], 'console errors, page errors or CSP violations')
    } finally {
      await context.close()
    }
  })

  await t.test('a too-short password is explained next to the field and the username is kept', async () => {
    const { context, page, problems } = await openPage(browser, server)
    try {
      const username = 'short_pw_user'
      await page.goto('/register')
      await page.getByLabel('Username').fill(username)
      await page.getByLabel('Email').fill(`${username}@example.org`)
      await page.getByLabel('Password', { exact: true }).fill('short')
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/register'),
        page.getByRole('button', { name: 'Create account' }).click(),
      ])
      assert.equal(response.status(), 400)
      await page.waitForLoadState('load')
      assert.equal(path(page), '/register', 'stays on the register form')

      // The message sits in the password field's own block, is tied to the input, and is readable.
      const password = page.getByLabel('Password', { exact: true })
      const error = page.locator('.field:has(#f-password) .error')
      await error.waitFor()
      assert.equal((await error.textContent())?.trim(), 'Use at least 10 characters for your password.')
      assert.ok(await error.isVisible(), 'the error is visible')
      assert.equal(await password.getAttribute('aria-invalid'), 'true')
      const describedBy = (await password.getAttribute('aria-describedby')) ?? ''
      assert.ok(describedBy.split(' ').includes((await error.getAttribute('id')) ?? '(no id)'), 'the error is announced with the password field')
      assert.equal(await password.inputValue(), '', 'the password is not sent back into the page')

      // What was typed elsewhere is kept; no other field is marked wrong; the message is not repeated above the form.
      assert.equal(await page.getByLabel('Username').inputValue(), username)
      assert.equal(await page.getByLabel('Email').inputValue(), `${username}@example.org`)
      assert.equal(await page.locator('.field-invalid').count(), 1, 'only the password field is marked invalid')
      assert.equal(await page.locator('main .alert-error').count(), 0, 'the message is not duplicated at the top')

      // Nobody was logged in.
      assert.equal(await page.locator('form[action="/logout"]').count(), 0)

      // A 400 page load is logged by Chromium as a failed resource; that line is expected, anything else is not.
      const others = unexpected(problems).filter((p) => !/Failed to load resource: the server responded with a status of 400/.test(p))
      assert.deepEqual(others, [], 'console errors, page errors or CSP violations')
    } finally {
      await context.close()
    }
  })

  await t.test('the site icon the browser asks for exists (no 404 in the console)', async () => {
    const { context, page } = await openPage(browser, server)
    try {
      await page.goto('/')
      // A browser asks for the icon the page declares, or else for /favicon.ico; either must load.
      const declared = await page.evaluate(() => (document.querySelector('link[rel~="icon"]') as HTMLLinkElement | null)?.href ?? null)
      const href = declared ?? new URL('/favicon.ico', server.url).href
      if (href.startsWith('data:')) return
      const res = await context.request.get(href)
      assert.equal(res.status(), 200, `${declared ? 'the declared icon' : 'no icon is declared, and /favicon.ico'} answers ${res.status()}: every page view logs "Failed to load resource: 404" in the console`)
      assert.match(res.headers()['content-type'] ?? '', /^image\//)
    } finally {
      await context.close()
    }
  })
})
