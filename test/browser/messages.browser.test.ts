// In a real browser at phone size: two members in two Chromium contexts start a conversation; one types (the other
// sees it), sends (the other's open thread gets it live, once), and the reader's open thread sends the read receipt
// that shows "Seen" on the sender's page. Then: a thread whose socket drops before any event arrives gets what was
// sent meanwhile once it reconnects; a reply to a story lands in the open thread with the story's card; and after a
// block the thread refuses messages.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { WebSocketRoute } from 'playwright-core'
import { browserOrSkip, navLink, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('a conversation between two phones: typing, a message live, a read receipt, a catch-up, a story reply, a block', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['stories', 'messages'] })
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

  // Ben posts a story (a text card); ana follows him, so she may see it.
  await (await navLink(ben.page, 'New story')).click()
  await ben.page.getByLabel(/Text \(a text card/).fill('Sunset from the ridge')
  await Promise.all([ben.page.waitForURL((u) => /^\/stories\/msg_ben\/\d+$/.test(u.pathname)), ben.page.getByRole('button', { name: 'Share story' }).click()])
  const storyId = Number(new URL(ben.page.url()).pathname.split('/').pop())
  await ana.page.goto('/u/msg_ben')
  await Promise.all([ana.page.waitForURL((u) => u.pathname === '/u/msg_ben'), ana.page.getByRole('button', { name: 'Follow' }).click()])

  // Ben's thread opens while its socket is held back (the test relays it once released): a message sent between
  // drawing the page and joining still arrives, because the page joins after the newest message it was drawn with.
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  await ben.page.routeWebSocket(/\/realtime$/, (ws) => {
    let server: WebSocketRoute | null = null
    const waiting: (string | Buffer)[] = []
    ws.onMessage((m) => (server ? server.send(m) : waiting.push(m)))
    void held.then(() => {
      server = ws.connectToServer()
      server.onMessage((m) => ws.send(m))
      for (const m of waiting.splice(0)) server.send(m)
    })
  })
  await ana.page.goto(`/messages/${id}`)
  await ben.page.goto(`/messages/${id}`)
  await ben.page.locator('.messages-list li.msg', { hasText: 'second' }).waitFor()
  assert.equal(h.realtime.topicMembers(topic), 1, 'ben is not in the topic yet')
  await ana.page.getByLabel('Message', { exact: true }).fill('while you were away')
  await ana.page.getByRole('button', { name: 'Send', exact: true }).click()
  await ana.page.waitForFunction(() => [...document.querySelectorAll('.messages-list li.msg.mine')].some((li) => /away/.test(li.textContent ?? '') && /^\d+$/.test(li.getAttribute('data-id') ?? '')))
  release()
  const missed = ben.page.locator('.messages-list li.msg.theirs', { hasText: 'while you were away' })
  await missed.waitFor()
  assert.equal(await missed.count(), 1)

  // Ana replies to ben's story from the story itself: it lands in ben's open thread, with the story's card.
  await ana.page.goto(`/stories/msg_ben/${storyId}`)
  await ana.page.getByLabel('Reply to msg_ben').fill('What a view!')
  await ana.page.locator('form.story-reply').getByRole('button', { name: 'Send' }).click()
  const reply = ben.page.locator('.messages-list li.msg.theirs', { hasText: 'What a view!' })
  await reply.waitFor()
  await reply.locator(`[data-shared-card="story:${storyId}"]`).waitFor()
  await ben.page.screenshot({ path: resultPath('messages-story-reply.png') })

  // Ben blocks ana: her open thread refuses the next message, and the conversation is gone for her.
  await ana.page.goto(`/messages/${id}`)
  await ben.page.goto('/u/msg_ana')
  await ben.page.locator('.profile-more summary').click()
  await Promise.all([ben.page.waitForLoadState(), ben.page.getByRole('button', { name: 'Block' }).click()])
  for (let i = 0; i < 100 && !h.store.sqlite.prepare('select 1 from blocks where blocker_id = (select id from users where username = ?)').get('msg_ben'); i++) await ben.page.waitForTimeout(50)
  const stored = () => (h.store.sqlite.prepare('select count(*) as n from messages_messages where conversation_id = ?').get(id) as { n: number }).n
  const before = stored()
  await ana.page.getByLabel('Message', { exact: true }).fill('are you there?')
  await ana.page.getByRole('button', { name: 'Send', exact: true }).click()
  await ana.page.locator('.msg-retry', { hasText: /Not sent/ }).waitFor()
  assert.equal(stored(), before, 'nothing stored')
  const reload = await ana.page.goto(`/messages/${id}`)
  assert.equal(reload?.status(), 404)
  await ana.page.screenshot({ path: resultPath('messages-blocked.png') })

  // The refused send and the reload after the block answered 404, as they should; nothing else went wrong.
  const expected = new RegExp(`status of 404 .*\\/(api\\/v1\\/messages\\/conversations\\/${id}\\/messages|messages\\/${id}):`)
  assert.deepEqual(ana.problems.list.filter((p) => !expected.test(p)), [])
  assert.deepEqual(ben.problems.list, [])
  await ana.context.close()
  await ben.context.close()
})
