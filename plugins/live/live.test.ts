// The live plugin without a browser: a synthetic WebM (ffmpeg's test source, VP8/Opus) pushed in chunks through the
// ingest topic becomes an HLS playlist with segments; the audience rules hold on the page, the API, the playlist and
// the segment URLs; ending (by the streamer, by the timeout, by the server closing) kills ffmpeg; bad input is refused;
// chat, its moderation, and followers' notifications.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, startServer, tempDir, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import { completePlaylist, ffmpegArgs, Ingests } from './ingest.js'
import { ffmpegsUnder, until } from './testing.js'
import type { LiveTables } from './tables.js'

const require = createRequire(import.meta.url)
const FFMPEG = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path

/** A WebM as MediaRecorder makes them (VP8 and Opus), from ffmpeg's test picture and a tone. */
function syntheticWebm(seconds: number): Buffer {
  const file = join(tempDir('live-webm-'), 'test.webm')
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=20', '-f', 'lavfi', '-i', 'sine=frequency=1000', '-t', String(seconds), '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '20', '-c:a', 'libopus', '-f', 'webm', file])
  return readFileSync(file)
}

/** A binary topic frame: the topic id's length, the id, the payload (what hearth.js's sendBinary builds). */
const frame = (topic: string, bytes: Uint8Array) => Buffer.concat([Buffer.from([topic.length]), Buffer.from(topic, 'ascii'), bytes])

async function push(socket: TestSocket, id: number, webm: Buffer, chunk = 32 * 1024) {
  const topic = `live:ingest:${id}`
  socket.send({ op: 'send', topic, message: { start: true } })
  for (let i = 0; i < webm.length; i += chunk) socket.ws.send(frame(topic, webm.subarray(i, i + chunk)))
}

describe('live: pure parts', () => {
  it('serves only whole playlists', () => {
    const whole = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:1.000000,\nseg3.ts\n#EXTINF:1.000000,\nseg4.ts\n'
    assert.equal(completePlaylist(whole), true)
    assert.equal(completePlaylist(whole.slice(0, -1)), false, 'no final newline: cut mid-line')
    assert.equal(completePlaylist(whole.slice(0, whole.lastIndexOf('seg4.ts'))), false, 'a segment without its name')
    assert.equal(completePlaylist('#EXTM3U\n#EXT-X-VERSION:6\n'), false, 'no segment yet')
    assert.equal(completePlaylist(''), false)
    assert.equal(completePlaylist(whole.replace('seg4.ts', '../etc/passwd')), false)
  })

  it('serves a stream\'s first viewers the playlist together, its segments already in memory', async () => {
    const dir = tempDir('live-ingest-')
    const list = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.000000,\nseg0.ts\n#EXTINF:1.000000,\nseg1.ts\n'
    writeFileSync(`${dir}/index.m3u8`, list)
    for (const n of [0, 1]) writeFileSync(`${dir}/seg${n}.ts`, Buffer.alloc(188, n))
    const ingests = new Ingests({ spawn: () => assert.fail('no ffmpeg here'), ffmpeg: () => FFMPEG, dirOf: () => dir, onExit: () => {} })
    // Many asking at once while the first read is under way: every one gets the playlist (none is told it is missing).
    const answers = await Promise.all(Array.from({ length: 20 }, () => ingests.playlistBytes(1)))
    assert.ok(answers.every((a) => a?.text === list && a.bytes.equals(Buffer.from(list))))
    // What it lists was read before it was served: the files can go, the viewers still get the bytes.
    for (const n of [0, 1]) rmSync(`${dir}/seg${n}.ts`)
    assert.deepEqual(await ingests.segment(1, 'seg1.ts'), Buffer.alloc(188, 1))
    assert.equal(await ingests.segment(1, 'seg2.ts'), null, 'a segment no playlist listed is read from disk')
  })

  it('forces the output rate and continues the playlist on a resume', () => {
    const first = ffmpegArgs('/d', false)
    assert.equal(first[first.indexOf('-r') + 1], '30')
    assert.equal(first[first.indexOf('-hls_time') + 1], '1')
    assert.doesNotMatch(first[first.indexOf('-hls_flags') + 1]!, /append_list/)
    const again = ffmpegArgs('/d', true)
    assert.match(again[again.indexOf('-hls_flags') + 1]!, /append_list\+discont_start/)
  })
})

