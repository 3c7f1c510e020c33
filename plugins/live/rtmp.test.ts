// RTMP ingest for OBS, for real: ffmpeg's test picture and tone pushed over RTMP with a member's stream key become
// HLS whose segments ffmpeg decodes (H.264 and AAC copied, not re-encoded); a wrong key is refused; a dropped push
// resumes the same stream and one that stays away is ended after the timeout; limits (bitrate, bans, who may go live)
// end or refuse pushes; the protocol parser refuses what would cost memory; no ffmpeg survives.
import assert from 'node:assert/strict'
import { execFile, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, startServer, tempDir, type TestApp } from '../../test/harness.js'
import { hashKey } from './keys.js'
import { flvTag, handshakeReply, MAX_MESSAGE_BYTES } from './rtmp.js'
import type { LiveTables } from './tables.js'
import { commandOf, FFMPEG, ffmpegsUnder, freePort, pushTo, until } from './testing.js'

/** Decode a segment fully; answers the frames of each kind (ffmpeg has no ffprobe beside it here: it decodes instead). */
function decode(file: string): Promise<{ video: number; audio: number }> {
  return new Promise((resolve, reject) => {
    execFile(FFMPEG, ['-hide_banner', '-v', 'error', '-i', file, '-f', 'framecrc', '-'], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ffmpeg could not decode ${file}: ${stderr}`))
      const lines = stdout.split('\n').filter((l) => /^\d+,/.test(l))
      resolve({ video: lines.filter((l) => l.startsWith('0,')).length, audio: lines.filter((l) => l.startsWith('1,')).length })
    })
  })
}

describe('live: RTMP ingest with stream keys', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let rtmpPort: number
  const pushers: ChildProcess[] = []
  const users: Record<string, { id: number; token: string }> = {}
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const data = async <T = any>(res: Response | Promise<Response>): Promise<T> => ((await (await res).json()) as { data: T }).data
  const settings = () => t.h.plugins.loaded.get('live')!.settings
  const push = (key: string, options?: Parameters<typeof pushTo>[1]) => {
    const p = pushTo(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`, options)
    pushers.push(p)
    return p
  }
  const liveOf = async (who: string) => (await data<{ id: number; source: string; status: string; playlist_ready: boolean; streamer: { username: string } }[]>(api(who, 'GET', '/api/v1/live/streams'))).find((s) => s.streamer.username === who)

  before(async () => {
    rtmpPort = await freePort()
    t = await createTestApp({ enable: ['live'] })
    await settings().set('rtmp_port', rtmpPort)
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo', 'dan', 'boss']) users[name] = await t.register(name)
    await t.h.users.setRole(users.boss!.id, 'admin', null)
    await t.h.social.follow(users.ben!.id, 'ana')
  })
  after(async () => {
    for (const p of pushers) p.kill('SIGKILL')
    await server.close()
    assert.deepEqual(ffmpegsUnder(t.dataDir), [], 'no ffmpeg outlives the server')
    // The port is closed with the server.
    await new Promise<void>((resolve, reject) => {
      const s = connect(rtmpPort, '127.0.0.1')
      s.once('connect', () => reject(new Error('the RTMP port is still open')))
      s.once('error', () => resolve())
    })
  })

  it('makes a stream key shown once and stored hashed; rotating it retires the old one', async () => {
    assert.equal((await api(null, 'GET', '/api/v1/live/key')).status, 401)
    const none = await data(api('ana', 'GET', '/api/v1/live/key'))
    assert.equal(none.has_key, false)
    assert.equal(none.server_url, `rtmp://hearth.test:${rtmpPort}/live`, "the site's host name and the RTMP port")
    const made = await api('ana', 'POST', '/api/v1/live/key', { settings: { title: 'Ana on OBS', audience: 'followers', chat: 'followers' } })
    assert.equal(made.status, 201)
    const first = (await data<{ key: string }>(made)).key
    assert.match(first, /^live_[A-Za-z0-9_-]{32}$/)
    const shown = await data(api('ana', 'GET', '/api/v1/live/key'))
    assert.equal(shown.has_key, true)
    assert.equal(shown.key, undefined, 'never shown again')
    assert.deepEqual(shown.settings, { title: 'Ana on OBS', audience: 'followers', chat: 'followers', save_replay: false })
    const rows = await t.h.db.withTables<LiveTables>().selectFrom('live_keys').selectAll().execute()
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.key_hash, hashKey(first))
    assert.ok(!JSON.stringify(rows).includes(first), 'the key itself is stored nowhere')
    const second = (await data<{ key: string }>(api('ana', 'POST', '/api/v1/live/key'))).key
    assert.notEqual(second, first)
    assert.equal((await data(api('ana', 'GET', '/api/v1/live/key'))).settings.title, 'Ana on OBS', 'settings kept across a rotation')
    const bad = await api('ana', 'PATCH', '/api/v1/live/key', { settings: { title: '', audience: 'everyone' } })
    assert.equal(bad.status, 400)
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED')

    // The page: the key once after making it, hidden on every later visit.
    const a = t.agent()
    await a.loginViaForm('dan')
    assert.match(await a.text('/live/obs'), /You have no stream key yet/)
    const page = await a.post('/live/obs/key', {})
    assert.equal(page.status, 200)
    const html = await page.text()
    const key = /data-stream-key[^>]*>(live_[^<]+)</.exec(html)?.[1]
    assert.ok(key, 'the new key is on the page once')
    assert.ok(!(await a.text('/live/obs')).includes(key), 'and never again')
    assert.equal((await a.post('/live/obs/settings', { title: 'Dan streams', audience: 'public', chat: 'on' })).status, 303)
    assert.equal((await a.post('/live/obs/settings', { title: '', audience: 'public', chat: 'on' })).status, 400)
    assert.equal((await a.post('/live/obs/key/delete', {})).status, 303)
    assert.equal((await data(api('dan', 'GET', '/api/v1/live/key'))).has_key, false)
  })

  it('turns a push with a valid key into HLS that decodes (H.264 and AAC copied), resumes after a drop, and ends after the timeout', { timeout: 180_000 }, async () => {
    await settings().set('resume_seconds', 30)
    const key = (await data<{ key: string }>(api('ana', 'POST', '/api/v1/live/key'))).key
    const pusher = push(key)
    const s = await until('the stream is live from OBS', () => liveOf('ana'), (s) => !!s?.playlist_ready)
    assert.equal(s!.source, 'rtmp')
    const id = s!.id
    const about = await data(api('ana', 'GET', `/api/v1/live/streams/${id}`))
    assert.equal(about.title, 'Ana on OBS')
    assert.equal(about.audience, 'followers')

    // Passed through: the stream's ffmpeg copies both codecs.
    const [pid] = ffmpegsUnder(t.dataDir)
    assert.ok(pid, 'an ffmpeg for the stream')
    assert.match(commandOf(pid), /-f flv -i pipe:0/)
    assert.match(commandOf(pid), /-c:v copy/)
    assert.match(commandOf(pid), /-c:a copy/)

    // A follower loads a segment, and it decodes: pictures and sound.
    const list = await until('a playlist with two segments', async () => (await api('ben', 'GET', `/live/${id}/hls/index.m3u8`)).text(), (text) => (text.match(/^seg\d+\.ts$/gm) ?? []).length >= 2)
    const seg = /^(seg\d+\.ts)$/m.exec(list)![1]!
    const res = await api('ben', 'GET', `/live/${id}/hls/${seg}`)
    assert.equal(res.status, 200)
    const file = join(tempDir('live-seg-'), seg)
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()))
    const frames = await decode(file)
    assert.ok(frames.video >= 15, `video frames decoded: ${frames.video}`)
    assert.ok(frames.audio >= 10, `audio frames decoded: ${frames.audio}`)

    // Staff see it, whatever its audience, with a frame of its newest segment.
    const listed = await data<{ id: number; source: string; viewers: number }[]>(api('boss', 'GET', '/api/v1/live/staff/streams'))
    assert.deepEqual(listed.map((x) => [x.id, x.source]), [[id, 'rtmp']])
    assert.equal((await api('ben', 'GET', '/api/v1/live/staff/streams')).status, 403, 'not for members')
    const thumb = await api('boss', 'GET', `/live/staff/streams/${id}/thumb.jpg`)
    assert.equal(thumb.status, 200)
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg')
    const jpeg = new Uint8Array(await thumb.arrayBuffer())
    assert.deepEqual([jpeg[0], jpeg[1]], [0xff, 0xd8], 'a JPEG')
    assert.notEqual((await api('ben', 'GET', `/live/staff/streams/${id}/thumb.jpg`)).status, 200)

    // Hidden is missing: a stranger and a guest get nothing, on every path.
    for (const who of ['cleo', null]) {
      assert.equal((await api(who, 'GET', `/live/${id}/hls/index.m3u8`)).status, 404)
      assert.equal((await api(who, 'GET', `/live/${id}/hls/${seg}`)).status, 404)
      assert.equal((await api(who, 'GET', `/api/v1/live/streams/${id}`)).status, 404)
    }

    // The encoder drops (killed, as a lost connection would): the stream waits; a new push continues it.
    pusher.kill('SIGKILL')
    await until('reconnecting', async () => (await data(api('ana', 'GET', `/api/v1/live/streams/${id}`))).state, (st) => st === 'reconnecting')
    const lastOf = (text: string) => Math.max(...[...text.matchAll(/^seg(\d+)\.ts$/gm)].map((m) => Number(m[1])))
    const before = lastOf(await (await api('ana', 'GET', `/live/${id}/hls/index.m3u8`)).text())
    const again = push(key)
    const resumed = await until('new segments after the resume', async () => (await api('ana', 'GET', `/live/${id}/hls/index.m3u8`)).text(), (text) => lastOf(text) > before + 1)
    assert.match(resumed, /#EXT-X-DISCONTINUITY/)
    assert.equal((await liveOf('ana'))!.id, id, 'the same stream')

    // Gone past the timeout: ended, ffmpeg gone, the page says so.
    await settings().set('resume_seconds', 2)
    again.kill('SIGKILL')
    await until('ended by the timeout', async () => (await data(api('ana', 'GET', `/api/v1/live/streams/${id}`))).status, (st) => st === 'ended')
    await until('ffmpeg gone', () => ffmpegsUnder(t.dataDir), (l) => l.length === 0)
    await settings().set('resume_seconds', 30)
  })

  it('starts the streamer’s event due now when they push, with its title and audience', { timeout: 90_000 }, async () => {
    const made = await api('dan', 'POST', '/api/v1/live/events', { title: 'Launch party', audience: 'followers', starts_at: new Date(Date.now() + 10 * 60_000).toISOString() })
    assert.equal(made.status, 201)
    const event = await data<{ id: number }>(made)
    const key = (await data<{ key: string }>(api('dan', 'POST', '/api/v1/live/key', { settings: { title: 'Ordinary stream' } }))).key
    const p = push(key)
    const s = await until('live', () => liveOf('dan'), (x) => !!x)
    const about = await data(api('dan', 'GET', `/api/v1/live/streams/${s!.id}`))
    assert.equal(about.title, 'Launch party')
    assert.equal(about.audience, 'followers')
    const e = await data(api('dan', 'GET', `/api/v1/live/events/${event.id}`))
    assert.equal(e.status, 'live')
    assert.equal(e.stream_id, s!.id)
    assert.equal((await api('dan', 'POST', `/api/v1/live/streams/${s!.id}/end`)).status, 200)
    assert.notEqual(await p.done, 0, 'ending the stream disconnects the encoder')
    assert.equal((await data(api('dan', 'GET', `/api/v1/live/events/${event.id}`))).status, 'ended')
    await until('ffmpeg gone', () => ffmpegsUnder(t.dataDir), (l) => l.length === 0)
  })

  it('refuses a wrong key, a malformed one and the wrong path, and starts no stream', { timeout: 60_000 }, async () => {
    for (const url of [`rtmp://127.0.0.1:${rtmpPort}/live/live_${'x'.repeat(32)}`, `rtmp://127.0.0.1:${rtmpPort}/live/nonsense`, `rtmp://127.0.0.1:${rtmpPort}/other/live_${'y'.repeat(32)}`]) {
      const p = pushTo(url, { seconds: 5 })
      pushers.push(p)
      assert.notEqual(await p.done, 0, `refused: ${url}`)
    }
    const live = await t.h.db.withTables<LiveTables>().selectFrom('live_streams').select('id').where('status', '=', 'live').execute()
    assert.deepEqual(live, [])
    assert.deepEqual(ffmpegsUnder(t.dataDir), [])
  })

  it('ends a push above the bitrate limit, and refuses members banned from going live', { timeout: 90_000 }, async () => {
    await settings().set('max_bitrate_kbps', 100)
    const key = (await data<{ key: string }>(api('cleo', 'POST', '/api/v1/live/key', { settings: { title: 'Too much' } }))).key
    const cleos = () => t.h.db.withTables<LiveTables>().selectFrom('live_streams').select(['status']).where('user_id', '=', users.cleo!.id).execute()
    // Declared above the limit (the encoder's metadata says 1500 kbit/s): refused as soon as it says so.
    assert.notEqual(await push(key, { videoKbps: 1500 }).done, 0, 'the encoder is disconnected')
    assert.deepEqual(await cleos(), [{ status: 'ended' }])
    // Declaring nothing but sending more than 125 kbit/s (the test picture at x264's default quality): ended once measured.
    const measured = push(key)
    await until('live', cleos, (rows) => rows.some((r) => r.status === 'live'))
    assert.notEqual(await measured.done, 0, 'disconnected before its minute was up')
    assert.deepEqual(await cleos(), [{ status: 'ended' }, { status: 'ended' }])
    await settings().set('max_bitrate_kbps', 8000)

    // Staff ban cleo for a day: her key is refused, with the reason, and so is the browser.
    const admin = users.boss!
    const ban = await t.request('POST', '/api/v1/live/staff/bans', { token: admin.token, json: { username: 'cleo', hours: 24, reason: 'spam streams' } })
    assert.equal(ban.status, 201, await ban.clone().text())
    const refused = push(key, { seconds: 5 })
    assert.notEqual(await refused.done, 0)
    const browser = await api('cleo', 'POST', '/api/v1/live/streams', { title: 'from the browser' })
    assert.equal(browser.status, 403)
    assert.match(((await browser.json()) as { error: { message: string } }).error.message, /spam streams/)
    assert.equal((await t.request('DELETE', '/api/v1/live/staff/bans/cleo', { token: admin.token })).status, 200)
  })
})

