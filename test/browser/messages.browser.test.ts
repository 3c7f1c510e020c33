// In a real browser at phone size: two members in two Chromium contexts start a conversation; one types (the other
// sees it), sends (the other's open thread gets it live, once), and the reader's open thread sends the read receipt
// that shows "Seen" on the sender's page.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('a conversation between two phones: typing, a message arriving live, and a read receipt', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['messages'] })
  t.after(() => server.close())
  const h = server.hearth
  const ana = await registerInBrowser(browser, server, 'msg_ana')
  const ben = await registerInBrowser(browser, server, 'msg_ben')

  // Messages sits in the phone's top bar, with its icon; the tab bar keeps its five (Profile among them).
  const tab = ana.page.locator('.site-header .nav-top a[data-nav="messages"]')
  assert.equal(await ana.page.locator('.nav-primary a[data-nav="profile"]').isVisible(), true)
  assert.equal(await ana.page.locator('.nav-primary a[data-nav="messages"]').isVisible(), false, 'not twice on a phone')
  await tab.waitFor()
  assert.equal(await tab.locator('svg').count(), 1)

  // Ana starts the conversation without a message yet; ben opens it.
  await tab.click()
  await ana.page.waitForURL((u) => u.pathname === '/messages')
  await ana.page.getByRole('link', { name: 'New message' }).click()
  await ana.page.getByLabel('To (username)').fill('msg_ben')
  await Promise.all([ana.page.waitForURL((u) => /^\/messages\/\d+$/.test(u.pathname)), ana.page.getByRole('button', { name: 'Start conversation' }).click()])
  const id = Number(new URL(ana.page.url()).pathname.split('/').pop())
  await ben.page.goto(`/messages/${id}`)
  const topic = `messages:conv:${id}`
  for (let i = 0; i < 100 && h.realtime.topicMembers(topic) < 2; i++) await ben.page.waitForTimeout(100)
  assert.equal(h.realtime.topicMembers(topic), 2)

  // Typing shows on ben's page.
  const box = ana.page.getByLabel('Message', { exact: true })
  await box.pressSequentially('hello ben, see https://example.org')
  await ben.page.locator('[data-typing]', { hasText: /msg_ana is typing…/ }).waitFor()
  await ben.page.screenshot({ path: resultPath('messages-typing.png') })

  // Sent without a reload: ben's thread gets it live, once; ana's bubble settles with its stored id.
  await ana.page.getByRole('button', { name: 'Send', exact: true }).click()
  const arrived = ben.page.locator('.messages-list li.msg.theirs', { hasText: 'hello ben' })
  await arrived.waitFor()
  await ben.page.locator('.messages-list li.msg.theirs a[href="https://example.org"]').waitFor()
  await ben.page.waitForFunction(() => document.querySelector('[data-typing]')?.textContent === '')
  await ana.page.waitForFunction(() => /^\d+$/.test(document.querySelector('.messages-list li.msg.mine')?.getAttribute('data-id') ?? ''))
  assert.equal(await arrived.count(), 1)
  assert.equal(await ana.page.locator('.messages-list li.msg.mine').count(), 1)

  // Ben's open page read it: ana sees "Seen" under her message.
  await ana.page.locator('[data-seen-marker]', { hasText: 'Seen' }).waitFor()
  await ana.page.screenshot({ path: resultPath('messages-seen.png') })
  const rows = h.store.sqlite.prepare('select count(*) as n from messages_messages where conversation_id = ?').get(id) as { n: number }
  assert.equal(rows.n, 1, 'one message stored')
  // A message drawn live has the same actions as one drawn by the server.
  await arrived.getByRole('button', { name: 'Delete for me' }).waitFor()

  // Elsewhere on the site, ben's navigation counts the next message live.
  await ben.page.goto('/explore')
  await ana.page.getByLabel('Message', { exact: true }).fill('second')
  await ana.page.getByRole('button', { name: 'Send', exact: true }).click()
  await ben.page.locator('.nav-top a[data-nav="messages"] .nav-badge', { hasText: '1' }).waitFor()
  assert.equal(await ben.page.locator('.nav-top a[data-nav="messages"] .nav-label').textContent(), 'Messages (1)')

  assert.deepEqual(ana.problems.list, [])
  assert.deepEqual(ben.problems.list, [])
  await ana.context.close()
  await ben.context.close()
})