describe('live: ingest, audience, ending', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let webm: Buffer
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const open = async (who: string) => {
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    return s
  }
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const goLive = async (who: string, input: Record<string, unknown> = {}) => {
    const res = await api(who, 'POST', '/api/v1/live/streams', { title: `${who} live`, ...input })
    assert.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { data: { id: number } }).data.id
  }
  const join = async (s: TestSocket, topic: string) => {
    s.send({ op: 'join', topic })
    return s.next((f) => f.topic === topic && (f.op === 'joined' || f.op === 'error'), 10_000)
  }
  const playlist = async (who: string | null, id: number) => {
    const res = await api(who, 'GET', `/live/${id}/hls/index.m3u8`)
    return { status: res.status, text: await res.text() }
  }

  before(async () => {
    webm = syntheticWebm(8)
    t = await createTestApp({ enable: ['live'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo', 'dan', 'eve']) users[name] = await t.register(name)
    await t.h.social.follow(users.ben!.id, 'ana') // ben follows ana; cleo is a stranger; dan is blocked by ana
    await t.h.social.follow(users.dan!.id, 'ana')
    await t.h.safety.block(users.ana!.id, 'dan')
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
    assert.deepEqual(ffmpegsUnder(t.dataDir), [], 'no ffmpeg outlives the server')
  })

  it('turns chunks of a WebM sent on the ingest topic into HLS segments, and ends with the streamer', { timeout: 120_000 }, async () => {
    const id = await goLive('ana', { audience: 'followers' })
    const ana = await open('ana')
    assert.equal((await join(ana, `live:ingest:${id}`)).op, 'joined')
    const about = async () => ((await (await api('ana', 'GET', `/api/v1/live/streams/${id}`)).json()) as { data: { playlist_ready: boolean; state: string } }).data
    assert.equal((await about()).playlist_ready, false, 'no playlist before the first chunk')
    assert.equal((await playlist('ana', id)).status, 404)
    await push(ana, id, webm)
    await until('the API says the playlist is ready', about, (d) => d.playlist_ready && d.state === 'live')
    const list = await until('a whole playlist with segments', () => playlist('ana', id), (p) => p.status === 200 && /seg\d+\.ts/.test(p.text))
    assert.ok(completePlaylist(list.text))
    assert.match(list.text, /#EXT-X-TARGETDURATION:1\n/)
    const seg = /^(seg\d+\.ts)$/m.exec(list.text)![1]!
    const res = await api('ben', 'GET', `/live/${id}/hls/${seg}`)
    assert.equal(res.status, 200, 'a follower loads a segment')
    assert.equal(res.headers.get('content-type'), 'video/mp2t')
    assert.equal(new Uint8Array(await res.arrayBuffer())[0], 0x47, 'an MPEG-TS packet')
    const pids = ffmpegsUnder(t.dataDir)
    assert.equal(pids.length, 1, 'one ffmpeg for the stream')

    // Who may load the playlist and segments: the audience, on every path (hidden == missing).
    assert.equal((await playlist('ben', id)).status, 200, 'a follower')
    for (const who of ['cleo', 'dan', null]) {
      assert.equal((await playlist(who, id)).status, 404, `${who ?? 'a guest'}: no playlist`)
      assert.equal((await api(who, 'GET', `/live/${id}/hls/${seg}`)).status, 404, `${who ?? 'a guest'}: no segment`)
      assert.equal((await api(who, 'GET', `/api/v1/live/streams/${id}`)).status, 404, `${who ?? 'a guest'}: no stream in the API`)
      assert.equal((await api(who, 'GET', `/live/${id}`)).status, 404, `${who ?? 'a guest'}: no page`)
      const listed = (await (await api(who, 'GET', '/api/v1/live/streams')).json()) as { data: { id: number }[] }
      assert.ok(!listed.data.some((s) => s.id === id), `${who ?? 'a guest'}: not listed`)
    }
    const bens = (await (await api('ben', 'GET', '/api/v1/live/streams')).json()) as { data: { id: number; status: string }[] }
    assert.ok(bens.data.some((s) => s.id === id && s.status === 'live'), 'listed for a follower')
    for (const bad of ['index.m3u8x', '..%2Fhearth.db', 'seg1.mp4', 'x']) assert.equal((await api('ana', 'GET', `/live/${id}/hls/${bad}`)).status, 404, bad)

    // The blocked member and the stranger cannot join the stream's room either.
    const dan = await open('dan')
    assert.equal((await join(dan, `live:stream:${id}`)).code, 'NOT_FOUND')
    const ben = await open('ben')
    assert.equal((await join(ben, `live:stream:${id}`)).op, 'joined')

    // Ending: ffmpeg killed, viewers told, files and playlist gone.
    assert.equal((await api('ben', 'POST', `/api/v1/live/streams/${id}/end`)).status, 404, 'only the streamer (or staff) ends it')
    const ended = await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
    assert.equal(ended.status, 200)
    assert.equal(((await ended.json()) as { data: { status: string } }).data.status, 'ended')
    await ben.next((f) => f.topic === `live:stream:${id}` && f.event === 'state' && f.data.state === 'ended')
    await until('ffmpeg gone', () => pids.filter((p) => ffmpegsUnder(t.dataDir).includes(p)), (l) => l.length === 0)
    assert.equal((await playlist('ana', id)).status, 404, 'no playlist after the end')
    assert.equal((await join(ana, `live:ingest:${id}`)).code, 'NOT_FOUND', 'an ended stream takes no more video')
  })

  it('keeps a public stream of a private account to its followers', async () => {
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', users.eve!.id).execute()
    await t.h.social.follow(users.ben!.id, 'eve') // a request: eve is private
    const id = await goLive('eve', { audience: 'public' })
    assert.equal((await api(null, 'GET', `/api/v1/live/streams/${id}`)).status, 404, 'a guest')
    assert.equal((await api('cleo', 'GET', `/api/v1/live/streams/${id}`)).status, 404, 'a stranger')
    assert.equal((await api('eve', 'GET', `/api/v1/live/streams/${id}`)).status, 200, 'the streamer')
    assert.equal((await api('eve', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
  })

  it('takes the playlist and segments away at once when the streamer goes private or is suspended, or blocks the viewer', async () => {
    // The HLS paths answer a viewer's audience from memory for a moment (audience.ts); these changes must not wait for it.
    // The stream's files are written here as ffmpeg writes them (no encoding needed to serve them).
    const hal = (users.hal = await t.register('hal'))
    const gus = await t.register('gus')
    await t.h.social.follow(gus.id, 'hal')
    const id = await goLive('hal', { audience: 'public' })
    const dir = `${t.dataDir}/plugins/live/streams/${id}`
    mkdirSync(dir, { recursive: true })
    writeFileSync(`${dir}/seg0.ts`, Buffer.alloc(188, 0x47))
    writeFileSync(`${dir}/index.m3u8`, '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.000000,\nseg0.ts\n')
    const as = (token: string | undefined) => async (path: string) => (await t.request('GET', `/live/${id}/hls/${path}`, { token })).status
    const guest = as(undefined)
    const follower = as(gus.token)
    await until('the guest has the playlist', () => guest('index.m3u8'), (s) => s === 200)
    assert.equal(await guest('seg0.ts'), 200)
    assert.equal(await follower('index.m3u8'), 200)

    await t.h.social.updateProfile(hal.id, { is_private: true })
    assert.equal(await guest('index.m3u8'), 404, 'private now: no playlist for a guest at once')
    assert.equal(await guest('seg0.ts'), 404, 'nor a segment')
    assert.equal(await follower('index.m3u8'), 200, 'a follower still watches')
    await t.h.social.updateProfile(hal.id, { is_private: false })
    assert.equal(await guest('index.m3u8'), 200, 'public again')

    await t.h.safety.block(hal.id, 'gus')
    assert.equal(await follower('index.m3u8'), 404, 'blocked: no playlist at once')
    assert.equal(await follower('seg0.ts'), 404, 'nor a segment')

    await t.h.users.suspend(hal.id, 'Testing', null)
    assert.equal(await guest('index.m3u8'), 404, 'suspended: no playlist at once')
    assert.equal(await guest('seg0.ts'), 404, 'nor a segment')
  })

  it('refuses bad ingest: another member, an unknown stream, oversized chunks, a second live stream', { timeout: 60_000 }, async () => {
    const id = await goLive('ana')
    assert.equal((await api('ana', 'POST', '/api/v1/live/streams', { title: 'again' })).status, 409, 'one live stream at a time')
    const ben = await open('ben')
    assert.equal((await join(ben, `live:ingest:${id}`)).code, 'NOT_FOUND', 'not the streamer')
    assert.equal((await join(ben, 'live:ingest:999999')).code, 'NOT_FOUND', 'no such stream')
    ben.ws.send(frame(`live:ingest:${id}`, new Uint8Array(10)))
    assert.equal((await ben.next((f) => f.op === 'error' && f.topic === `live:ingest:${id}`)).code, 'NOT_FOUND', 'binary to a topic not joined')
    const ana = await open('ana')
    assert.equal((await join(ana, `live:ingest:${id}`)).op, 'joined')
    ana.ws.send(frame(`live:ingest:${id}`, new Uint8Array(1024 * 1024 + 1)))
    assert.equal((await ana.next((f) => f.op === 'error' && f.topic === `live:ingest:${id}`)).code, 'PAYLOAD_TOO_LARGE')
    for (const input of [{ title: '' }, { title: 'x', audience: 'everyone' }, { title: 'x', chat: 'maybe' }]) {
      const res = await api('ben', 'POST', '/api/v1/live/streams', input)
      assert.equal(res.status, 400, JSON.stringify(input))
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED')
    }
    assert.equal((await api(null, 'POST', '/api/v1/live/streams', { title: 'guest' })).status, 401)
    await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
  })

  it('lets a streamer whose connection dropped resume the same stream, and ends a stream left quiet past the timeout', { timeout: 120_000 }, async () => {
    // Every step waits for a condition, never for a time: on a loaded machine ffmpeg may take seconds to start. The
    // resume window is wide while the streamer comes back, and narrowed only to see the timeout end the stream.
    const settings = t.h.plugins.loaded.get('live')!.settings
    await settings.set('resume_seconds', 300)
    const id = await goLive('ana')
    let ana = await open('ana')
    await join(ana, `live:ingest:${id}`)
    await push(ana, id, webm)
    // The segments the server recorded (every one, unlike ffmpeg's six-line playlist, where a discontinuity scrolls out).
    const segments = () => t.h.db.withTables<LiveTables>().selectFrom('live_segments').select(['seq', 'discontinuity']).where('stream_id', '=', id).orderBy('seq').execute()
    await until('the first recording written', segments, (rows) => rows.length >= 3)
    ana.ws.terminate()
    await until('viewers told the stream is reconnecting', async () => ((await (await api('ana', 'GET', `/api/v1/live/streams/${id}`)).json()) as { data: { state: string } }).data.state, (s) => s === 'reconnecting')

    // Back within the timeout: the same stream, its recording continued after a discontinuity.
    ana = await open('ana')
    assert.equal((await join(ana, `live:ingest:${id}`)).op, 'joined')
    await push(ana, id, webm)
    const resumed = await until('segments of the new recording', segments, (rows) => {
      const at = rows.findIndex((r) => r.discontinuity === 1)
      return at > 0 && rows.length - at >= 3
    })
    assert.ok(resumed.slice(1).every((r, i) => r.seq > resumed[i]!.seq), 'one playlist continued, not a new one')
    assert.match((await until('the playlist', () => playlist('ana', id), (p) => p.status === 200)).text, /seg\d+\.ts/)
    const state = ((await (await api('ana', 'GET', `/api/v1/live/streams/${id}`)).json()) as { data: { status: string } }).data.status
    assert.equal(state, 'live')

    // Quiet past the timeout: ended, ffmpeg gone.
    await settings.set('resume_seconds', 1)
    ana.ws.terminate()
    await until('the stream ended by the timeout', async () => ((await (await api('ana', 'GET', `/api/v1/live/streams/${id}`)).json()) as { data: { status: string } }).data.status, (s) => s === 'ended')
    await until('ffmpeg gone', () => ffmpegsUnder(t.dataDir), (l) => l.length === 0)
    await settings.set('resume_seconds', 30)
  })

  it('ends a stream whose streamer never sent video once the timeout passes', async () => {
    const settings = t.h.plugins.loaded.get('live')!.settings
    await settings.set('resume_seconds', 1)
    const id = await goLive('cleo')
    await until('ended', async () => ((await (await api('cleo', 'GET', `/api/v1/live/streams/${id}`)).json()) as { data: { status: string } }).data.status, (s) => s === 'ended')
    await settings.set('resume_seconds', 30)
  })
})

describe('live: chat, moderation, notifications', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  const users: Record<string, { id: number; token: string }> = {}
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const sockets: TestSocket[] = []

  before(async () => {
    t = await createTestApp({ enable: ['live'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo']) users[name] = await t.register(name)
    await t.h.social.follow(users.ben!.id, 'ana')
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
  })

  const member = async (who: string, topic: string) => {
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    s.send({ op: 'join', topic })
    await s.next((f) => f.op === 'joined' && f.topic === topic)
    return s
  }

  it('carries chat and hearts to everyone in the room; followers-only chat, delete, time-out and ban', async () => {
    const res = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Cooking', chat: 'on' })
    const id = ((await res.json()) as { data: { id: number } }).data.id
    const topic = `live:stream:${id}`
    const ana = await member('ana', topic)
    const ben = await member('ben', topic)
    const cleo = await member('cleo', topic)
    assert.deepEqual(await ana.next((f) => f.op === 'presence' && f.userId === users.ben!.id), { op: 'presence', topic, userId: users.ben!.id, online: true })

    ben.send({ op: 'send', topic, message: { text: '  hello ana  ' } })
    const heard = await ana.next((f) => f.event === 'chat')
    assert.equal(heard.data.text, 'hello ana')
    assert.equal(heard.data.username, 'ben')
    assert.equal(typeof heard.seq, 'number', 'durable: replayed after a reconnect')
    cleo.send({ op: 'send', topic, message: { heart: true } })
    assert.deepEqual((await ana.next((f) => f.event === 'heart')).data, { userId: users.cleo!.id })
    cleo.send({ op: 'send', topic, message: { text: 'x'.repeat(301) } })
    assert.equal((await cleo.next((f) => f.op === 'error')).code, 'VALIDATION_FAILED')

    // Followers-only chat: the stranger is refused, the follower is not.
    assert.equal((await api('ana', 'PATCH', `/api/v1/live/streams/${id}`, { chat: 'followers' })).status, 200)
    await cleo.next((f) => f.event === 'chatmode')
    cleo.send({ op: 'send', topic, message: { text: 'me too' } })
    assert.match((await cleo.next((f) => f.event === 'refused')).data.message, /Only followers of @ana/)
    const byApi = await api('cleo', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'me too' })
    assert.equal(byApi.status, 403)

    // The streamer deletes a message; everyone is told.
    assert.equal((await api('ben', 'DELETE', `/api/v1/live/streams/${id}/chat/${heard.data.id}`)).status, 404, 'a viewer cannot delete')
    assert.equal((await api('ana', 'DELETE', `/api/v1/live/streams/${id}/chat/${heard.data.id}`)).status, 200)
    assert.deepEqual((await ben.next((f) => f.event === 'deleted')).data, { id: heard.data.id })
    const chat = (await (await api('ben', 'GET', `/api/v1/live/streams/${id}/chat`)).json()) as { data: { id: number }[] }
    assert.ok(!chat.data.some((l) => l.id === heard.data.id), 'gone from the history')

    // A time-out, then a ban.
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/bans`, { username: 'ben', minutes: 5 })).status, 201)
    ben.send({ op: 'send', topic, message: { text: 'still here?' } })
    assert.match((await ben.next((f) => f.event === 'refused')).data.message, /cannot chat/)
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/bans`, { username: 'ben', minutes: 7 })).status, 400)
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/bans`, { username: 'nobody', minutes: 0 })).status, 404)
    assert.equal((await api('ben', 'POST', `/api/v1/live/streams/${id}/bans`, { username: 'cleo', minutes: 0 })).status, 404, 'a viewer cannot ban')

    // Chat off: nobody but the streamer.
    assert.equal((await api('ana', 'PATCH', `/api/v1/live/streams/${id}`, { chat: 'off' })).status, 200)
    assert.equal((await api('cleo', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'hi' })).status, 403)
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'thanks all' })).status, 201)
    await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
  })

  it('tells followers who may watch when someone goes live, and nobody else', async () => {
    const res = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Morning run', audience: 'followers' })
    const id = ((await res.json()) as { data: { id: number } }).data.id
    await t.h.queue.drain()
    const bens = (await t.h.notifications.list(users.ben!.id)).items
    const told = bens.find((n) => n.type === 'live.started')
    assert.ok(told, 'the follower is told')
    assert.equal(told.url, `/live/${id}`)
    assert.match(told.text, /ana is live: “Morning run”/)
    assert.equal((await t.h.notifications.list(users.cleo!.id)).items.filter((n) => n.type === 'live.started').length, 0, 'a stranger is not')
    await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
  })

  it('draws the pages: the list, the go-live form, the stream (no-JavaScript forms included), and serves hls.js', async () => {
    const a = t.agent()
    await a.loginViaForm('cleo')
    assert.match(await a.text('/live/new'), /<h1>Go live<\/h1>/)
    const bad = await a.post('/live/new', { title: '', audience: 'public', chat: 'on' })
    assert.equal(bad.status, 400)
    const made = await a.post('/live/new', { title: 'Garden tour', audience: 'public', chat: 'on', source: 'camera' })
    assert.equal(made.status, 303)
    const path = made.headers.get('location')!
    assert.match(path, /^\/live\/\d+$/)
    assert.match(await a.text(path), /data-studio-preview/)
    assert.match(await (await t.request('GET', '/live')).text(), /Garden tour/, 'listed for guests: public stream of a public account')
    const guestPage = await (await t.request('GET', path)).text()
    assert.match(guestPage, /data-live-player/)
    assert.match(guestPage, /\/plugins\/live\/watch\.js/)
    assert.doesNotMatch(guestPage, /hls\.js"/, 'the player is not on the page: watch.js loads it only when needed')
    const b = t.agent()
    await b.loginViaForm('ben')
    assert.equal((await b.post(`${path}/chat`, { text: 'lovely roses' })).status, 303)
    assert.match(await a.text(path), /lovely roses/)
    assert.equal((await b.post(`${path}/end`, {})).status, 404)
    assert.equal((await a.post(`${path}/end`, {})).status, 303)
    assert.match(await a.text(path), /This stream has ended/)
    const hls = await t.request('GET', '/plugins/live/hls.js')
    assert.equal(hls.status, 200)
    assert.equal(await hls.text(), readFileSync(require.resolve('hls.js/dist/hls.light.min.js'), 'utf8'), 'the project’s own copy of hls.js')
    const rows = await t.h.db.withTables<LiveTables>().selectFrom('live_streams').select('status').execute()
    assert.ok(rows.every((r) => r.status === 'ended'))
  })
})
