// In real Chromium: a member goes live from the page and a viewer plays the stream over WebRTC (WHEP: the server's
// werift forwarding ffmpeg's RTP), decoding frames; with the operator's cap of WebRTC viewers reached, the next
// viewer's player falls back to HLS. The streamer's picture carries the time it was drawn (24 black or white blocks),
// so each viewer's page reads how far behind the glass it is: printed as diagnostics, never asserted (timing is the
// bench's business, docs/benchmarks.md). After the end no ffmpeg, peer connection or RTP socket is left.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { ffmpegsUnder, udpSockets } from '../../plugins/live/testing.js'
import { browserOrSkip, FAKE_MEDIA_FLAGS, registerInBrowser, resultPath, startTestServer } from './browser.js'

const MEDIA_FLAGS = [...FAKE_MEDIA_FLAGS, '--allow-loopback-in-peer-connection']

/**
 * The camera replaced by a canvas showing the time it was drawn: the low 24 bits of Date.now() as a 6×4 grid of
 * white (1) and black (0) blocks, big enough to survive VP8 and H.264. The microphone stays Chrome's fake one.
 */
function clockCamera() {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const media = await real(constraints)
    const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 })
    const g = canvas.getContext('2d')!
    setInterval(() => {
      const now = Date.now() & 0xffffff
      g.fillStyle = '#808080'
      g.fillRect(0, 0, 640, 360)
      for (let bit = 0; bit < 24; bit++) {
        g.fillStyle = (now >> bit) & 1 ? '#fff' : '#000'
        g.fillRect(20 + (bit % 6) * 100, 20 + Math.floor(bit / 6) * 80, 100, 80)
      }
    }, 10)
    const stream = canvas.captureStream(30)
    for (const track of media.getAudioTracks()) stream.addTrack(track)
    for (const track of media.getVideoTracks()) track.stop()
    return stream
  }
}

/** How far behind the streamer's clock the viewer's picture is, in ms: the median of `samples` readings. */
async function behind(page: Page, samples = 15): Promise<number> {
  return page.evaluate(async (samples) => {
    const video = document.querySelector('[data-live-player]') as HTMLVideoElement
    const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 })
    const g = canvas.getContext('2d', { willReadFrequently: true })!
    const seen: number[] = []
    for (let i = 0; i < samples * 3 && seen.length < samples; i++) {
      await new Promise((r) => setTimeout(r, 200))
      g.drawImage(video, 0, 0, 640, 360)
      let at = 0
      for (let bit = 0; bit < 24; bit++) {
        const [r, gr, b] = g.getImageData(70 + (bit % 6) * 100, 60 + Math.floor(bit / 6) * 80, 1, 1).data
        if (r! + gr! + b! > 384) at |= 1 << bit
      }
      const lag = ((Date.now() & 0xffffff) - at + 0x1000000) % 0x1000000
      if (lag < 60_000) seen.push(lag)
    }
    seen.sort((a, b) => a - b)
    return seen.length ? seen[Math.floor(seen.length / 2)]! : NaN
  }, samples)
}

/** Frames the page's WebRTC player has decoded (getStats, inbound-rtp video), once past 20; -1 if it never plays over WebRTC. */
async function decodedOverWebRtc(page: Page, ms = 120_000): Promise<number> {
  const end = Date.now() + ms
  let frames = -1
  while (Date.now() < end) {
    frames = await page.evaluate(async () => {
      const pc = (window as unknown as { hearthLivePlayer?: { rtc: RTCPeerConnection | null } }).hearthLivePlayer?.rtc
      if (!pc) return -1
      let n = 0
      ;(await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') n = s.framesDecoded
      })
      return n
    })
    if (frames > 20) return frames
    await new Promise((r) => setTimeout(r, 500))
  }
  return frames
}

