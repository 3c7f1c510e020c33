// In a real browser: a member sends a gift on a post and in a live stream with JavaScript off, the creator sees it on hold, then available,
// asks to withdraw, and an admin approves and pays it from the queue; every coins page passes axe-core. (Buying the
// coins is the purchases part's test: here they are credited straight from the ledger, as a purchase would.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSWORD } from '../harness.js'
import { browserOrSkip, checkA11y, logInInBrowser, startTestServer } from './browser.js'
import { approveAndPay, askToWithdraw, earnings, passGiftHold, sendGift } from './coins-steps.js'
import { api } from './community.js'

test('a gift on a post and in a live stream without JavaScript, earnings on hold then available, a withdrawal approved and paid; the pages pass axe', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['coins', 'live'] })
  t.after(() => server.close())
  const h = server.hearth
  const call = <T = any>(method: string, path: string, token: string, body?: unknown) => api<T>(server.url, method, path, token, body)
  const register = (username: string) => api<{ user: { id: number }; token: string }>(server.url, 'POST', '/api/v1/users/register', null, { username, email: `${username}@example.org`, password: PASSWORD })
  const boss = await register('boss')
  const ana = await register('ana')
  const fan = await register('fan')
  await h.users.setRole(boss.user.id, 'admin', null)
  await call('POST', '/api/v1/coins/admin/gifts', boss.token, { name: 'Rose', price: 500, icon: 'rose' })
  await call('POST', '/api/v1/coins/admin/gifts', boss.token, { name: 'Heart', price: 2000, icon: 'heart' })
  await h.plugins.loaded.get('coins')!.settings.set('withdrawal_minimum', 100)
  const post = await call('POST', '/api/v1/posts', ana.token, { text: 'My first painting' })
  await h.ledger.transfer({ key: 'browser:credit', debit: { kind: 'world', name: 'test', unit: 'coin' }, credit: { kind: 'member_coins', userId: fan.user.id, unit: 'coin' }, amount: 3000 })

  // The fan, JavaScript off: the Gift link, the picker form, back to the post with a confirmation.
  const noJs = await logInInBrowser(browser, server, 'fan', { viewport: { width: 390, height: 844 }, javaScriptEnabled: false })
  await noJs.page.goto(`/p/${post.id}`)
  await sendGift(noJs.page, { link: 'Gift', receiver: 'ana', gift: /Heart/, note: 'Keep painting!' })
  await noJs.page.getByRole('status').filter({ hasText: 'You sent Heart to ana.' }).waitFor()
  // In ana's live stream (the live plugin on): the stream page's link, the same picker, back to the stream.
  const stream = await call('POST', '/api/v1/live/streams', ana.token, { title: 'Painting live' })
  await noJs.page.goto(`/live/${stream.id}`)
  await sendGift(noJs.page, { link: 'Send a gift', receiver: 'ana', gift: /Rose/ })
  await noJs.context.close()
  assert.equal((await h.ledger.findAccount({ kind: 'member_coins', userId: fan.user.id, unit: 'coin' }))!.available, 500)
  const onTimeline = h.store.sqlite.prepare("select count(*) as n from live_timeline where stream_id = ? and kind = 'gift'").get(stream.id) as { n: number }
  assert.equal(onTimeline.n, 1, 'the gift is on the stream’s timeline (its chat and replay)')

  // The picker with JavaScript, checked by axe.
  const fanJs = await logInInBrowser(browser, server, 'fan', { viewport: { width: 1280, height: 800 } })
  await fanJs.page.goto(`/coins/gift?kind=post&id=${post.id}`)
  await checkA11y(fanJs.page, 'gift picker')
  await fanJs.context.close()

  // The creator: on hold, then (the hold over) available; a withdrawal asked for.
  const creator = await logInInBrowser(browser, server, 'ana', { viewport: { width: 390, height: 844 } })
  assert.deepEqual(await earnings(creator.page), { onHold: 2000, available: 0 }, '80 % of 2,000 and of 500')
  await creator.page.getByText('Keep painting!').waitFor()
  await checkA11y(creator.page, 'earnings')
  await passGiftHold(h)
  await creator.page.reload()
  assert.equal((await earnings(creator.page)).available, 2000)
  await creator.page.getByRole('link', { name: 'Withdraw' }).click()
  await checkA11y(creator.page, 'withdrawals')
  await askToWithdraw(creator.page, 1500, 'IBAN DE89 3704 0044 0532 0130 00')
  assert.equal(await creator.page.locator('[data-withdrawal]').getAttribute('data-status'), 'requested')

  // The admin: the catalog page and the queue, approve then mark paid.
  const admin = await logInInBrowser(browser, server, 'boss', { viewport: { width: 1280, height: 800 } })
  await admin.page.goto('/coins/admin/gifts')
  await checkA11y(admin.page, 'admin gifts')
  await admin.page.goto('/coins/admin/withdrawals')
  await checkA11y(admin.page, 'withdrawal queue')
  await approveAndPay(admin.page, '(@ana) asks for 1,500 coins', 'SEPA-0001')

  await creator.page.goto('/coins/withdrawals')
  assert.equal(await creator.page.locator('[data-withdrawal]').getAttribute('data-status'), 'paid')
  await creator.page.goto('/notifications')
  await creator.page.getByText(/Your withdrawal of 1,500 coins was paid \(reference SEPA-0001\)/).waitFor()
  assert.deepEqual(creator.problems.list, [])
  assert.deepEqual(admin.problems.list, [])
  assert.ok((await h.ledger.verify()).ok)
})
