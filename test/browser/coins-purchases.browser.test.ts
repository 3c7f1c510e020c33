// In real Chromium: an admin adds a pack from the coins admin page, a member finds Coins in the navigation and asks
// to pay a pack by bank transfer, the admin confirms the transfer with the bank's reference, and the member's wallet
// shows the coins and the transfer in its history. axe-core checks the wallet, the receipt (phone, dark) and the admin page.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { confirmBankTransfer, payByBankTransfer } from './coins-steps.js'
import { browserOrSkip, checkA11y, logInInBrowser, navLink, registerInBrowser, startTestServer } from './browser.js'

test('a member buys coins by bank transfer and an admin credits them, from the pages', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['coins'] })
  t.after(() => server.close())
  const h = server.hearth
  await h.users.create({ username: 'coin_boss', email: 'coin_boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
  await h.settings.write('plugin.coins.manual_enabled', true)
  await h.settings.write('plugin.coins.manual_instructions', 'Hearth Club e.V.\nIBAN DE02 1203 0000 0000 2020 51')

  const boss = await logInInBrowser(browser, server, 'coin_boss', { viewport: { width: 1280, height: 900 } })
  await boss.page.goto('/coins/admin')
  await boss.page.getByLabel('Coins').fill('250')
  await boss.page.getByLabel('Price').fill('2.49')
  await boss.page.getByLabel('Currency').fill('EUR')
  await Promise.all([boss.page.waitForURL(/notice=pack-added/), boss.page.getByRole('button', { name: 'Add the pack' }).click()])
  await boss.page.getByText('The pack is added.').waitFor()

  const ana = await registerInBrowser(browser, server, 'coin_ana', { colorScheme: 'dark' })
  await (await navLink(ana.page, 'Coins')).click()
  await ana.page.waitForURL((u) => u.pathname === '/coins')
  await ana.page.locator('.coins-balance-value', { hasText: '0 coins' }).waitFor()
  await checkA11y(ana.page, 'wallet (phone, dark)')
  const reference = await payByBankTransfer(ana.page, '250 coins for €2.49')
  assert.match(reference, /^HC-/)
  await ana.page.getByText('IBAN DE02').waitFor()
  await checkA11y(ana.page, 'purchase waiting for a bank transfer (phone, dark)')

  await boss.page.goto('/coins/admin')
  await checkA11y(boss.page, 'coins admin (desktop)')
  await confirmBankTransfer(boss.page, reference, 'SEPA-2026-12-05-0042')

  await ana.page.goto('/coins')
  await ana.page.locator('.coins-balance-value', { hasText: '250 coins' }).waitFor()
  const row = ana.page.locator('table.coins-history tbody tr').first()
  assert.match((await row.textContent())!, /Coins bought.*Bank transfer.*\+250/)
  await checkA11y(ana.page, 'wallet with history (phone, dark)')
  await row.getByRole('link', { name: 'Coins bought' }).click()
  await ana.page.getByRole('heading', { name: /Receipt No\. \d+/ }).waitFor()
  await checkA11y(ana.page, 'receipt (phone, dark)')
  assert.equal((await h.ledger.verify()).ok, true)
  assert.deepEqual([...ana.problems.list, ...boss.problems.list], [], 'no console errors or CSP violations')
})
