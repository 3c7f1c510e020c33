// Reaching members in a real browser: sign up accepting the terms (the checkbox), go through onboarding without
// JavaScript's help, see an announcement's banner and the rules' reminder, accept changed terms on the next visit;
// and the console's new sections. Every page passes axe-core (no serious or critical violation) at phone size
// in light and at desktop size in dark.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { PASSWORD } from '../harness.js'
import { reachServices } from '../../core/announcements/module.js'
import { createOnboardingService } from '../../core/onboarding/service.js'
import { axeViolations, browserOrSkip, logInInBrowser, startTestServer, watchProblems, type TestServer } from './browser.js'

const SIZES = [
  { label: 'phone', viewport: { width: 390, height: 844 }, colorScheme: 'light' as const },
  { label: 'desktop dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
]

async function axeAt(browser: Browser, server: TestServer, username: string, paths: string[], found: string[]) {
  for (const size of SIZES) {
    const { context, page, problems } = await logInInBrowser(browser, server, username, { viewport: size.viewport, colorScheme: size.colorScheme })
    for (const path of paths) {
      const res = await page.goto(path)
      assert.equal(res?.status(), 200, `${path} answers 200`)
      assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, path, `${path} is not redirected`)
      found.push(...(await axeViolations(page, `${path} (${size.label})`)).serious)
    }
    assert.deepEqual(problems.list, [], `${size.label}: no console errors`)
    await context.close()
  }
}

const check = (page: Page, name: string) => axeViolations(page, name).then((r) => r.serious)

test('sign-up with the terms, onboarding, banner, rules reminder, accepting changed terms, and the console pass axe', { timeout: 240_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  const admin = await h.users.create({ username: 'reach_admin', email: 'reach_admin@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
  const guide = await h.users.create({ username: 'guide', email: 'guide@example.org', password: PASSWORD }, { actorId: null })
  await h.posts.create(guide.id, { text: 'The ridge walk #hiking' })
  await h.legal.publish('terms', { body: '# Terms\nBe **fair**.' }, admin.id)
  await h.legal.publish('rules', { body: '- Be kind.\n- No spam.\n\nThe long version follows.' }, admin.id)
  await h.legal.accept(admin.id)
  await createOnboardingService(h).saveConfig({ interests: ['hiking'], accounts: ['guide'], welcome: 'Welcome to **Lakeside**.' }, admin.id)
  const found: string[] = []

  // Sign up: the checkbox is needed, then the welcome page leads in.
  const context = await browser.newContext({ baseURL: server.url, viewport: SIZES[0]!.viewport })
  context.setDefaultTimeout(20_000)
  const page = await context.newPage()
  const problems = await watchProblems(page)
  await page.goto('/register')
  found.push(...(await check(page, 'register with terms')))
  await page.getByLabel('Username').fill('newbie')
  await page.getByLabel('Email').fill('newbie@example.org')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByRole('checkbox', { name: /I have read and accept the terms of service and the community rules/ }).check()
  await Promise.all([page.waitForURL((u) => u.pathname === '/welcome'), page.getByRole('button', { name: 'Create account' }).click()])
  await page.locator('[data-welcome]').getByText('Lakeside').waitFor()
  found.push(...(await check(page, 'welcome: interests')))
  assert.equal(await page.getByRole('checkbox', { name: '#hiking' }).isChecked(), true)
  await Promise.all([page.waitForURL((u) => u.search === '?step=people'), page.getByRole('button', { name: 'Next: people to follow' }).click()])
  found.push(...(await check(page, 'welcome: people')))
  assert.equal(await page.getByRole('checkbox', { name: /guide/ }).isChecked(), true)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Follow and finish' }).click()])

  // An announcement's banner, dismissed from any page.
  const me = (await h.users.findRow('newbie'))!
  const { announcements } = reachServices(h)
  const a = await announcements.send({ title: 'Maintenance on Sunday', body: 'We move to a **new server**. [Details](/about)', channels: ['banner', 'notification'], audience: { kind: 'everyone' } }, admin.id, server.url)
  await announcements.runBatch(a.id)
  await page.goto('/')
  await page.getByRole('region', { name: 'Announcement' }).waitFor()
  found.push(...(await check(page, 'home with a banner')))
  await page.getByRole('button', { name: /Dismiss the announcement/ }).click()
  await page.waitForURL((u) => u.pathname === '/')
  assert.equal(await page.getByRole('region', { name: 'Announcement' }).count(), 0)

  // The rules' reminder before posting, dismissed for good.
  await page.goto('/compose')
  await page.getByRole('note', { name: 'Community rules' }).waitFor()
  found.push(...(await check(page, 'compose with the rules reminder')))
  await page.getByRole('button', { name: 'Got it, don’t show again' }).click()
  await page.waitForURL((u) => u.pathname === '/compose')
  assert.equal(await page.getByRole('note', { name: 'Community rules' }).count(), 0)

  // Changed terms: the next visit asks, and accepting leads back.
  await h.legal.publish('terms', { body: '# Terms\nBe **fair** and kind.', note: 'We added kindness.' }, admin.id)
  await page.goto('/explore')
  await page.waitForURL((u) => u.pathname === '/legal/accept')
  found.push(...(await check(page, 'accept changed terms')))
  await Promise.all([page.waitForURL((u) => u.pathname === '/explore'), page.getByRole('button', { name: 'I accept' }).click()])
  assert.deepEqual(problems.list, [], 'no console errors')
  await context.close()
  assert.ok((await h.legal.acceptedBy(me.id)).some((r) => r.kind === 'terms' && r.version === 2))

  await axeAt(browser, server, 'newbie', ['/terms', '/rules', `/announcements/${a.id}`], found)
  await h.legal.accept(admin.id)
  await axeAt(browser, server, 'reach_admin', ['/admin/announcements', '/admin/reengagement', '/admin/legal', '/admin/onboarding'], found)
  assert.deepEqual(found, [], `axe-core found serious or critical violations:\n${found.join('\n')}`)
})
