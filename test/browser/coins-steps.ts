// The coins plugin's pages step by step, as a member, a creator and an admin click them: paying a pack by bank
// transfer and confirming it, the gift picker, the earnings figures, the hold passing, asking to withdraw and paying
// it out. Shared by the tests of each part and the whole-journey test, so each step is written once.
import type { Page } from 'playwright-core'
import type { Hearth } from '../../core/app.js'

/** On the wallet: pay the pack whose button says `pack` (e.g. "250 coins for €2.49") by bank transfer. Returns the reference the receipt shows. */
export async function payByBankTransfer(page: Page, pack: string): Promise<string> {
  if (new URL(page.url()).pathname !== '/coins') await page.goto('/coins')
  await Promise.all([page.waitForURL(/\/coins\/purchases\/\d+$/), page.getByRole('button', { name: `Pay by bank transfer: ${pack}`, exact: true }).click()])
  return (await page.locator('.coins-receipt code').first().textContent())!
}

/** The admin's coins page: find the purchase waiting under `reference` and confirm it with the bank's reference; the member is credited. */
export async function confirmBankTransfer(admin: Page, reference: string, bankReference: string): Promise<void> {
  if (new URL(admin.url()).pathname !== '/coins/admin') await admin.goto('/coins/admin')
  const waiting = admin.locator('li', { hasText: reference })
  await waiting.getByLabel('The bank’s reference for the transfer').fill(bankReference)
  await Promise.all([admin.waitForURL(/notice=confirmed/), waiting.getByRole('button', { name: 'Confirm and credit' }).click()])
}

/**
 * From a page with a gift link named `link` ("Gift" under a post, "Send a gift" on a stream): the picker for
 * `receiver`, the gift whose label matches `gift`, an optional note, sent; back on the page it was opened from.
 */
export async function sendGift(page: Page, options: { link: string; receiver: string; gift: RegExp; note?: string }): Promise<void> {
  const back = new URL(page.url()).pathname
  await page.getByRole('link', { name: options.link }).click()
  await page.getByRole('heading', { name: `Send a gift to ${options.receiver}` }).waitFor()
  await page.getByLabel(options.gift).check()
  if (options.note) await page.getByLabel('Note (optional)').fill(options.note)
  await Promise.all([page.waitForURL((u) => u.pathname === back), page.getByRole('button', { name: 'Send gift' }).click()])
}

/** The figures of the earnings page as it is now: coins on hold and available. */
export async function earnings(page: Page): Promise<{ onHold: number; available: number }> {
  if (new URL(page.url()).pathname !== '/coins/earnings') await page.goto('/coins/earnings')
  return {
    onHold: Number(await page.locator('[data-on-hold]').getAttribute('data-on-hold')),
    available: Number(await page.locator('[data-available]').getAttribute('data-available')),
  }
}

/**
 * The hold period passes: every gift on hold is moved a day further back than the operator's hold (time forward,
 * not waited), and the plugin's minutely job releases them. Returns the hold in days.
 */
export async function passGiftHold(h: Hearth): Promise<number> {
  const days = Number(await h.plugins.loaded.get('coins')!.settings.get('gift_hold_days'))
  const back = `-${days + 1} days`
  h.store.sqlite
    .prepare("update coins_gift_sends set created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, ?), release_at = strftime('%Y-%m-%dT%H:%M:%fZ', release_at, ?) where released_at is null")
    .run(back, back)
  await h.scheduler.run('coins', 'release-holds')
  return days
}

/** The creator's withdrawals page: ask to withdraw `amount` coins by bank transfer to `details`; the request is sent. */
export async function askToWithdraw(page: Page, amount: number, details: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/coins/withdrawals') await page.goto('/coins/withdrawals')
  await page.getByLabel('Coins to withdraw').fill(String(amount))
  await page.getByLabel('Pay me by').selectOption('bank')
  await page.getByLabel('Payout details').fill(details)
  await page.getByRole('button', { name: 'Ask to withdraw' }).click()
  await page.getByText('Your withdrawal request was sent to the team.').waitFor()
}

/** The admin's withdrawal queue: approve the request whose card says `which`, then mark it paid with `reference`. */
export async function approveAndPay(admin: Page, which: string, reference: string): Promise<void> {
  if (new URL(admin.url()).pathname !== '/coins/admin/withdrawals') await admin.goto('/coins/admin/withdrawals')
  await admin.locator('[data-queue] [data-withdrawal]', { hasText: which }).getByRole('button', { name: 'Approve' }).click()
  await admin.getByText('The withdrawal was approved.').waitFor()
  await admin.getByLabel('Payment reference').fill(reference)
  await admin.getByRole('button', { name: 'Mark paid' }).click()
  await admin.getByText('The withdrawal was marked paid.').waitFor()
}
