// Verification in a real browser at phone size: a member asks for the badge from Settings (a refused form keeps what
// they typed), an admin approves it in the console, and the badge then shows beside the member's name on their
// profile and on their post, read out as "Verified". Every page of it passes axe-core.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { axeViolations, browserOrSkip, logInInBrowser, startTestServer } from './browser.js'

const PHONE = { viewport: { width: 390, height: 844 } }

test('a member asks for verification, staff approve, and the badge shows on the profile and a post', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  await h.settings.set('verification.terms', 'We verify **public figures** and businesses.\n\n- a link that names you')
  await h.users.create({ username: 'vee', email: 'vee@example.org', password: PASSWORD })
  await h.users.create({ username: 'vboss', email: 'vboss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
  const vee = (await h.users.findRow('vee'))!
  const post = await h.posts.create(vee.id, { text: 'Open today until six', visibility: 'public' })
  const found: string[] = []

  const member = await logInInBrowser(browser, server, 'vee', PHONE)
  const page = member.page
  await page.goto('/settings/profile')
  await Promise.all([page.waitForURL('**/settings/verification'), page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Verification' }).click()])
  await page.getByText('public figures').waitFor()
  found.push(...(await axeViolations(page, 'request page')).serious)
  // A link that is not a web address: refused, with the message tied to the field and the text kept.
  await page.getByLabel('Why should your account be verified?').fill('I run the bakery on Main Street.')
  await page.getByLabel(/Links that show it is you/).fill('bakery dot example')
  await page.getByRole('button', { name: 'Send the request' }).click()
  await page.getByText('Links must be web addresses').first().waitFor()
  assert.equal(await page.getByLabel('Why should your account be verified?').inputValue(), 'I run the bakery on Main Street.')
  found.push(...(await axeViolations(page, 'request page with a problem')).serious)
  await page.getByLabel(/Links that show it is you/).fill('https://bakery.example\nhttps://news.example/bakery')
  await Promise.all([page.waitForURL('**/settings/verification'), page.getByRole('button', { name: 'Send the request' }).click()])
  await page.getByText('Your request is waiting for the staff').waitFor()
  found.push(...(await axeViolations(page, 'request waiting')).serious)

  const staff = await logInInBrowser(browser, server, 'vboss', PHONE)
  await staff.page.goto('/admin/verification')
  const card = staff.page.locator('[data-staff-request]').filter({ hasText: '@vee' })
  await card.getByRole('link', { name: 'https://news.example/bakery' }).waitFor()
  found.push(...(await axeViolations(staff.page, 'console list')).serious)
  await Promise.all([staff.page.waitForURL('**/admin/verification'), card.getByRole('button', { name: 'Approve' }).click()])
  await staff.page.getByText('@vee is verified.').waitFor()
  await staff.page.goto('/admin/verification/members')
  await staff.page.locator('[data-verified-member="vee"]').waitFor()
  found.push(...(await axeViolations(staff.page, 'verified members')).serious)

  // The member sees the badge where their name is, announced as "Verified".
  await page.goto('/u/vee')
  await page.getByRole('heading', { level: 1 }).getByRole('img', { name: 'Verified' }).waitFor()
  found.push(...(await axeViolations(page, 'profile with the badge')).serious)
  await page.goto(`/p/${post.id}`)
  await page.locator('.post-head').getByRole('img', { name: 'Verified' }).waitFor()
  const box = (await page.locator('.post-head .verified-badge svg').boundingBox())!
  assert.ok(box.width > 8 && box.width < 32, `the badge is drawn at the size of the text (${box.width}px)`)
  await page.goto('/settings/verification')
  await page.locator('[data-verified-since]').waitFor()
  await page.goto('/notifications')
  await page.getByText('Your account is verified').waitFor()

  assert.deepEqual(found, [], `axe-core found serious or critical violations:\n${found.join('\n')}`)
  // The refused form answers 400 on purpose (the browser logs it); nothing else.
  assert.deepEqual(member.problems.list.filter((p) => !/status of 400 .*\/settings\/verification\/request/.test(p)), [])
  assert.deepEqual(staff.problems.list, [])
  await member.context.close()
  await staff.context.close()
})
