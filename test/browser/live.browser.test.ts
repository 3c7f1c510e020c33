// In real Chromium with a fake camera: a member goes live from /live/new (MediaRecorder chunks over the realtime
// socket into ffmpeg and HLS), a viewer in another context opens the stream from the Live list and its video plays
// (the element's time advances), and a chat message from the viewer reaches the streamer's page.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserOrSkip, FAKE_MEDIA_FLAGS, navLink, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('a member goes live from the page, a viewer watches it and chats', { timeout: 420_000 }, async (t) => {
  const browser = await browserOrSkip(t, { extraArgs: FAKE_MEDIA_FLAGS })
  if (!browser) return
  const server = await startTestServer({ enable: ['live'] })
  t.after(() => server.close())

  const perms = { permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 900 } }
  const ana = await registerInBrowser(browser, server, 'live_ana', perms)
  const ben = await registerInBrowser(browser, server, 'live_ben', perms)

  // Ana goes live from the form, with a preview first.
  await ana.page.goto('/live/new')
  await ana.page.getByRole('button', { name: 'Preview' }).click()
  await ana.page.waitForFunction(() => (document.querySelector('[data-preview] video') as HTMLVideoElement | null)?.srcObject !== null && (document.querySelector('[data-preview] video') as HTMLVideoElement).readyState >= 2)
  await ana.page.getByLabel('Title').fill('Allotment tour')
  await Promise.all([ana.page.waitForURL(/\/live\/\d+$/), ana.page.getByRole('button', { name: 'Go live' }).click()])
  const path = new URL(ana.page.url()).pathname
  await ana.page.waitForFunction(() => (window as unknown as { hearthStudio?: { recording: boolean } }).hearthStudio?.recording === true, null, { timeout: 30_000 })
  await ana.page.locator('[data-state-label]').getByText('Live', { exact: true }).waitFor({ timeout: 60_000 })

  // Ben finds it on the Live page and plays it.
  await ben.page.goto('/')
  await (await navLink(ben.page, 'Live')).click()
  await ben.page.waitForURL((u) => u.pathname === '/live')
  await ben.page.getByRole('link', { name: /Allotment tour/ }).click()
  await ben.page.waitForURL((u) => u.pathname === path)
  const start = await ben.page.waitForFunction(() => {
    const v = document.querySelector('[data-live-player]') as HTMLVideoElement | null
    return v && v.readyState >= 2 && v.currentTime > 0 ? v.currentTime : null
  }, null, { timeout: 150_000, polling: 250 })
  const t0 = (await start.jsonValue()) as number
  t.diagnostic('the member plays it')
  await ben.page.waitForFunction((t0) => ((document.querySelector('[data-live-player]') as HTMLVideoElement).currentTime > t0 + 1), t0, { timeout: 60_000, polling: 250 })
  const frames = await ben.page.evaluate(() => (document.querySelector('[data-live-player]') as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames)
  assert.ok(frames > 0, 'frames were decoded')
  t.diagnostic(`viewer played ${frames} frames; ${await ben.page.evaluate(() => ((window as unknown as { hearthLivePlayer: { hls: unknown } }).hearthLivePlayer.hls ? 'through hls.js' : 'natively'))}`)
  await ben.page.locator('[data-viewers]').getByText(/^[1-9]/).waitFor()

  // A guest whose browser lacks native HLS (as Firefox and Chrome before 2025) and WebRTC: watch.js loads the site's hls.js.
  const guest = await browser.newContext({ baseURL: server.url })
  await guest.addInitScript(() => {
    delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection
    const own = HTMLMediaElement.prototype.canPlayType
    HTMLMediaElement.prototype.canPlayType = function (type: string) {
      return /mpegurl/i.test(type) ? '' : own.call(this, type)
    }
  })
  const viewer = await guest.newPage()
  const loaded: string[] = []
  viewer.on('request', (r) => loaded.push(new URL(r.url()).pathname))
  const guestErrors: string[] = []
  viewer.on('console', (m) => m.type() === 'error' && guestErrors.push(m.text()))
  await viewer.goto(path)
  t.diagnostic('guest opened the stream')
  await viewer.waitForFunction(() => {
    const v = document.querySelector('[data-live-player]') as HTMLVideoElement | null
    return !!v && v.currentTime > 1 && !!(window as unknown as { hearthLivePlayer: { hls: unknown } }).hearthLivePlayer.hls
  }, null, { timeout: 150_000, polling: 250 })
  assert.ok(loaded.includes('/plugins/live/hls.js'), 'hls.js came from this site')
  assert.ok(loaded.every((p) => !p.includes('cdn')), 'nothing from a CDN')
  assert.deepEqual(guestErrors, [], 'no console errors (a CSP refusal of a worker included)')
  await guest.close()

  // Ben's message reaches Ana's page.
  await ben.page.getByLabel('Message').fill('lovely beans')
  await ben.page.getByRole('button', { name: 'Send', exact: true }).click()
  await ana.page.locator('[data-chat-list]').getByText('lovely beans').waitFor({ timeout: 20_000 })
  await ana.page.screenshot({ path: resultPath('live-studio.png') })
  await ben.page.screenshot({ path: resultPath('live-viewer.png') })

  for (const m of [ana, ben]) assert.deepEqual(m.problems.list, [], 'no console errors, page errors or CSP violations')
  // A player may still ask for the playlist or a segment in the moment the stream ends: that 404 is expected.
  ben.problems.clear()

  // Ana ends the stream: Ben is told.
  await ana.page.getByRole('button', { name: 'End stream' }).click()
  await ben.page.getByText('This stream has ended.').first().waitFor({ timeout: 20_000 })

  assert.deepEqual(ana.problems.list, [], 'no console errors on the streamer’s page')
  assert.deepEqual(ben.problems.list.filter((p) => !/404 \(Not Found\) \(http:\/\/[^)]+\/live\/\d+\/hls\//.test(p)), [], 'nothing but a late HLS request after the end')
})
