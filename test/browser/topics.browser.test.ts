// In a real browser: realtime topics through hearth.js: the hello board's typing indicator between two members, and
// a page that loses its socket re-joins with its last sequence number and gets exactly what it missed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('a member sees another typing on the hello board, and a page resumes a topic after its socket drops', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['hello'] })
  t.after(() => server.close())
  const h = server.hearth
  const events: { seq: number; event: string; data: { n: number } }[] = []
  const feed = h.realtime.addTopic('test', 'test:feed', {
    authorize: () => true,
    replay: (_topicId, _viewer, afterSeq) => events.filter((e) => e.seq > afterSeq),
  })
  const publish = (n: number) => {
    events.push({ seq: n, event: 'item', data: { n } })
    feed.publish('test:feed:1', 'item', { n }, { durable: n })
  }

  const ana = await registerInBrowser(browser, server, 'typing_ana')
  const bob = await registerInBrowser(browser, server, 'typing_bob')
  const bobId = (await h.users.find('typing_bob'))!.id
  await ana.page.goto('/hello')
  await bob.page.goto('/hello')
  for (let i = 0; i < 50 && h.realtime.topicMembers('hello:typing') < 2; i++) await bob.page.waitForTimeout(100)
  await ana.page.getByLabel('Message').pressSequentially('hi bob')
  await bob.page.locator('[data-typing]', { hasText: '@typing_ana is typing…' }).waitFor()
  await bob.page.screenshot({ path: resultPath('hello-typing.png') })
  // After three quiet seconds the typist's page says it stopped.
  await bob.page.waitForFunction(() => document.querySelector('[data-typing]')?.textContent === '')

  await bob.page.evaluate(() => {
    const w = window as unknown as { got: number[]; hearthTopic(id: string): { on(e: string, fn: (d: { n: number }) => void): void } }
    w.got = []
    w.hearthTopic('test:feed:1').on('item', (d) => w.got.push(d.n))
  })
  const got = () => bob.page.evaluate(() => (window as unknown as { got: number[] }).got)
  for (let i = 0; i < 50 && h.realtime.topicMembers('test:feed:1') < 1; i++) await bob.page.waitForTimeout(100)
  publish(1)
  publish(2)
  await bob.page.waitForFunction(() => (window as unknown as { got: number[] }).got.length === 2)

  // The socket drops (as a network blip would); events published meanwhile wait in the plugin's table.
  h.realtime.disconnectUser(bobId)
  for (let i = 0; i < 50 && h.realtime.isOnline(bobId); i++) await bob.page.waitForTimeout(100)
  assert.equal(h.realtime.isOnline(bobId), false)
  publish(3)
  publish(4)
  await bob.page.waitForFunction(() => (window as unknown as { got: number[] }).got.length === 4, undefined, { timeout: 20_000 })
  publish(5)
  await bob.page.waitForFunction(() => (window as unknown as { got: number[] }).got.length === 5)
  assert.deepEqual(await got(), [1, 2, 3, 4, 5], 'nothing lost, nothing twice, in order')

  assert.deepEqual(ana.problems.list, [])
  assert.deepEqual(bob.problems.list, [])
  await ana.context.close()
  await bob.context.close()
})
