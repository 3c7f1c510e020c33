// WebRTC viewing (WHEP) without a browser: werift on both sides, as a browser's peer would be (the server's answer,
// ICE on loopback, DTLS, SRTP), fed by ffmpeg encoding a synthetic WebM pushed through the ingest topic. Who may ask
// (the audience exactly as the playlist: hidden is missing), bad offers, the viewer cap, a block closing a viewer's
// connection, and nothing (ffmpeg, peer connection, UDP socket) left once the stream ends.
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { RTCPeerConnection, useH264, useOPUS } from 'werift'
import { createTestApp, startServer, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import { ffmpegArgs } from './ingest.js'
import { binaryFrame, ffmpegsUnder, syntheticWebm, udpSockets, until } from './testing.js'

/** A viewer's peer connection, receive-only, as a browser's player makes it; its offer once every candidate is in. */
async function viewerPeer() {
  // One bundled transport: werift, as an offerer, leaves the sockets of the transports bundling drops open after close.
  const pc = new RTCPeerConnection({ codecs: { video: [useH264()], audio: [useOPUS()] }, iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false, bundlePolicy: 'max-bundle' })
  pc.addTransceiver('video', { direction: 'recvonly' })
  pc.addTransceiver('audio', { direction: 'recvonly' })
  const got = { video: 0, audio: 0 }
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => void got[track.kind as 'video' | 'audio']++))
  await pc.setLocalDescription(await pc.createOffer())
  await until('the viewer gathers its candidates', () => pc.iceGatheringState, (s) => s === 'complete', 10_000)
  return { pc, got, sdp: pc.localDescription!.sdp }
}

