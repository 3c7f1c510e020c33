// A member's own account in a real browser, step by step as they would click it: two-factor, passkeys (Chromium's
// virtual authenticator), exporting their data and deleting the account. Shared by the tests of each part and the
// whole-journey test, so each step is written once.
import { readFileSync } from 'node:fs'
import type { BrowserContext, CDPSession, Page } from 'playwright-core'
import type { Hearth } from '../../core/app.js'
import { currentTotpCode } from '../../core/auth/two-factor.js'
import { PASSWORD } from '../harness.js'
import { readZip } from '../zip-reader.js'

const DAY = 86_400_000

/**
 * Settings → Security: set up two-factor and turn it on with the code an authenticator app shows now for the key on
 * the page (the one the issue says was refused), then leave the recovery codes page. Returns the key and the codes.
 */
export async function turnOnTwoFactor(page: Page, password = PASSWORD): Promise<{ secret: string; recoveryCodes: string[] }> {
  if (new URL(page.url()).pathname !== '/settings/security') await page.goto('/settings/security')
  await page.getByRole('button', { name: 'Set up two-factor' }).click()
  await page.locator('.qr svg').waitFor()
  const secret = (await page.locator('[data-totp-secret]').textContent())!.trim()
  await page.getByLabel('Code from the app').fill(currentTotpCode(secret))
  await page.getByLabel('Your password').fill(password)
  await page.getByRole('button', { name: 'Turn on' }).click()
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
  const recoveryCodes = (await page.locator('[data-recovery-codes] li').allTextContents()).map((c) => c.trim())
  await page.getByRole('link', { name: 'I saved them' }).click()
  await page.getByText(/You have \d+ unused recovery codes?/).waitFor()
  return { secret, recoveryCodes }
}

/** A resident, user-verifying platform authenticator that answers at once, as a phone's or laptop's would. */
export const PLATFORM_AUTHENTICATOR = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } as const

/**
 * Chromium's virtual authenticator (the CDP WebAuthn domain) on `page`. WebAuthn wants a domain for its relying party
 * (never an IP address): open the server as `http://localhost:PORT`.
 */
export async function virtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: PLATFORM_AUTHENTICATOR })
  return { cdp, authenticatorId }
}

/** Settings → Security → Add a passkey, with the password (and the app's code when two-factor is on); waits for it in the list. */
export async function addPasskey(page: Page, name: string, confirm: { password?: string; code?: string } = {}): Promise<void> {
  await page.goto('/settings/security')
  await page.getByText('Add a passkey', { exact: true }).first().click()
  await page.getByLabel('Name').fill(name)
  await page.locator('#pk-add-password').fill(confirm.password ?? PASSWORD)
  if (confirm.code) await page.locator('#pk-add-code').fill(confirm.code)
  await page.getByRole('button', { name: 'Add a passkey' }).click()
  await page.locator('[data-passkeys]').getByText(name).waitFor()
}

/**
 * Settings → Your data: ask for an export, let the queue make it, and download it from the page. Returns the zip's
 * suggested name and its entries (read with test/zip-reader). The page is left on Your data.
 */
export async function downloadMyData(page: Page, h: Hearth): Promise<{ name: string; entries: ReturnType<typeof readZip> }> {
  await page.goto('/settings/data')
  await page.getByRole('button', { name: 'Export my data' }).click()
  // The server's own queue may have made it already: the flash says it was asked for either way.
  await page.getByRole('status').filter({ hasText: 'Your data is being gathered' }).waitFor()
  await h.queue.drain()
  await page.reload()
  const link = page.getByRole('link', { name: 'Download my data' })
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  return { name: download.suggestedFilename(), entries: readZip(readFileSync((await download.path())!)) }
}

/** Settings → Your data → Delete my account, confirmed with the password: signed out onto the login page, told when. */
export async function deleteMyAccount(page: Page, password = PASSWORD): Promise<void> {
  await page.goto('/settings/data')
  await page.locator('[data-what-stays] li').first().waitFor()
  await page.getByLabel('Your password').fill(password)
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.getByRole('button', { name: 'Delete my account' }).click()])
  await page.getByRole('status').filter({ hasText: /will be deleted on/ }).waitFor()
}

/**
 * Move time past the deletion grace period (the operator's setting, plus a day) for core's schedule, and let the queue
 * run the deletions it finds due. Returns how many were due.
 */
export async function passDeletionGracePeriod(h: Hearth): Promise<number> {
  const days = await h.settings.get('account.deletion_grace_days')
  const due = await h.account.queueDueDeletions(new Date(Date.now() + (days + 1) * DAY))
  await h.queue.drain()
  return due
}
