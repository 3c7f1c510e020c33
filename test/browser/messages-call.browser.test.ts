// In real Chromium with fake cameras: two members in a direct thread; ana presses Video call, ben's other tab (on the
// home page) rings with a banner while his thread rings in its panel; ben accepts in the thread and the banner goes;
// both sides' RTCPeerConnection.getStats() show inbound audio and video; ben mutes; ana hangs up, and both threads
// show the call's line with its duration. No STUN or TURN: host candidates only, as on this machine.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { browserOrSkip, FAKE_MEDIA_FLAGS, registerInBrowser, resultPath, startTestServer } from './browser.js'

const MEDIA_FLAGS = [...FAKE_MEDIA_FLAGS, '--allow-loopback-in-peer-connection']

/** Wait until this page's call receives audio and video (bytes, and decoded frames). */
async function waitForInbound(page: Page) {
  await page.waitForFunction(
    async () => {
      const link = (window as unknown as { hearthCall?: { link: { inbound(): Promise<{ audio: { bytes: number }; video: { bytes: number; frames: number } }> } | null } }).hearthCall?.link
      if (!link) return false
      const s = await link.inbound()
      return s.audio.bytes > 0 && s.video.bytes > 0 && s.video.frames > 0
    },
    undefined,
    { timeout: 30_000, polling: 250 },
  )
}

const callState = (page: Page, state: string) =>
  page.waitForFunction((s) => (window as unknown as { hearthCall?: { state: string } }).hearthCall?.state === s, state, { timeout: 20_000 })

test('a video call between two members from their thread: ringing on every tab, media both ways, a line with its length', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t, { extraArgs: MEDIA_FLAGS })
  if (!browser) return
  const server = await startTestServer({ enable: ['messages'] })
  t.after(() => server.close())
  const h = server.hearth
  const perms = { permissions: ['camera', 'microphone'] }
  const ana = await registerInBrowser(browser, server, 'call_ana', perms)
  const ben = await registerInBrowser(browser, server, 'call_ben', perms)

  // Ana starts the conversation and writes; both open the thread; ben keeps a second tab on the home page.
  await ana.page.goto('/messages/new')
  await ana.page.getByLabel('To (username)').fill('call_ben')
  await Promise.all([ana.page.waitForURL((u) => /^\/messages\/\d+$/.test(u.pathname)), ana.page.getByRole('button', { name: 'Start conversation' }).click()])
  const id = Number(new URL(ana.page.url()).pathname.split('/').pop())
  await ben.page.goto(`/messages/${id}`)
  const benHome = await ben.context.newPage()
  await benHome.goto('/')
  // Every page of ben's is in his own topic before the call starts (it rings on each).
  const inTopic = (page: Page) => page.waitForFunction(() => (window as unknown as { hearthLive?: { joined: boolean } }).hearthLive?.joined === true)
  for (const page of [ana.page, ben.page, benHome]) await inTopic(page)

  // The call buttons are there once call.js runs.
  const videoCall = ana.page.getByRole('button', { name: 'Video call' })
  await videoCall.waitFor()
  assert.equal(await ana.page.getByRole('button', { name: 'Call', exact: true }).isVisible(), true)
  await videoCall.click()
  await ana.page.locator('[data-call-status]', { hasText: 'Calling call_ben…' }).waitFor()

  // Ben's home tab rings with a banner; his thread rings in its panel.
  const banner = benHome.getByRole('alertdialog', { name: 'Incoming call' })
  await banner.getByText('call_ana is calling you (video)…').waitFor()
  await ben.page.locator('[data-call-status]', { hasText: 'call_ana is calling you (video)…' }).waitFor()
  await benHome.screenshot({ path: resultPath('messages-call-ringing.png') })

  // Ben accepts in the thread: the banner on his other tab goes away.
  await ben.page.getByRole('region', { name: 'Call' }).getByRole('button', { name: 'Accept' }).click()
  await banner.waitFor({ state: 'detached' })
  await callState(ana.page, 'active')
  await callState(ben.page, 'active')

  // Media both ways, peer to peer.
  await Promise.all([waitForInbound(ana.page), waitForInbound(ben.page)])
  await ana.page.locator('[data-call-status]', { hasText: 'On a call with call_ben.' }).waitFor()
  // Only the controls of a call in progress show.
  assert.deepEqual(await ana.page.getByRole('region', { name: 'Call' }).getByRole('button').evaluateAll((bs) => bs.filter((b) => (b as HTMLElement).offsetParent !== null).map((b) => b.textContent?.trim())), ['Mute', 'Camera off', 'Hang up'])
  assert.equal(await ana.page.getByRole('button', { name: 'Video call' }).isVisible(), false)
  await ana.page.screenshot({ path: resultPath('messages-call-video.png') })

  // Ben mutes: his button says so, and ana is told.
  const benCall = ben.page.getByRole('region', { name: 'Call' })
  await benCall.getByRole('button', { name: 'Mute' }).click()
  await benCall.getByRole('button', { name: 'Unmute' }).waitFor()
  await ana.page.locator('[data-call-status]', { hasText: 'call_ben is muted.' }).waitFor()

  // Ana hangs up; both threads show "Video call, N s" live, and both sides' calls are torn down.
  await ana.page.getByRole('region', { name: 'Call' }).getByRole('button', { name: 'Hang up' }).click()
  for (const page of [ana.page, ben.page]) {
    await page.locator('.messages-list li.msg.system', { hasText: /^Video call, \d+ (s|min)$/ }).waitFor()
    await callState(page, 'idle')
    await page.locator('[data-call-status]', { hasText: 'Call ended.' }).waitFor()
  }
  assert.equal(await ana.page.evaluate(() => (window as unknown as { hearthCall: { link: unknown } }).hearthCall.link), null)
  const rows = h.store.sqlite.prepare("select event from messages_messages where conversation_id = ? and kind = 'system'").all(id) as { event: string }[]
  assert.equal(rows.length, 1)
  assert.equal(JSON.parse(rows[0]!.event).outcome, 'ended')

  for (const m of [ana, ben]) assert.deepEqual(m.problems.list, [], 'no console errors, page errors or CSP violations')
})
