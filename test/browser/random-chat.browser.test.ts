// In real Chromium with fake cameras: two members press Start on Meet, are matched and see each other (each side's
// RTCPeerConnection.getStats() shows inbound video bytes and decoded frames), chat by text, one presses Next and
// both are told, one reports the other (the report with the transcript is in the moderation queue), and after a
// block they are never matched again while a third member still is.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { browserOrSkip, FAKE_MEDIA_FLAGS, navLink, registerInBrowser, resultPath, startTestServer } from './browser.js'

const MEDIA_FLAGS = [...FAKE_MEDIA_FLAGS, '--allow-loopback-in-peer-connection']

const state = (page: Page) => page.evaluate(() => (window as unknown as { hearthMeet: { state: string } }).hearthMeet.state)

/** Inbound video as this page's peer connection reports it. */
async function inboundVideo(page: Page): Promise<{ bytes: number; frames: number }> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { hearthMeet: { pc: RTCPeerConnection | null } }).hearthMeet.pc
    if (!pc) return { bytes: 0, frames: 0 }
    let bytes = 0
    let frames = 0
    ;(await pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number; framesDecoded?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        bytes += r.bytesReceived ?? 0
        frames += r.framesDecoded ?? 0
      }
    })
    return { bytes, frames }
  })
}

async function waitFor<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms
  let last: T = await fn()
  while (!ok(last)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 200))
    last = await fn()
  }
  return last
}

test('two members meet by video, chat, move on, report and block', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t, { extraArgs: MEDIA_FLAGS })
  if (!browser) return
  const server = await startTestServer({ enable: ['random-chat'] })
  t.after(() => server.close())
  const settings = server.hearth.plugins.loaded.get('random-chat')!.settings
  await settings.set('min_account_age_hours', 0)
  await settings.set('cooldown_minutes', 0) // so only the block can keep them apart at the end

  const perms = { permissions: ['camera', 'microphone'] }
  const ana = await registerInBrowser(browser, server, 'meet_ana', perms)
  const ben = await registerInBrowser(browser, server, 'meet_ben', perms)

  // Both open Meet from the navigation and press Start with a shared interest.
  for (const m of [ana, ben]) {
    await (await navLink(m.page, 'Meet')).click()
    await m.page.waitForURL((u) => u.pathname === '/meet')
    await m.page.getByLabel('Interests (optional)').fill('gardening, chess')
    await m.page.getByRole('button', { name: 'Start' }).click()
  }
  await waitFor('ana paired', () => state(ana.page), (s) => s === 'paired')
  await waitFor('ben paired', () => state(ben.page), (s) => s === 'paired')
  assert.match(await ana.page.locator('[data-partner]').innerText(), /Stranger · you both like (chess, gardening|gardening, chess)/)

  // Each side decodes the other's video, peer to peer.
  const [va, vb] = await Promise.all([
    waitFor('video at ana', () => inboundVideo(ana.page), (v) => v.bytes > 0 && v.frames > 0),
    waitFor('video at ben', () => inboundVideo(ben.page), (v) => v.bytes > 0 && v.frames > 0),
  ])
  t.diagnostic(`inbound video: ana ${va.bytes} B / ${va.frames} frames, ben ${vb.bytes} B / ${vb.frames} frames`)
  await ana.page.locator('[data-status]').getByText('Connected. Say hello!').waitFor()
  await ana.page.screenshot({ path: resultPath('random-chat-call.png') })

  // Text chat beside the video.
  await ana.page.getByLabel('Message').fill('hello from the allotment')
  await ana.page.getByRole('button', { name: 'Send' }).click()
  await ben.page.locator('[data-chat]').getByText('hello from the allotment').waitFor()
  await ben.page.getByLabel('Message').fill('you are a fool')
  await ben.page.keyboard.press('Enter')
  await ana.page.locator('[data-chat]').getByText('you are a fool').waitFor()

  // Ben presses Next: both are told; Ben searches again.
  await ben.page.getByRole('button', { name: 'Next' }).click()
  await ana.page.locator('[data-status]').getByText(/Your partner moved on to someone new/).waitFor()
  await waitFor('ben searching', () => state(ben.page), (s) => s === 'waiting')
  assert.equal(await ana.page.evaluate(() => (window as unknown as { hearthMeet: { pc: unknown } }).hearthMeet.pc), null, 'the call is torn down')

  // Ana reports Ben for that call: the report reaches the moderation queue with the transcript.
  await ana.page.getByRole('button', { name: 'Report' }).click()
  await ana.page.getByLabel('Why are you reporting this person?').selectOption('harassment')
  await ana.page.getByLabel('Anything moderators should know (optional)').fill('insults')
  await ana.page.getByRole('button', { name: 'Send report' }).click()
  await ana.page.locator('[data-status]').getByText(/your report is with the moderators/).waitFor()
  const queue = await server.hearth.moderation.queue()
  const item = queue.items.find((i) => i.target_type === 'random-chat.session')
  assert.ok(item, 'the report is in the queue')
  const reports = await server.hearth.moderation.list({ status: 'all' })
  const report = await server.hearth.moderation.get(reports.items.find((r) => r.target_type === 'random-chat.session')!.id)
  const transcript = (report.snapshot.transcript as { from: string; text: string }[]).map((l) => `${l.from}: ${l.text}`)
  assert.deepEqual(transcript, ['meet_ana: hello from the allotment', 'meet_ben: you are a fool'])
  assert.equal(report.target_user?.username, 'meet_ben')

  // Ana blocks Ben, then searches again: Ben is waiting, but they are never paired.
  await ana.page.getByRole('button', { name: 'Block' }).click()
  await ana.page.locator('[data-status]').getByText(/Blocked/).waitFor()
  await ana.page.getByRole('button', { name: 'Next' }).click()
  await waitFor('ana searching', () => state(ana.page), (s) => s === 'waiting')
  await ana.page.waitForTimeout(2500)
  assert.deepEqual([await state(ana.page), await state(ben.page)], ['waiting', 'waiting'], 'blocked members are not matched')

  // A third member is matched with one of them at once.
  const cal = await registerInBrowser(browser, server, 'meet_cal', perms)
  await cal.page.goto('/meet')
  await cal.page.getByLabel('Text only (no camera)').check()
  await cal.page.getByRole('button', { name: 'Start' }).click()
  await waitFor('cal paired', () => state(cal.page), (s) => s === 'paired')
  const paired = [await state(ana.page), await state(ben.page)].filter((s) => s === 'paired').length
  assert.equal(paired, 1, 'exactly one of the two waiting members meets the newcomer')
  assert.match(await cal.page.locator('[data-status]').innerText(), /Connected. Chat by text./)

  for (const m of [ana, ben, cal]) assert.deepEqual(m.problems.list, [], 'no console errors, page errors or CSP violations')
})
