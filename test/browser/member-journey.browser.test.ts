// Issue 19's whole journey, as one member in one real browser (Chromium through playwright-core) against a real Hearth
// that sends email to a real SMTP server started here (smtp-server; mails parsed with mailparser; nothing leaves this
// machine). The operator requires a confirmed address and a proof of work at sign-up. The member signs up (proof.js
// solves the challenge), is reminded on every page and cannot post until they use the link from the real email, forgets their password and resets it
// by the emailed link, turns on two-factor with the code the page's key gives, adds a passkey (Chromium's virtual
// authenticator) and signs in with it, exports their data, deletes the account, and after the grace period (time moved
// forward, not waited) is gone: no password, no passkey, no profile.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { currentTotpCode } from '../../core/auth/two-factor.js'
import { linkIn, recipient, startSmtp } from '../smtp.js'
import { zipJson } from '../zip-reader.js'
import { addPasskey, deleteMyAccount, downloadMyData, passDeletionGracePeriod, turnOnTwoFactor, virtualAuthenticator } from './account-steps.js'
import { browserOrSkip, checkA11y, fillLogIn, logOutButton, registerInBrowser, startTestServer } from './browser.js'

const NEW_PASSWORD = 'a whole new passphrase'

test('a member signs up with the proof of work and a confirmed address, resets the password by email, turns on two-factor, adds a passkey, exports, deletes and is gone', { timeout: 300_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const smtp = await startSmtp()
  t.after(() => smtp.close())
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  await h.settings.updateCore(
    {
      'mail.host': '127.0.0.1',
      'mail.port': smtp.port,
      'mail.security': 'none',
      'mail.from': 'hello@lakeside.test',
      'site.name': 'Lakeside',
      'registration.email_confirmation': 'required',
      'registration.proof_of_work': true,
      'registration.proof_of_work_cost': 20000,
    },
    null,
  )
  const username = 'journey_ana'
  const email = `${username}@example.org`
  const mailTo = (subject: RegExp, since?: number) => smtp.next((m) => recipient(m) === email && subject.test(m.subject ?? ''), { since })

  // Sign up at localhost (a passkey needs a domain), the form's proof of work solved by the page while she types.
  const { context, page, problems } = await registerInBrowser(browser, server, username, { baseURL: `http://localhost:${server.port}`, viewport: { width: 1100, height: 900 } })
  const ana = (await h.users.findRow(username))!
  assert.equal(ana.email_verified_at, null)

  // Unconfirmed, every page reminds her where the link went; she can read but not post, and the refusal says why.
  const reminder = page.getByRole('region', { name: 'Confirm your email address' })
  await reminder.getByText(`use the link we sent to ${email}`).waitFor()
  await reminder.getByText('Until then you can look around, but not post, comment or send messages.').waitFor()
  await checkA11y(page, 'home with the reminder to confirm the address')
  await page.goto('/compose')
  await page.getByLabel(/What’s new/).fill('Hello, Lakeside')
  await page.getByRole('button', { name: 'Post', exact: true }).click()
  await page.getByText(`Confirm your email address first: use the link we sent to ${email}`).first().waitFor()
  assert.equal(await h.db.selectFrom('posts').select('id').where('author_id', '=', ana.id).executeTakeFirst(), undefined, 'nothing was posted')

  // The link from the real email confirms the address; then the post goes through.
  const confirmation = await mailTo(/^Confirm your email address for Lakeside$/)
  await page.goto(linkIn(confirmation, '/email/confirm').url)
  await page.getByRole('heading', { name: 'Your address is confirmed' }).waitFor()
  await page.goto('/compose')
  assert.equal(await reminder.count(), 0, 'no reminder once confirmed')
  await page.getByLabel(/What’s new/).fill('Hello, Lakeside')
  await Promise.all([page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), page.getByRole('button', { name: 'Post', exact: true }).click()])

  // Logged out, she has forgotten her password: the login page's link, the form (its proof of work solved again), the
  // emailed link, a new password; then she logs in with it.
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), (await logOutButton(page)).click()])
  await page.goto('/login')
  await page.getByRole('link', { name: 'Forgot your password?' }).click()
  await page.getByLabel('Username or email').fill(email)
  const before = smtp.received.length
  const [asking] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/password/forgot'),
    page.getByRole('button', { name: 'Email me a link' }).click(),
  ])
  assert.ok(new URLSearchParams(asking.postData() ?? '').get('proof'), 'the form carried the proof the page found')
  await page.getByRole('heading', { name: 'Check your email' }).waitFor()
  const reset = await mailTo(/^Reset your password on Lakeside$/, before)
  await page.goto(linkIn(reset, '/password/reset').url)
  await page.getByLabel('New password').fill(NEW_PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.getByRole('button', { name: 'Save the new password' }).click()])
  await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor()
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), fillLogIn(page, username, NEW_PASSWORD)])
  await page.getByRole('status').filter({ hasText: `Welcome back, @${username}.` }).waitFor()

  // Two-factor with the code shown for the page's key, then a passkey (confirmed with her password and the code her
  // app shows now), which signs her in from the login page's autofill after logging out.
  const { secret } = await turnOnTwoFactor(page, NEW_PASSWORD)
  const { cdp, authenticatorId } = await virtualAuthenticator(context, page)
  await addPasskey(page, 'Ana’s laptop', { password: NEW_PASSWORD, code: currentTotpCode(secret) })
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), (await logOutButton(page)).click()])
  await page.getByRole('status').filter({ hasText: 'You are logged out.' }).waitFor()
  await page.goto('/login')
  await page.waitForURL((u) => u.pathname === '/')
  await page.getByRole('status').filter({ hasText: `Welcome back, @${username}.` }).waitFor()
  // From now on the authenticator waits for a person to pick the passkey, as a real one does: the login page's
  // autofill must not sign her in (and so cancel the deletion) by itself.
  await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false })

  // Her data: the zip has her profile, her post, her two-factor and her passkey.
  const data = await downloadMyData(page, h)
  assert.match(data.name, new RegExp(`^${username}-data-\\d{4}-\\d{2}-\\d{2}\\.zip$`))
  const profile = zipJson(data.entries, 'profile.json')
  assert.equal(profile.username, username)
  assert.equal(profile.email, email)
  assert.equal(profile.email_verified, true)
  assert.equal(profile.two_factor_enabled, true)
  assert.deepEqual(zipJson(data.entries, 'passkeys.json').map((p: { name: string }) => p.name), ['Ana’s laptop'])
  assert.deepEqual(zipJson(data.entries, 'posts.json').map((p: { text: string }) => p.text), ['Hello, Lakeside'])

  // Deleted: told by email when; after the grace period (time moved forward) the password, the passkey and the
  // profile lead nowhere.
  const asked = smtp.received.length
  await deleteMyAccount(page, NEW_PASSWORD)
  await mailTo(/^Your account on Lakeside will be deleted on /, asked)
  assert.equal(await passDeletionGracePeriod(h), 1)
  await fillLogIn(page, username, NEW_PASSWORD)
  await page.getByText('That username or email and password do not match.').waitFor()
  assert.equal((await page.goto(`/u/${username}`))!.status(), 404)
  await page.goto('/login')
  await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true })
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
  await page.getByRole('alert').filter({ hasText: 'That passkey could not be checked. Try again, or sign in with your password.' }).waitFor()
  assert.equal(new URL(page.url()).pathname, '/login', 'the passkey no longer signs anyone in')
  const left = h.store.sqlite.prepare('select count(*) as n from passkeys where user_id = ?').get(ana.id) as { n: number }
  assert.equal(left.n, 0, 'her passkeys are erased')
  // The refusals the journey asks for are the only errors: the unconfirmed post, the deleted account's password, its
  // profile and its passkey.
  const expected = [/status of 403 .*\/compose:/, /status of 401 .*\/login:/, /status of 404 .*\/u\/journey_ana:/, /status of 401 .*\/login\/passkey:/]
  assert.deepEqual(problems.list.filter((p) => !expected.some((e) => e.test(p))), [], 'console errors, page errors or CSP violations')
  await context.close()
})
