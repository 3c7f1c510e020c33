// Member data rights in a real browser (Chromium through playwright-core) against a real Hearth server, from issue 19's
// "Done means" as far as these parts go: two-factor turned on with the code the set-up page's key gives and used at the
// next sign-in, the data export made, downloaded and read, the account deleted and gone after the grace period (time
// moved forward, not waited); and issue 18's "view as": the banner on every page, writes refused, ended by its button.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser } from 'playwright-core'
import { currentTotpCode } from '../../core/auth/two-factor.js'
import { PASSWORD } from '../harness.js'
import { zipJson } from '../zip-reader.js'
import { deleteMyAccount, downloadMyData, passDeletionGracePeriod, turnOnTwoFactor } from './account-steps.js'
import { axeViolations, browserOrSkip, fillLogIn, logOutButton, startTestServer, watchProblems, type TestServer } from './browser.js'

async function open(browser: Browser, server: TestServer) {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  return { context, page, problems: await watchProblems(page) }
}

test('member data rights in a real browser', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth

  await t.test('two-factor with the code shown at set-up, export, download, delete, gone after the grace period', async () => {
    const { context, page, problems } = await open(browser, server)
    try {
      const username = 'dora_browser'
      const dora = await h.users.create({ username, email: `${username}@example.org`, password: PASSWORD })
      await h.posts.create(dora.id, { text: 'dora wrote this before leaving' })

      await Promise.all([page.waitForURL((u) => u.pathname === '/'), fillLogIn(page, username)])
      // The code an app shows for the key on the page now: accepted at set-up, and again at the sign-in that follows.
      const { secret } = await turnOnTwoFactor(page)
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), (await logOutButton(page)).click()])
      await Promise.all([page.waitForURL((u) => u.pathname === '/login/2fa'), fillLogIn(page, username)])
      await page.getByLabel('Code', { exact: true }).fill(currentTotpCode(secret))
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Verify' }).click()])

      // Settings → Your data: ask, wait for the job, download the zip and read it.
      const { name, entries } = await downloadMyData(page, h)
      assert.deepEqual((await axeViolations(page, 'settings/data')).serious, [], 'no serious accessibility problems on Your data')
      assert.match(name, /^dora_browser-data-\d{4}-\d{2}-\d{2}\.zip$/)
      assert.equal(zipJson(entries, 'profile.json').username, username)
      assert.deepEqual(zipJson(entries, 'posts.json').map((p: { text: string }) => p.text), ['dora wrote this before leaving'])
      await page.goto('/notifications')
      await page.getByText('The copy of your data you asked for is ready to download').waitFor()

      // Delete: told when, signed out; after the grace period, gone.
      await deleteMyAccount(page)
      assert.equal(await passDeletionGracePeriod(h), 1)
      await fillLogIn(page, username)
      await page.getByText('That username or email and password do not match.').waitFor()
      assert.equal((await page.goto(`/u/${username}`))!.status(), 404)
      assert.deepEqual(problems.list.filter((p) => !/status of 40[14]/.test(p)), [], 'console errors, page errors or CSP violations')
    } finally {
      await context.close()
    }
  })

  await t.test('staff view the site as a member: a banner on every page, writes refused, ended by its button', async () => {
    const { context, page, problems } = await open(browser, server)
    try {
      const eli = await h.users.create({ username: 'eli_browser', email: 'eli_browser@example.org', password: PASSWORD })
      await h.posts.create(eli.id, { text: 'eli note to self', visibility: 'only_me' })
      await h.users.create({ username: 'boss_browser', email: 'boss_browser@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), fillLogIn(page, 'boss_browser')])
      await page.goto(`/admin/users/${eli.id}`)
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'View as this member (read-only)' }).click()])
      const banner = page.locator('[data-view-as="eli_browser"]')
      await banner.waitFor()
      assert.deepEqual((await axeViolations(page, 'view as')).serious, [], 'the banner keeps the page accessible')
      await page.goto('/u/eli_browser')
      await banner.waitFor()
      await page.getByText('eli note to self').waitFor()
      await page.goto('/settings/data')
      await page.getByRole('button', { name: 'Export my data' }).click()
      await page.getByText(/nothing can be changed/).waitFor()
      await banner.waitFor()
      await Promise.all([page.waitForURL((u) => u.pathname === `/admin/users/${eli.id}`), banner.getByRole('button', { name: 'End view as' }).click()])
      assert.equal(await page.locator('[data-view-as]').count(), 0)
      const audit = h.store.sqlite.prepare("select action from audit_log where action like 'user.view-as.%' order by id").all() as { action: string }[]
      assert.deepEqual(audit.map((a) => a.action), ['user.view-as.start', 'user.view-as.end'])
      // The export refused is the one error a page may log (its 403); no socket is tried in the member's name.
      assert.deepEqual(problems.list.filter((p) => !/status of 403 .*settings\/data\/export/.test(p)), [], 'console errors, page errors or CSP violations')
    } finally {
      await context.close()
    }
  })
})
