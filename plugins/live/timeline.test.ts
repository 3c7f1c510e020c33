// The stream timeline with real parts: ffmpeg's test picture pushed through the ingest topic, a 10 s deliberate delay
// held by the server (the playlist, the segments by direct URL, chat, hearts, pins and the end all reach viewers
// late while the streamer and moderators see them at once), the replay kept as VOD HLS that ffmpeg decodes over
// HTTP with its chat on the same timeline, the stream's audience on every replay path, moderators, slow mode, pins,
// and chat and hearts never reaching a member blocked either way with their author, live or on replay.
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, startServer, tempDir, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import { buildPlaylist, parsePlaylist, released, replayPosition, type Segment } from './delay.js'
import type { LiveTables } from './tables.js'
import { seqOf, Timeline } from './timeline.js'

const require = createRequire(import.meta.url)
const FFMPEG = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path

function syntheticWebm(seconds: number): Buffer {
  const file = join(tempDir('live-webm-'), 'test.webm')
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=20', '-f', 'lavfi', '-i', 'sine=frequency=1000', '-t', String(seconds), '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '20', '-c:a', 'libopus', '-f', 'webm', file])
  return readFileSync(file)
}

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  let last = await fn()
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
    last = await fn()
  }
  return last
}

const frame = (topic: string, bytes: Uint8Array) => Buffer.concat([Buffer.from([topic.length]), Buffer.from(topic, 'ascii'), bytes])

const seg = (seq: number, atMs: number, discontinuity = false, duration = 1): Segment => ({ seq, duration, atMs, discontinuity })