describe('live: WebRTC viewing (WHEP)', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let webm: Buffer
  let baseline = 0
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const peers: RTCPeerConnection[] = []
  const api = (who: string | null, method: string, path: string, init: { json?: unknown; headers?: Record<string, string>; body?: string } = {}) =>
    t.request(method, path, { token: who ? users[who]!.token : undefined, ...init })
  const whep = (who: string | null, id: number, sdp: string, type = 'application/sdp') => api(who, 'POST', `/live/${id}/whep`, { headers: { 'Content-Type': type, Accept: 'application/json' }, body: sdp })
  const about = async (who: string, id: number) =>
    ((await (await api(who, 'GET', `/api/v1/live/streams/${id}`)).json()) as { data: { webrtc_url: string | null; ice_servers: unknown[]; state: string } }).data

  /** A stream of `who`'s, live with ffmpeg started (the relay open) and the WebM pushed in over `seconds`. */
  async function goLive(who: string, input: Record<string, unknown> = {}) {
    const res = await api(who, 'POST', '/api/v1/live/streams', { json: { title: `${who} live`, ...input } })
    assert.equal(res.status, 201, await res.clone().text())
    const id = ((await res.json()) as { data: { id: number } }).data.id
    const socket = await openSocket(server.port, users[who]!.token)
    sockets.push(socket)
    const topic = `live:ingest:${id}`
    socket.send({ op: 'join', topic })
    await socket.next((f) => f.topic === topic && f.op === 'joined', 10_000)
    socket.send({ op: 'send', topic, message: { start: true } })
    // Paced like a recorder's chunks, so RTP flows while viewers connect.
    let stop = false
    void (async () => {
      const chunk = Math.ceil(webm.length / 40)
      for (let i = 0; i < webm.length && !stop; i += chunk) {
        socket.ws.send(binaryFrame(topic, webm.subarray(i, i + chunk)))
        await new Promise((r) => setTimeout(r, 250))
      }
    })()
    return { id, stop: () => (stop = true) }
  }

  before(async () => {
    webm = syntheticWebm(12)
    baseline = udpSockets()
    t = await createTestApp({ enable: ['live'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo', 'dan', 'fay']) users[name] = await t.register(name)
    await t.h.social.follow(users.ben!.id, 'ana') // ben and fay follow ana; cleo is a stranger; dan is blocked by ana
    await t.h.social.follow(users.fay!.id, 'ana')
    await t.h.social.follow(users.dan!.id, 'ana')
    await t.h.safety.block(users.ana!.id, 'dan')
  })
  // A test that failed half way leaves no stream live for the next.
  afterEach(async () => {
    const mine = (await (await api('ana', 'GET', '/api/v1/live/streams')).json()) as { data: { id: number; streamer: { username: string } }[] }
    for (const s of mine.data.filter((s) => s.streamer.username === 'ana')) await api('ana', 'POST', `/api/v1/live/streams/${s.id}/end`)
  })
  after(async () => {
    for (const pc of peers) await pc.close()
    for (const s of sockets) s.ws.terminate()
    await server.close()
    assert.deepEqual(ffmpegsUnder(t.dataDir), [], 'no ffmpeg outlives the server')
    assert.equal(udpSockets(), baseline, 'no RTP socket or peer connection outlives the server')
  })

  it('feeds HLS and WebRTC from one encode when it can', () => {
    const args = ffmpegArgs('/data/streams/1', false, undefined, { video: 5000, audio: 5002 })
    assert.equal(args.filter((a) => a === 'libx264').length, 1, 'the picture is encoded once')
    assert.equal(args[args.indexOf('-f', args.indexOf('-c:a:1')) + 1], 'tee')
    const tee = args.at(-1)!
    assert.match(tee, /f=hls:.*\|.*f=rtp:payload_type=102:onfail=ignore\]rtp:\/\/127\.0\.0\.1:5000/)
    assert.match(tee, /rtp:\/\/127\.0\.0\.1:5002/)
    assert.equal(args[args.indexOf('-profile:v') + 1], 'baseline')
    // A folder the tee syntax cannot name, or a picture copied from OBS: HLS only, as before.
    assert.ok(!ffmpegArgs('/data:x/1', false, undefined, { video: 1, audio: 2 }).includes('tee'))
    assert.ok(!ffmpegArgs('/d', false, { input: [], codecs: ['-c:v', 'copy'], encoded: false }, { video: 1, audio: 2 }).includes('tee'))
  })

  it('answers a follower’s offer and sends the stream’s H.264 and Opus; hides the stream from everyone else', { timeout: 120_000 }, async () => {
    const live = await goLive('ana', { audience: 'followers' })
    const { id } = live
    const data = await until('the stream is offered over WebRTC', () => about('ana', id), (d) => d.webrtc_url !== null)
    assert.equal(data.webrtc_url, `/live/${id}/whep`)
    assert.ok(Array.isArray(data.ice_servers))

    const ben = await viewerPeer()
    peers.push(ben.pc)
    // Who may not: a guest, a stranger, the member the streamer blocked; a stream that does not exist. All as missing.
    for (const who of [null, 'cleo', 'dan']) {
      const res = await whep(who, id, ben.sdp)
      assert.equal(res.status, 404, `${who ?? 'a guest'}: no WebRTC`)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND')
    }
    assert.equal((await whep('ben', id + 1000, ben.sdp)).status, 404, 'no such stream')

    // Bad offers: refused with the API's envelope, before werift sees them.
    for (const [body, type, status] of [
      ['hello', 'application/sdp', 400],
      [ben.sdp, 'application/json', 400],
      ['v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', 'application/sdp', 400],
      ['v=0\r\n' + 'a=x\r\n'.repeat(6000), 'application/sdp', 413],
    ] as const) {
      const res = await whep('ben', id, body, type)
      assert.equal(res.status, status, `${body.slice(0, 20)} as ${type}`)
      assert.match(((await res.json()) as { error: { code: string } }).error.code, /^(BAD_SDP|PAYLOAD_TOO_LARGE)$/)
    }

    const res = await whep('ben', id, ben.sdp)
    assert.equal(res.status, 201, await res.clone().text())
    assert.equal(res.headers.get('content-type'), 'application/sdp')
    const location = res.headers.get('location')!
    assert.match(location, new RegExp(`^/live/${id}/whep/[0-9a-f]{32}$`))
    const answer = await res.text()
    // The offer's payload types (werift rewrites ffmpeg's on the way out).
    assert.match(answer, /a=rtpmap:\d+ H264\/90000/)
    assert.match(answer, /a=rtpmap:\d+ opus\/48000/i)
    assert.match(answer, /^a=sendonly\r?$/m)
    assert.match(answer, /a=candidate:.* 127\.0\.0\.1 \d+ typ host/)
    await ben.pc.setRemoteDescription({ type: 'answer', sdp: answer })
    await until('ben receives video and audio', () => ({ ...ben.got }), (g) => g.video > 30 && g.audio > 10, 60_000)
    assert.equal(ben.pc.connectionState, 'connected')

    // A block closes the connection of the member blocked, as it closes their HLS and chat.
    await t.h.safety.block(users.ana!.id, 'ben')
    await until('ben’s session is gone', async () => (await api('ben', 'DELETE', location)).status, (s) => s === 404, 20_000)
    await t.h.safety.unblock(users.ana!.id, 'ben')
    await t.h.social.follow(users.ben!.id, 'ana')

    live.stop()
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
    assert.equal((await whep('ben', id, ben.sdp)).status, 404, 'an ended stream answers no offer')
    assert.deepEqual(ffmpegsUnder(t.dataDir), [], 'ffmpeg killed with the stream')
  })

  it('takes at most the operator’s number of WebRTC viewers, then the player uses HLS', { timeout: 120_000 }, async () => {
    const settings = t.h.plugins.loaded.get('live')!.settings
    await settings.set('webrtc_max_viewers', 1)
    const live = await goLive('ana')
    const { id } = live
    await until('offered over WebRTC', () => about('ana', id), (d) => d.webrtc_url !== null)
    const ben = await viewerPeer()
    const fay = await viewerPeer()
    peers.push(ben.pc, fay.pc)
    const replaced = await whep('ben', id, ben.sdp)
    assert.equal(replaced.status, 201)
    // Ben reloads the page: his new offer replaces his connection rather than taking a second place.
    const first = await whep('ben', id, ben.sdp)
    assert.equal(first.status, 201)
    assert.equal((await api('ben', 'DELETE', replaced.headers.get('location')!)).status, 404, 'the older connection is gone')
    const full = await whep('fay', id, fay.sdp)
    assert.equal(full.status, 503)
    assert.equal(((await full.json()) as { error: { code: string } }).error.code, 'WEBRTC_FULL')
    // The first viewer leaves (DELETE): the place is free again; their session is gone.
    const location = first.headers.get('location')!
    assert.equal((await api('ben', 'DELETE', location)).status, 204)
    assert.equal((await api('ben', 'DELETE', location)).status, 404)
    assert.equal((await whep('fay', id, fay.sdp)).status, 201)
    // Off (0): the stream's next run is HLS only.
    await settings.set('webrtc_max_viewers', 30)

    live.stop()
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
    assert.deepEqual(ffmpegsUnder(t.dataDir), [])
  })

  it('serves a stream with a deliberate delay over HLS only (the picture must not run ahead of its timeline)', { timeout: 60_000 }, async () => {
    const live = await goLive('ana', { delay_seconds: 10 })
    await until('the stream runs', () => about('ana', live.id), (d) => d.state === 'live', 60_000)
    assert.equal((await about('ben', live.id)).webrtc_url, null)
    const ben = await viewerPeer()
    peers.push(ben.pc)
    const res = await whep('ben', live.id, ben.sdp)
    assert.equal(res.status, 409)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'WEBRTC_UNAVAILABLE')
    live.stop()
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${live.id}/end`)).status, 200)
  })
})
