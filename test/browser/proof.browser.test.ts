// In a real browser: with the anti-spam proof of work on, /static/proof.js solves the server's challenge while the
// member types and the sign-up goes through; without JavaScript the form says why it was refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, registerInBrowser, startTestServer } from './browser.js'

test('the sign-up form solves its proof of work in the browser, and says so without JavaScript', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  await server.hearth.settings.updateCore({ 'registration.proof_of_work': true, 'registration.proof_of_work_cost': 20000 }, null)

  const ana = await registerInBrowser(browser, server, 'ana')
  assert.ok(await server.hearth.users.find('ana'), 'the server took the proof the page found')
  assert.deepEqual(ana.problems.list, [])
  await ana.context.close()

  const context = await browser.newContext({ baseURL: server.url, javaScriptEnabled: false })
  const page = await context.newPage()
  await page.goto('/register')
  await page.getByLabel('Username').fill('bob')
  await page.getByLabel('Email').fill('bob@example.org')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByText('The anti-spam check did not finish').waitFor()
  assert.equal(await server.hearth.users.find('bob'), null)
  await context.close()
})
