// Reports on live streams with real parts (ffmpeg's test picture pushed through the ingest topic, core's moderation
// queue): a member reports a followers-only stream, a chat line and a replay; staff see the title, the chat around it,
// the frame the reporter was seeing and the stream or replay itself although they do not follow the streamer (each
// look audited); "remove" ends the stream, deletes the line, deletes the replay; hidden is missing for reporters.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, startServer, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import type { LiveTables } from './tables.js'
import { binaryFrame, ffmpegsUnder, syntheticWebm, until } from './testing.js'

/** A match in a page, without printing the whole page when it fails. */
const has = (html: string, re: RegExp, what: string) => assert.ok(re.test(html), `${what}: ${re} not in the page`)

interface Snapshot {
  summary: string
  href: string
  stream: { id: number; title: string; audience: string; streamer: { username: string } }
  transcript: { id: number; from: string; text: string; reported: boolean }[]
  files: { label: string; url: string; image?: boolean }[]
  replay_seconds?: number
}

describe('live: reports on streams, replays and chat lines', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let webm: Buffer
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const body = async <T = any>(res: Response): Promise<T> => ((await res.json()) as { data: T }).data
  const db = () => t.h.db.withTables<LiveTables>()

  /** A member goes live (followers only) and sends the test picture; answers once viewers can load segments. */
  async function liveWithVideo(who: string, input: Record<string, unknown>): Promise<number> {
    const created = await api(who, 'POST', '/api/v1/live/streams', { title: 'Late show', audience: 'followers', ...input })
    assert.equal(created.status, 201, await created.clone().text())
    const id = (await body(created)).id as number
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    s.send({ op: 'join', topic: `live:ingest:${id}` })
    await s.next((f) => f.op === 'joined')
    s.send({ op: 'send', topic: `live:ingest:${id}`, message: { start: true } })
    for (let i = 0; i < webm.length; i += 32 * 1024) s.ws.send(binaryFrame(`live:ingest:${id}`, webm.subarray(i, i + 32 * 1024)))
    await until('segments for viewers', async () => (await body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))).playlist_ready, (ready) => ready === true)
    return id
  }

  before(async () => {
    webm = syntheticWebm(10)
    t = await createTestApp({ enable: ['live'] })
    await t.h.plugins.loaded.get('live')!.settings.set('rtmp_port', 0)
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo', 'dee', 'mod']) users[name] = await t.register(name)
    await t.h.users.setRole(users.mod!.id, 'moderator', null)
    await t.h.social.follow(users.ben!.id, 'ana') // ben follows ana and dee; cleo and mod do not
    await t.h.social.follow(users.ben!.id, 'dee')
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
    assert.deepEqual(ffmpegsUnder(t.dataDir), [], 'no ffmpeg outlives the server')
  })

  it('files a live stream and a chat line with the frame and the chat around them; staff see them whatever the audience, and remove them', { timeout: 180_000 }, async () => {
    const id = await liveWithVideo('ana', { save_replay: true })
    for (const [who, text] of [['ben', 'hi ana'], ['ana', 'buy my pills at example.com'], ['ben', 'that is spam']] as const) {
      assert.equal((await api(who, 'POST', `/api/v1/live/streams/${id}/chat`, { text })).status, 201)
    }
    const lines = await body<{ id: number; text: string }[]>(await api('ben', 'GET', `/api/v1/live/streams/${id}/chat`))
    const spam = lines.find((l) => l.text.startsWith('buy my pills'))!

    // Hidden is missing: a stranger and a guest cannot report what they cannot watch; nobody reports their own.
    assert.equal((await api('cleo', 'POST', `/api/v1/live/streams/${id}/report`, { reason: 'spam' })).status, 404)
    assert.equal((await api('cleo', 'POST', `/api/v1/live/streams/${id}/chat/${spam.id}/report`, { reason: 'spam' })).status, 404)
    assert.equal((await api(null, 'POST', `/api/v1/live/streams/${id}/report`, { reason: 'spam' })).status, 401)
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/report`, { reason: 'spam' })).status, 409)
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/chat/${spam.id}/report`, { reason: 'spam' })).status, 409)
    const bad = await api('ben', 'POST', `/api/v1/live/streams/${id}/report`, { reason: 'boring' })
    assert.equal(bad.status, 400)
    assert.equal((await api('ben', 'POST', `/api/v1/live/streams/${id}/chat/999999/report`, { reason: 'spam' })).status, 404)

    // The page's form, without JavaScript.
    const b = t.agent()
    await b.loginViaForm('ben')
    const page = await b.text(`/live/${id}`)
    has(page, new RegExp(`href="/live/${id}/report"`), 'the stream’s Report link')
    has(page, new RegExp(`href="/live/${id}/chat/${spam.id}/report"`), 'each line someone else wrote has its Report link')
    has(await b.text(`/live/${id}/report`), /Report “Late show”[\s\S]*name="reason"/, 'the form')
    const posted = await b.post(`/live/${id}/report`, { reason: 'spam', note: 'selling pills on stream' })
    assert.equal(posted.status, 303)
    assert.equal(posted.headers.get('location'), `/live/${id}?notice=reported`)
    const filedLine = await api('ben', 'POST', `/api/v1/live/streams/${id}/chat/${spam.id}/report`, { reason: 'spam' })
    assert.equal(filedLine.status, 201)
    const lineReport = (await body<{ id: number }>(filedLine)).id

    // Staff: the queue names the stream; the report holds the title, the chat around it, the frame, the way in.
    const queue = await body<{ id: number; target_type: string; target_id: string }[]>(await api('mod', 'GET', '/api/v1/reports'))
    const streamReport = queue.find((r) => r.target_type === 'live.stream')!
    assert.equal(streamReport.target_id, String(id))
    const full = await body<{ target_user: { username: string }; snapshot: Snapshot }>(await api('mod', 'GET', `/api/v1/reports/${streamReport.id}`))
    assert.equal(full.target_user.username, 'ana', 'about the streamer: staff can warn or suspend them')
    assert.equal(full.snapshot.stream.title, 'Late show')
    assert.equal(full.snapshot.stream.audience, 'followers')
    assert.deepEqual(full.snapshot.transcript.map((l) => l.text), ['hi ana', 'buy my pills at example.com', 'that is spam'])
    const framed = full.snapshot.files.find((f) => f.image)!
    assert.match(framed.url, /^\/live\/staff\/reports\/frames\/[0-9a-f]{32}\.jpg$/)
    const jpeg = await api('mod', 'GET', framed.url)
    assert.equal(jpeg.status, 200)
    assert.equal(jpeg.headers.get('content-type'), 'image/jpeg')
    const bytes = new Uint8Array(await jpeg.arrayBuffer())
    assert.deepEqual([bytes[0], bytes[1]], [0xff, 0xd8], 'a JPEG ffmpeg drew from the segment the reporter had reached')
    assert.equal((await api('ben', 'GET', framed.url)).status, 403, 'the frame is for staff only')
    const inspect = await t.agent()
    await inspect.loginViaForm('mod')
    const html = await inspect.text(`/admin/reports/${streamReport.id}`)
    has(html, /Live stream “Late show” by @ana/, 'the report names the stream')
    has(html, new RegExp(`<img src="${framed.url}"`), 'the frame drawn')
    has(html, new RegExp(`href="/live/staff/streams/${id}"`), 'the way to the stream')
    has(html, /buy my pills at example\.com/, 'the chat around it')
    const lineSnapshot = (await body<{ snapshot: Snapshot; target_user: { username: string } }>(await api('mod', 'GET', `/api/v1/reports/${lineReport}`)))
    assert.equal(lineSnapshot.target_user.username, 'ana')
    assert.deepEqual(lineSnapshot.snapshot.transcript.filter((l) => l.reported).map((l) => l.id), [spam.id])
    assert.equal(lineSnapshot.snapshot.transcript.length, 3, 'the lines on each side of it')

    // The stream itself, for staff who do not follow ana: its page, playlist and segments; the look is audited.
    assert.equal((await api('mod', 'GET', `/live/${id}`)).status, 404, 'the members’ page keeps the audience')
    assert.equal((await api('ben', 'GET', `/live/staff/streams/${id}`)).status, 403)
    const staffPage = await inspect.text(`/live/staff/streams/${id}`)
    has(staffPage, /data-src="\/live\/staff\/streams\/\d+\/hls\/index\.m3u8"/, 'the live edge played')
    has(staffPage, /End stream/, 'staff end it from here')
    const list = await (await api('mod', 'GET', `/live/staff/streams/${id}/hls/index.m3u8`)).text()
    const seg = /^(seg\d+\.ts)$/m.exec(list)![1]!
    const ts = new Uint8Array(await (await api('mod', 'GET', `/live/staff/streams/${id}/hls/${seg}`)).arrayBuffer())
    assert.equal(ts[0], 0x47, 'an MPEG-TS segment')
    assert.equal((await api('ben', 'GET', `/live/staff/streams/${id}/hls/${seg}`)).status, 403)
    const audit = await t.h.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'live.stream.viewed').execute()
    assert.deepEqual(audit.map((a) => a.target_id), [String(id)])

    // "Remove" on the line deletes it for everyone; on the stream ends it, drops its replay and the report's frame.
    assert.equal((await api('mod', 'POST', `/api/v1/reports/${lineReport}/resolve`, { outcome: 'remove' })).status, 200)
    assert.ok(!(await body<{ id: number }[]>(await api('ben', 'GET', `/api/v1/live/streams/${id}/chat`))).some((l) => l.id === spam.id))
    assert.equal((await inspect.post(`/admin/reports/${streamReport.id}/resolve`, { outcome: 'remove', note: 'spam stream' })).status, 303)
    const ended = await db().selectFrom('live_streams').select('status').where('id', '=', id).executeTakeFirstOrThrow()
    assert.equal(ended.status, 'ended')
    await t.h.queue.drain()
    assert.equal(await db().selectFrom('live_replays').select('stream_id').where('stream_id', '=', id).executeTakeFirst(), undefined, 'no replay of a removed stream')
    assert.equal((await api('mod', 'GET', framed.url)).status, 404, 'the frame goes once the report is decided')
    assert.equal(existsSync(join(t.dataDir, 'plugins', 'live', 'recordings', String(id))), false)
  })

  it('files a replay at the moment the reporter was in it, keeps it past its retention while open, and deletes it on "remove"', { timeout: 180_000 }, async () => {
    const id = await liveWithVideo('dee', { save_replay: true, title: 'Replayed' })
    assert.equal((await api('ben', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'early line' })).status, 201)
    assert.equal((await api('dee', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
    await until(
      'the replay ready',
      async () => {
        await t.h.queue.drain()
        return (await body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))).replay?.status
      },
      (s) => s === 'ready',
    )
    assert.equal((await api('cleo', 'POST', `/api/v1/live/streams/${id}/report`, { reason: 'spam', t: 1 })).status, 404, 'hidden is missing')
    const b = t.agent()
    await b.loginViaForm('ben')
    has(await b.text(`/live/${id}/report?t=2`), /Report the replay of “Replayed”[\s\S]*name="t" value="2"/, 'the replay’s form keeps the moment')
    const filed = await api('ben', 'POST', `/api/v1/live/streams/${id}/report`, { reason: 'violence', t: 2 })
    assert.equal(filed.status, 201)
    const reportId = (await body<{ id: number }>(filed)).id
    const r = await body<{ target_type: string; snapshot: Snapshot }>(await api('mod', 'GET', `/api/v1/reports/${reportId}`))
    assert.equal(r.target_type, 'live.replay')
    assert.equal(r.snapshot.replay_seconds, 2)
    assert.deepEqual(r.snapshot.transcript.map((l) => l.text), ['early line'])
    const framed = r.snapshot.files.find((f) => f.image)!
    assert.equal((await api('mod', 'GET', framed.url)).status, 200, 'the picture at that second of the replay')

    // Staff play the replay (followers only, mod does not follow dee).
    const m = t.agent()
    await m.loginViaForm('mod')
    has(await m.text(`/live/staff/streams/${id}`), /data-src="\/live\/staff\/streams\/\d+\/hls\/replay\.m3u8"/, 'the replay played')
    const vod = await (await api('mod', 'GET', `/live/staff/streams/${id}/hls/replay.m3u8`)).text()
    assert.match(vod, /#EXT-X-PLAYLIST-TYPE:VOD[\s\S]*#EXT-X-ENDLIST/)
    const first = /^(seg\d+\.ts)$/m.exec(vod)![1]!
    assert.equal((await api('mod', 'GET', `/live/staff/streams/${id}/hls/${first}`)).status, 200)

    // Past its retention, but reported: kept until staff decide.
    await db().updateTable('live_replays').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('stream_id', '=', id).execute()
    await t.h.scheduler.run('live', 'replay-retention')
    assert.equal((await api('ben', 'GET', `/api/v1/live/streams/${id}/replay`)).status, 200, 'held by the open report')

    assert.equal((await api('mod', 'POST', `/api/v1/reports/${reportId}/resolve`, { outcome: 'remove' })).status, 200)
    assert.equal((await api('ben', 'GET', `/api/v1/live/streams/${id}/replay`)).status, 404, 'the replay is gone')
    assert.equal((await api('ben', 'GET', `/api/v1/live/streams/${id}`)).status, 200, 'the ended stream’s page stays')
  })
})