describe('live timeline: pure parts', () => {
  it('reads ffmpeg’s playlist with its discontinuities, and builds delayed live and VOD playlists from segment records', () => {
    const ff = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:1.000000,\nseg4.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:0.966667,\nseg5.ts\n'
    assert.deepEqual(parsePlaylist(ff), [
      { seq: 4, duration: 1, discontinuity: false },
      { seq: 5, duration: 0.966667, discontinuity: true },
    ])
    assert.deepEqual(parsePlaylist('#EXTM3U\n#EXTINF:1,\n../x.ts\n'), [], 'only segment names')

    const all = Array.from({ length: 10 }, (_, i) => seg(i, 1000 * (i + 1), i === 7))
    assert.deepEqual(released(all, 3500).map((s) => s.seq), [0, 1, 2], 'nothing complete after the horizon')
    const live = buildPlaylist(released(all, 9000), 'live')
    assert.match(live, /#EXT-X-MEDIA-SEQUENCE:3\n/, 'the newest six of those out')
    assert.match(live, /seg8\.ts\n$/)
    assert.doesNotMatch(live, /seg9\.ts|ENDLIST/)
    assert.equal(live.match(/#EXT-X-DISCONTINUITY\n/g)?.length, 1)
    const later = buildPlaylist(all.map((s) => ({ ...s, discontinuity: s.seq === 2 })), 'live', true)
    assert.match(later, /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/, 'a discontinuity before the window is counted')
    assert.doesNotMatch(later, /#EXT-X-DISCONTINUITY\n/)
    assert.match(later, /#EXT-X-ENDLIST\n$/)
    const vod = buildPlaylist(all, 'vod')
    assert.match(vod, /#EXT-X-PLAYLIST-TYPE:VOD\n/)
    assert.equal(vod.match(/^seg\d+\.ts$/gm)?.length, 10)
    assert.match(vod, /#EXT-X-ENDLIST\n$/)
  })

  it('places a moment of the stream in its replay where its picture was captured', () => {
    const segments = [seg(0, 2000), seg(1, 3000), seg(2, 10_000, true), seg(3, 11_000)]
    assert.equal(replayPosition(segments, 0), 0, 'before the first segment: its start')
    assert.equal(replayPosition(segments, 2500), 1.5)
    assert.equal(replayPosition(segments, 3000), 2)
    assert.equal(replayPosition(segments, 6000), 2, 'while the stream was reconnecting: where the picture resumed')
    assert.equal(replayPosition(segments, 10_500), 3.5)
    assert.equal(replayPosition(segments, 99_000), 4, 'after the last: the end')
    // ffmpeg started late on a busy machine and caught up: the first segments were complete together.
    const late = [seg(0, 5000), seg(1, 5100), seg(2, 5200), seg(3, 6000)]
    assert.equal(replayPosition(late, 3000), 1, 'placed by the real-time capture, not by when ffmpeg caught up')
    assert.equal(replayPosition(late, 1000), 0)
  })

  it('holds events until their time, in stamp order, and takes back a deleted one', async () => {
    const t = new Timeline(Date.now() - 1000, 150) // a stream live for a second, 150 ms of delay
    const got: string[] = []
    const item = (name: string, atMs: number, key?: string) => ({ atMs, authorId: 1, key, deliver: () => got.push(name) })
    t.post(item('edge', t.stamp(true), 'chat:1'))
    t.post(item('gone', t.stamp(true), 'chat:2'))
    assert.deepEqual(got, [], 'what the live edge says waits for the delayed picture')
    t.post(item('viewer', t.stamp(false)))
    assert.deepEqual(got, ['viewer'], 'a viewer’s event is at the viewers’ moment already: out at once')
    assert.equal(t.cancel('chat:2'), true)
    assert.equal(t.cancel('chat:2'), false)
    assert.equal(t.pending, 1)
    await until('delivered', () => got.length, (n) => n >= 2, 2000)
    assert.deepEqual(got, ['viewer', 'edge'], 'the deleted one never')
    assert.ok(seqOf(100, 5) < seqOf(101, 1) && seqOf(100, 5) > seqOf(100, 4), 'sequence follows stamps, then ids')
    const start = new Timeline(Date.now(), 10_000)
    start.post(item('first seconds', start.stamp(false)))
    assert.equal(start.pending, 1, 'in a stream’s first seconds viewers have nothing yet: even their own moment is held')
    start.close()
    t.close()
  })
})

describe('live timeline: a 10 s delay, its replay, blocks', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let webm: Buffer
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const body = async <T = any>(res: Response): Promise<T> => ((await res.json()) as { data: T }).data
  const member = async (who: string, topic: string) => {
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    s.send({ op: 'join', topic })
    const joined = await s.next((f) => f.topic === topic && (f.op === 'joined' || f.op === 'error'), 10_000)
    assert.equal(joined.op, 'joined', `${who} joins ${topic}: ${joined.message}`)
    return s
  }

  before(async () => {
    webm = syntheticWebm(14)
    t = await createTestApp({ enable: ['live'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo', 'dan', 'moe', 'zed']) users[name] = await t.register(name)
    for (const who of ['ben', 'cleo', 'dan', 'moe']) await t.h.social.follow(users[who]!.id, 'ana') // zed is a stranger
    await t.h.safety.block(users.dan!.id, 'ben') // dan and ben must never see each other
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'moe' })).status, 201)
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
  })

  it('shows viewers the picture, chat, hearts, pins and the end 10 s late and the live edge at once; keeps the replay with its chat', { timeout: 180_000 }, async () => {
    const created = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Delayed', audience: 'followers', delay_seconds: 10, save_replay: true })
    assert.equal(created.status, 201)
    const id = (await body(created)).id as number
    const room = `live:stream:${id}`
    const back = `live:backstage:${id}`
    const ana = await member('ana', `live:ingest:${id}`)
    ana.send({ op: 'join', topic: back })
    await ana.next((f) => f.op === 'joined' && f.topic === back)
    const mo = await member('moe', back)
    const ben = await member('ben', room)
    const cleo = await member('cleo', room)
    const dan = await member('dan', room)
    const benBack = await openSocket(server.port, users.ben!.token)
    sockets.push(benBack)
    benBack.send({ op: 'join', topic: back })
    assert.equal((await benBack.next((f) => f.topic === back && f.op === 'error')).code, 'NOT_FOUND', 'a viewer cannot join the live edge')

    ana.send({ op: 'send', topic: `live:ingest:${id}`, message: { start: true } })
    for (let i = 0; i < webm.length; i += 32 * 1024) ana.ws.send(frame(`live:ingest:${id}`, webm.subarray(i, i + 32 * 1024)))
    const sentAt = Date.now()
    ana.send({ op: 'send', topic: back, message: { text: 'hello from the edge' } })
    const atOnce = await mo.next((f) => f.topic === back && f.event === 'chat')
    assert.equal(atOnce.data.text, 'hello from the edge', 'a moderator sees the chat at once')
    // A line deleted before it airs never reaches viewers (nor does its deletion).
    ana.send({ op: 'send', topic: back, message: { text: 'oops, my address' } })
    const oops = await mo.next((f) => f.topic === back && f.event === 'chat' && f.data.text === 'oops, my address')
    assert.equal((await api('moe', 'DELETE', `/api/v1/live/streams/${id}/chat/${oops.data.id}`)).status, 200)
    ana.send({ op: 'send', topic: back, message: { text: 'where were we' } })

    // The streamer's playlist is at the live edge; a viewer's is not there yet, nor is any segment by its name.
    const edge = await until('segments at the live edge', async () => (await api('ana', 'GET', `/live/${id}/hls/index.m3u8`)).text(), (text) => /seg\d+\.ts/.test(text))
    const first = /^(seg\d+\.ts)$/m.exec(edge)![1]!
    assert.equal((await api('moe', 'GET', `/live/${id}/hls/index.m3u8`)).status, 200, 'moderators see the live edge')
    assert.equal((await api('ben', 'GET', `/live/${id}/hls/index.m3u8`)).status, 404, 'a viewer: nothing before the delay')
    assert.equal((await api('ben', 'GET', `/live/${id}/hls/${first}`)).status, 404, 'nor a segment asked for by name')
    assert.equal((await api('ana', 'GET', `/live/${id}/hls/${first}`)).status, 200)
    const benView = await body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))
    assert.deepEqual([benView.status, benView.playlist_ready, benView.delay_seconds, benView.live_edge], ['live', false, 10, false])
    assert.ok(!(await body<{ text: string }[]>(await api('ben', 'GET', `/api/v1/live/streams/${id}/chat`))).some((l) => l.text === 'hello from the edge'), 'nor in the chat history')
    assert.ok(!ben.frames.some((f) => f.event === 'chat'))

    // After the delay: the line, then the picture, reach the viewer.
    const late = await ben.next((f) => f.topic === room && f.event === 'chat', 20_000)
    assert.equal(late.data.text, 'hello from the edge')
    assert.ok(Date.now() - sentAt >= 9_500, 'held back by the delay')
    await ben.next((f) => f.topic === room && f.event === 'chat' && f.data.text === 'where were we', 5_000)
    assert.ok(!ben.frames.some((f) => f.data?.text === 'oops, my address' || (f.event === 'deleted' && f.data.id === oops.data.id)), 'the deleted line never aired')
    const delayed = await until('the delayed playlist', () => api('ben', 'GET', `/live/${id}/hls/index.m3u8`), (r) => r.status === 200, 20_000)
    const list = await delayed.text()
    assert.match(list, /^#EXTM3U\n/)
    const out = /^(seg\d+\.ts)$/m.exec(list)![1]!
    const segment = await api('ben', 'GET', `/live/${id}/hls/${out}`)
    assert.equal(segment.status, 200)
    assert.equal(new Uint8Array(await segment.arrayBuffer())[0], 0x47, 'MPEG-TS')
    assert.equal((await api('zed', 'GET', `/live/${id}/hls/index.m3u8`)).status, 404, 'a stranger: hidden == missing')

    // A viewer writes at the viewers' moment: other viewers get it at once, the blocked one never; so with hearts.
    ben.send({ op: 'send', topic: room, message: { text: 'viewer here' } })
    assert.equal((await cleo.next((f) => f.event === 'chat' && f.data.text === 'viewer here')).data.username, 'ben')
    assert.equal((await mo.next((f) => f.event === 'chat' && f.data.text === 'viewer here')).data.username, 'ben')
    ben.send({ op: 'send', topic: room, message: { heart: true } })
    assert.deepEqual((await cleo.next((f) => f.event === 'heart')).data, { userId: users.ben!.id })
    cleo.send({ op: 'send', topic: room, message: { text: 'cleo too' } })
    await dan.next((f) => f.event === 'chat' && f.data.text === 'cleo too')
    assert.ok(!dan.frames.some((f) => f.data?.text === 'viewer here' || f.data?.userId === users.ben!.id), 'dan blocked ben: nothing of his arrives')
    assert.ok(!(await body<{ text: string }[]>(await api('dan', 'GET', `/api/v1/live/streams/${id}/chat`))).some((l) => l.text === 'viewer here'))

    // A moderator pins the streamer's line: at once backstage, on the timeline for viewers.
    assert.equal((await api('moe', 'PUT', `/api/v1/live/streams/${id}/pin`, { message_id: atOnce.data.id })).status, 200)
    assert.equal((await ana.next((f) => f.topic === back && f.event === 'pinned')).data.line.text, 'hello from the edge')
    assert.equal((await ben.next((f) => f.event === 'pinned', 20_000)).data.line.id, atOnce.data.id)

    // The end: the streamer's side at once; viewers still watch the last 10 s and are told when the picture ends.
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
    await mo.next((f) => f.topic === back && f.event === 'state' && f.data.state === 'ended')
    const during = await body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))
    assert.equal(during.status, 'live', 'a viewer sees the stream live until its end reaches them')
    assert.equal((await api('ben', 'GET', `/live/${id}/hls/index.m3u8`)).status, 200)
    await ben.next((f) => f.topic === room && f.event === 'state' && f.data.state === 'ended', 20_000)
    assert.match(await (await api('ben', 'GET', `/live/${id}/hls/index.m3u8`)).text(), /#EXT-X-ENDLIST\n$/, 'the playlist is finished')

    // The replay: ready once the job ran; a VOD playlist ffmpeg decodes over HTTP, for the stream's audience only.
    const replay = await until(
      'the replay ready',
      async () => {
        await t.h.queue.drain()
        return body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))
      },
      (d) => d.replay?.status === 'ready',
      30_000,
    )
    assert.equal(replay.status, 'ended')
    assert.ok(replay.replay.duration > 5, `a replay of the stream's length (${replay.replay.duration} s)`)
    const vod = await (await api('ben', 'GET', replay.replay.playlist_url)).text()
    assert.match(vod, /#EXT-X-PLAYLIST-TYPE:VOD\n/)
    const decoded = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-headers', `Authorization: Bearer ${users.ben!.token}\r\n`, '-i', `http://127.0.0.1:${server.port}${replay.replay.playlist_url}`, '-f', 'null', '-'], (err, _out, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      )
      child.stdin?.end()
    })
    assert.equal(decoded.code, 0, `ffmpeg decodes the replay: ${decoded.stderr}`)
    const poster = await api('ben', 'GET', `/live/${id}/poster.jpg`)
    assert.equal(poster.status, 200)
    assert.deepEqual([...new Uint8Array(await poster.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8], 'a JPEG')
    const firstVod = /^(seg\d+\.ts)$/m.exec(vod)![1]!
    for (const who of ['zed', null]) {
      for (const path of [`/api/v1/live/streams/${id}/replay`, replay.replay.playlist_url, `/live/${id}/hls/${firstVod}`, `/live/${id}/poster.jpg`]) {
        assert.equal((await api(who, 'GET', path)).status, 404, `${who ?? 'a guest'}: ${path}`)
      }
    }
    assert.equal((await api('ben', 'GET', `/live/${id}/hls/${firstVod}`)).status, 200)
    const page = await (await api('ben', 'GET', `/live/${id}`)).text()
    assert.match(page, /data-replay-player/)
    assert.match(page, /\/plugins\/live\/replay\.js/)
    assert.match(await (await api('ben', 'GET', '/u/ana?tab=replays')).text(), new RegExp(`href="/live/${id}"`), 'on the streamer’s profile')
    assert.doesNotMatch(await (await api('zed', 'GET', '/u/ana?tab=replays')).text(), new RegExp(`href="/live/${id}"`), 'not for a stranger')

    // Its chat, hearts and pin on the replay's timeline, in order, each within the video; none of ben's for dan.
    const timeline = await body<{ duration: number; events: { t: number; kind: string; line?: { text: string }; user_id?: number }[] }>(await api('cleo', 'GET', `/api/v1/live/streams/${id}/replay`))
    assert.deepEqual(timeline.events.filter((e) => e.kind === 'chat').map((e) => e.line!.text), ['hello from the edge', 'where were we', 'viewer here', 'cleo too'])
    assert.ok(timeline.events.some((e) => e.kind === 'heart' && e.user_id === users.ben!.id))
    assert.ok(timeline.events.some((e) => e.kind === 'pin' && e.line?.text === 'hello from the edge'))
    assert.ok(timeline.events.every((e, i, all) => e.t >= 0 && e.t <= timeline.duration && (i === 0 || all[i - 1]!.t <= e.t)))
    const dans = await body<typeof timeline>(await api('dan', 'GET', `/api/v1/live/streams/${id}/replay`))
    assert.deepEqual(dans.events.filter((e) => e.kind === 'chat').map((e) => e.line!.text), ['hello from the edge', 'where were we', 'cleo too'])
    assert.ok(!dans.events.some((e) => e.user_id === users.ben!.id), 'nor his hearts')

    // Deleting: only its streamer (or staff); then gone on every path, files included.
    const dir = join(t.dataDir, 'plugins', 'live', 'recordings', String(id))
    assert.ok(existsSync(dir))
    assert.equal((await api('moe', 'DELETE', `/api/v1/live/streams/${id}/replay`)).status, 404, 'a moderator does not own the replay')
    assert.equal((await api('ana', 'DELETE', `/api/v1/live/streams/${id}/replay`)).status, 200)
    assert.equal((await api('ben', 'GET', replay.replay.playlist_url)).status, 404)
    assert.equal((await api('ben', 'GET', `/live/${id}/hls/${firstVod}`)).status, 404)
    assert.equal((await body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))).replay, null)
    assert.ok(!existsSync(dir), 'the files are removed')
  })

  it('removes a stream’s segments when it ends without a replay, and replays past their retention', { timeout: 120_000 }, async () => {
    const run = async (who: string, input: Record<string, unknown>) => {
      const id = (await body(await api(who, 'POST', '/api/v1/live/streams', { title: `${who} short`, delay_seconds: 0, ...input }))).id as number
      const s = await member(who, `live:ingest:${id}`)
      s.send({ op: 'send', topic: `live:ingest:${id}`, message: { start: true } })
      for (let i = 0; i < webm.length; i += 32 * 1024) s.ws.send(frame(`live:ingest:${id}`, webm.subarray(i, i + 32 * 1024)))
      await until('segments', async () => (await api(who, 'GET', `/live/${id}/hls/index.m3u8`)).text(), (text) => /seg3\.ts/.test(text))
      assert.equal((await api(who, 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
      return id
    }
    const rows = (id: number) => t.h.db.withTables<LiveTables>().selectFrom('live_segments').select('seq').where('stream_id', '=', id).execute()
    const dirs = (id: number) => ['streams', 'recordings'].filter((d) => existsSync(join(t.dataDir, 'plugins', 'live', d, String(id))))

    const gone = await run('dan', { save_replay: false })
    assert.deepEqual(dirs(gone), [], 'no replay, no delay: the files go with the stream')
    assert.deepEqual(await rows(gone), [])
    assert.equal((await api('dan', 'GET', `/api/v1/live/streams/${gone}/replay`)).status, 404)

    const kept = await run('cleo', { save_replay: true })
    const ready = await until(
      'ready',
      async () => {
        await t.h.queue.drain()
        return (await body(await api('cleo', 'GET', `/api/v1/live/streams/${kept}`))).replay
      },
      (r) => r?.status === 'ready',
    )
    assert.ok(Date.parse(ready.expires_at) > Date.now() + 29 * 86_400_000, 'kept 30 days by default')
    assert.deepEqual(dirs(kept), ['recordings'])
    await t.h.scheduler.run('live', 'replay-retention')
    assert.equal((await api('cleo', 'GET', `/api/v1/live/streams/${kept}/replay`)).status, 200, 'not due yet')
    await t.h.db.withTables<LiveTables>().updateTable('live_replays').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('stream_id', '=', kept).execute()
    await t.h.scheduler.run('live', 'replay-retention')
    assert.equal((await api('cleo', 'GET', `/api/v1/live/streams/${kept}/replay`)).status, 404)
    assert.deepEqual(dirs(kept), [])
    assert.deepEqual(await rows(kept), [])
  })
})