describe('live: the RTMP parser refuses what would cost memory', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let port: number

  before(async () => {
    port = await freePort()
    t = await createTestApp({ enable: ['live'] })
    await t.h.plugins.loaded.get('live')!.settings.set('rtmp_port', port)
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(() => server.close())

  /** Send bytes after a handshake; answers when the server closed the connection. */
  const closedAfter = (payload: Buffer, version = 3) =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      let got = 0
      s.on('data', (d) => {
        got += d.length
        if (got >= 1 + 1536 * 2 && !s.destroyed) s.write(Buffer.concat([Buffer.alloc(1536), payload]))
      })
      s.once('connect', () => s.write(Buffer.concat([Buffer.from([version]), Buffer.alloc(1536)])))
      s.once('close', () => resolve(true))
      s.on('error', () => {})
      setTimeout(() => (s.destroy(), resolve(false)), 20_000).unref()
    })

  it('closes a connection announcing a message over the limit, a bad version, a silly chunk size', { timeout: 60_000 }, async () => {
    const big = Buffer.from([0x03, 0, 0, 0, 0, 0, 0, 0x14, 1, 0, 0, 0])
    big.writeUIntBE(MAX_MESSAGE_BYTES + 1, 4, 3)
    assert.equal(await closedAfter(big), true, 'a 8 MiB+ message')
    assert.equal(await closedAfter(Buffer.alloc(0), 6), true, 'RTMPE (version 6)')
    const chunkSize = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    assert.equal(await closedAfter(chunkSize), true, 'a chunk size of 1')
    // 17 chunk streams at once (empty audio messages): more than an encoder uses.
    const many = Buffer.concat(Array.from({ length: 17 }, (_, i) => Buffer.from([0x00 | (4 + i), 0, 0, 0, 0, 0, 0, 8, 1, 0, 0, 0])))
    assert.equal(await closedAfter(many), true, 'too many chunk streams')
  })

  it('answers the digest handshake in kind and writes FLV tags as ffmpeg reads them', () => {
    const c1 = Buffer.alloc(1536)
    const s = handshakeReply(c1)
    assert.equal(s.length, 1 + 1536 * 2)
    assert.equal(s[0], 3)
    assert.ok(s.subarray(1 + 1536).equals(c1), 'the simple handshake echoes C1 as S2')
    const tag = flvTag(9, 0x01020304, Buffer.from([1, 2, 3]))
    assert.deepEqual([...tag], [9, 0, 0, 3, 0x02, 0x03, 0x04, 0x01, 0, 0, 0, 1, 2, 3, 0, 0, 0, 14])
  })
})
