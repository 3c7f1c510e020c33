// In a real browser with Chromium's virtual authenticator (CDP WebAuthn domain: a resident, user-verifying "internal"
// authenticator): a member adds a passkey from Settings → Security, logs out, and signs in with it from the login page.
// /static/passkeys.js does the browser's half; the server's half is @simplewebauthn/server, unmocked.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, logOutButton, startTestServer, watchProblems } from './browser.js'

test('adds a passkey in settings, logs out and signs in with it', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  // WebAuthn wants a domain for its RP ID (never an IP address): the same server, as localhost.
  const base = `http://localhost:${server.port}`
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1100, height: 900 } })
  context.setDefaultTimeout(20_000)
  t.after(() => context.close())
  const page = await context.newPage()
  const problems = await watchProblems(page)
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })

  await page.goto('/register')
  await page.getByLabel('Username').fill('ana')
  await page.getByLabel('Email').fill('ana@example.org')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Create account' }).click()])

  await page.goto('/settings/security')
  await page.getByText('Add a passkey', { exact: true }).first().click()
  await page.getByLabel('Name').fill('Work laptop')
  await page.locator('#pk-add-password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Add a passkey' }).click()
  await page.locator('[data-passkeys]').getByText('Work laptop').waitFor()
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
  assert.equal(credentials.length, 1)
  assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable passkey')
  assert.equal(credentials[0]!.rpId, 'localhost')

  await (await logOutButton(page)).click()
  await page.waitForURL((u) => u.pathname === '/')
  await page.goto('/login')
  const button = page.getByRole('button', { name: 'Sign in with a passkey' })
  // The username field's passkey autofill may already have signed in where the browser offers it; else the button does.
  await Promise.race([page.waitForURL((u) => u.pathname === '/'), button.click().catch(() => undefined)])
  await page.waitForURL((u) => u.pathname === '/')
  await page.getByText('Welcome back, @ana.').waitFor()
  const ana = (await server.hearth.users.find('ana'))!
  const row = server.hearth.store.sqlite.prepare('select last_used_at, counter from passkeys where user_id = ?').get(ana.id) as { last_used_at: string | null; counter: number }
  assert.ok(row.last_used_at, 'the sign-in used the passkey')
  assert.deepEqual(problems.list, [])
})