test('a viewer watches over WebRTC, the next over HLS once the cap is reached; the picture’s lag is measured', { timeout: 420_000 }, async (t) => {
  const browser = await browserOrSkip(t, { extraArgs: MEDIA_FLAGS })
  if (!browser) return
  const server = await startTestServer({ enable: ['live'] })
  t.after(() => server.close())
  const sockets = udpSockets()
  await server.hearth.plugins.loaded.get('live')!.settings.set('webrtc_max_viewers', 1)

  const perms = { permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 900 } }
  const ana = await registerInBrowser(browser, server, 'rtc_ana', perms)
  await ana.context.addInitScript(clockCamera)
  const ben = await registerInBrowser(browser, server, 'rtc_ben', perms)
  const cleo = await registerInBrowser(browser, server, 'rtc_cleo', perms)

  await ana.page.goto('/live/new')
  await ana.page.getByLabel('Title').fill('Clock on the wall')
  await Promise.all([ana.page.waitForURL(/\/live\/\d+$/), ana.page.getByRole('button', { name: 'Go live' }).click()])
  const path = new URL(ana.page.url()).pathname
  await ana.page.waitForFunction(() => (window as unknown as { hearthStudio?: { recording: boolean } }).hearthStudio?.recording === true, null, { timeout: 30_000 })

  // Ben: WebRTC, frames decoded by the browser's own WebRTC stack.
  await ben.page.goto(path)
  const frames = await decodedOverWebRtc(ben.page)
  assert.ok(frames > 20, `frames decoded over WebRTC: ${frames}`)
  t.diagnostic(`WebRTC viewer decoded ${frames} frames`)
  await ben.page.waitForFunction(() => (document.querySelector('[data-live-player]') as HTMLVideoElement).currentTime > 1, null, { timeout: 30_000 })
  const about = (await (await ben.page.request.get(`/api/v1${path.replace('/live/', '/live/streams/')}`)).json()) as { data: { webrtc_url: string | null } }
  assert.equal(about.data.webrtc_url, `${path}/whep`)

  // Cleo: the one WebRTC place is taken, so her player plays the HLS playlist.
  await cleo.page.goto(path)
  await cleo.page.waitForFunction(() => {
    const v = document.querySelector('[data-live-player]') as HTMLVideoElement | null
    return !!v && v.currentTime > 1 && !v.srcObject && (window as unknown as { hearthLivePlayer: { rtc: unknown } }).hearthLivePlayer.rtc === null
  }, null, { timeout: 150_000, polling: 250 })
  assert.match(await cleo.page.evaluate(() => (document.querySelector('[data-live-player]') as HTMLVideoElement).currentSrc), /\/hls\/index\.m3u8$|^blob:/, 'HLS, natively or through hls.js')
  t.diagnostic('the viewer past the cap plays HLS')

  // Glass to glass: each viewer reads the streamer's clock in its picture.
  await ben.page.waitForTimeout(3000) // players settle at their live edge (not an assertion: what is measured below is printed)
  const rtcLag = await behind(ben.page)
  const hlsLag = await behind(cleo.page)
  t.diagnostic(`glass to glass: WebRTC ${rtcLag} ms, HLS ${hlsLag} ms (median of 15 readings each)`)
  assert.ok(Number.isFinite(rtcLag) && Number.isFinite(hlsLag), 'both pictures carry a readable clock')
  await ben.page.screenshot({ path: resultPath('live-webrtc-viewer.png') })

  // Ben closes the tab (no DELETE need reach the server): his browser's reports stop, the server lets his
  // connection go within seconds, and the next viewer gets the place.
  const withBen = udpSockets()
  await ben.page.close()
  const left = Date.now()
  while (udpSockets() >= withBen && Date.now() - left < 60_000) await new Promise((r) => setTimeout(r, 250))
  assert.ok(udpSockets() < withBen, 'Ben’s connection was let go')
  t.diagnostic(`a closed tab’s WebRTC place freed after ${Date.now() - left} ms`)
  const dan = await registerInBrowser(browser, server, 'rtc_dan', perms)
  await dan.page.goto(path)
  assert.ok((await decodedOverWebRtc(dan.page, 60_000)) > 20, 'the place Ben left went to the next viewer')

  // The end: players told, ffmpeg and every peer connection and RTP socket gone.
  await ana.page.getByRole('button', { name: 'End stream' }).click()
  await dan.page.getByText('This stream has ended.').first().waitFor({ timeout: 20_000 })
  await cleo.page.getByText('This stream has ended.').first().waitFor({ timeout: 20_000 })
  assert.deepEqual(ffmpegsUnder(server.dataDir), [])
  const deadline = Date.now() + 20_000
  while (udpSockets() !== sockets && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
  assert.equal(udpSockets(), sockets, 'no RTP socket or werift peer outlives the stream')

  const late = /404 \(Not Found\)|503 \(Service Unavailable\)/
  for (const m of [ana, cleo, dan]) assert.deepEqual(m.problems.list.filter((p) => !late.test(p)), [], 'no console errors but the expected 503 (cap) and late HLS 404s')
})
