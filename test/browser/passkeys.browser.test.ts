// In a real browser with Chromium's virtual authenticator (CDP WebAuthn domain: a resident, user-verifying "internal"
// authenticator): a member adds a passkey from Settings → Security, logs out, and signs in with it from the login page;
// with two-factor on, the code step after the password takes the passkey as the second factor.
// /static/passkeys.js does the browser's half; the server's half is @simplewebauthn/server, unmocked.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { addPasskey, PLATFORM_AUTHENTICATOR, virtualAuthenticator } from './account-steps.js'
import { browserOrSkip, fillLogIn, logOutButton, registerInBrowser, startTestServer } from './browser.js'
import { currentTotpCode } from '../../core/auth/two-factor.js'

test('adds a passkey in settings, signs in with it from the login page’s autofill, and uses it as the code step’s second factor', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  // WebAuthn wants a domain for its RP ID (never an IP address): the same server, as localhost.
  const { context, page, problems } = await registerInBrowser(browser, server, 'ana', { baseURL: `http://localhost:${server.port}`, viewport: { width: 1100, height: 900 } })
  t.after(() => context.close())
  const { cdp, authenticatorId } = await virtualAuthenticator(context, page)

  await addPasskey(page, 'Work laptop')
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
  assert.equal(credentials.length, 1)
  assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable passkey')
  assert.equal(credentials[0]!.rpId, 'localhost')

  // Logged out, the login page's username autofill (conditional UI) offers the passkey; the virtual authenticator
  // picks it at once, and the member is in without typing anything.
  const logOut = async () => {
    await (await logOutButton(page)).click()
    await page.getByText('You are logged out.').waitFor()
  }
  await logOut()
  await page.goto('/login')
  await page.waitForURL((u) => u.pathname === '/')
  await page.getByText('Welcome back, @ana.').waitFor()

  // With two-factor on, the code step after the password offers "Use a passkey instead": the passkey is the second
  // factor. (The authenticator is away while the password is typed, or the autofill would sign in first.)
  const row = (await server.hearth.users.findRow('ana'))!
  const { secret } = await server.hearth.auth.beginTwoFactor(row.id)
  await server.hearth.auth.confirmTwoFactor(row.id, { code: currentTotpCode(secret), password: PASSWORD })
  // Read again: its signature counter moved with the sign-in, and the server refuses one that goes back.
  const [now] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId })
  await logOut()
  await Promise.all([page.waitForURL((u) => u.pathname === '/login/2fa'), fillLogIn(page, 'ana')])
  const back = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: PLATFORM_AUTHENTICATOR })
  await cdp.send('WebAuthn.addCredential', { authenticatorId: back.authenticatorId, credential: now! })
  await page.getByRole('button', { name: 'Use a passkey instead' }).click()
  await page.waitForURL((u) => u.pathname === '/')
  await page.getByText('Welcome back, @ana.').waitFor()
  const used = server.hearth.store.sqlite.prepare('select last_used_at, counter from passkeys where user_id = ?').get(row.id) as { last_used_at: string | null; counter: number }
  assert.ok(used.last_used_at, 'the sign-ins used the passkey')
  assert.ok(used.counter >= 3, `its counter moved with each use (${used.counter})`)
  assert.deepEqual(problems.list, [])
})
