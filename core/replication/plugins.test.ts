// Plugins' files and memory across the nodes of a LiteFS cluster, for real on loopback (a primary and a replica, see
// test/litefs.ts): what a plugin keeps in `ctx.dataDir` is on the primary's disk only, so a replica sends the reads of
// those paths to the primary: every path of a plugin on `threads: 'main'` (live: its HLS, replays, posters, report
// frames, WHEP), the paths a `threads: 'any'` plugin declared with `ctx.http.primaryOnly`; its other reads it answers
// itself. The primary checks access as it would for a member who reached it.
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ROOT } from '../paths.js'
import { createTestApp, tempDir } from '../../test/harness.js'
import { callNode, cluster, NOT_PROVEN, type CallInit, type LoopbackNode } from '../../test/litefs.js'
import { mainThreadPaths, pinnedPath } from '../plugins/pinned.js'

const FIXTURES = join(ROOT, 'test/fixtures/cluster')

describe('plugins’ primary-only paths (a primary and a replica on loopback)', () => {
  const root = tempDir('hearth-litefs-plugins-')
  const c = cluster(root)
  let a: LoopbackNode
  let b: LoopbackNode
  const tok: Record<string, string> = {}
  /** A public stream ended with a replay, and one for followers only (ben follows ana; cyd does not). */
  const stream = { open: 0, followers: 0 }
  const frame = `${'ab'.repeat(16)}.jpg`
  const call = (n: LoopbackNode, path: string, init: CallInit = {}) => callNode(n, 'GET', path, init)
  /** A plugin's data folder on a node's own disk. */
  const dataOf = (n: LoopbackNode, plugin: string) => join(root, n.name, 'data', 'plugins', plugin)

  before(async () => {
    a = c.node('node-a')
    b = c.node('node-b')
    // The community in the primary's database (LiteFS's mount), as an operator would set it up; then both nodes.
    const t = await createTestApp({ dataDir: a.mount, pluginDirs: [FIXTURES], enable: ['keeper', 'live'] })
    for (const name of ['ana', 'ben', 'cyd', 'mod']) tok[name] = (await t.register(name)).token
    await t.h.social.follow(t.h.store.sqlite.prepare("select id from users where username = 'ben'").pluck().get() as number, 'ana')
    t.h.store.sqlite.prepare("update users set role = 'moderator' where username = 'mod'").run()
    // Two nodes in one process cannot both take the RTMP port (realtime.test.ts covers RTMP's relay).
    await t.h.plugins.loaded.get('live')!.settings.set('rtmp_port', 0)
    const ana = t.h.store.sqlite.prepare("select id from users where username = 'ana'").pluck().get() as number
    const ended = t.h.store.sqlite.prepare("insert into live_streams (user_id, title, audience, chat, save_replay, status, ended_at) values (?, ?, ?, 'on', 1, 'ended', datetime('now')) returning id")
    for (const [key, audience] of [['open', 'public'], ['followers', 'followers']] as const) {
      stream[key] = (ended.get(ana, `${audience} replay`, audience) as { id: number }).id
      t.h.store.sqlite.prepare("insert into live_replays (stream_id, status, duration) values (?, 'ready', 2)").run(stream[key])
      t.h.store.sqlite.prepare('insert into live_segments (stream_id, seq, duration, at_ms) values (?, 0, 2, 2000)').run(stream[key])
    }
    await t.close()
    await c.startPair(a, b, { pluginDirs: [FIXTURES] })
    // Files only the primary has: the fixture's, a replay's segment and poster, a report's frame.
    mkdirSync(join(dataOf(a, 'keeper'), 'files'), { recursive: true })
    writeFileSync(join(dataOf(a, 'keeper'), 'files', 'note.txt'), 'kept on the primary')
    for (const id of [stream.open, stream.followers]) {
      mkdirSync(join(dataOf(a, 'live'), 'recordings', String(id)), { recursive: true })
      writeFileSync(join(dataOf(a, 'live'), 'recordings', String(id), 'seg0.ts'), `segment of ${id}`)
      writeFileSync(join(dataOf(a, 'live'), 'recordings', String(id), 'poster.jpg'), `poster of ${id}`)
    }
    mkdirSync(join(dataOf(a, 'live'), 'reports'), { recursive: true })
    writeFileSync(join(dataOf(a, 'live'), 'reports', frame), 'the reported picture')
  })
  after(async () => {
    await b?.server.close()
    await a?.server.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('answers a declared path on the replica from the primary’s disk, with the member, the query and the forward said', async (t) => {
    const res = await call(b, '/keeper/files/note.txt?key=key-of-note.txt', { token: tok.ben })
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { primary: true, forwardedBy: 'node-b', text: 'kept on the primary', viewer: 'ben' })
    // The plugin's own check runs on the primary: a link without its key is refused there, as on one server.
    const refused = await call(b, '/keeper/files/note.txt')
    assert.equal(refused.status, 403)
    assert.equal((await refused.json()).primary, true)
    // A `:name` pattern: this path goes; the one below it, not declared, stays on the replica.
    assert.deepEqual(await (await call(b, '/api/v1/keeper/rooms/7')).json(), { primary: true, forwardedBy: 'node-b' })
    assert.deepEqual(await (await call(b, '/api/v1/keeper/rooms/7/history')).json(), { primary: false, forwardedBy: null })
    t.diagnostic(NOT_PROVEN)
  })

  it('serves the other reads of a `threads: \'any\'` plugin on the replica itself, and everything on the primary there', async () => {
    assert.deepEqual(await (await call(b, '/keeper/here')).json(), { primary: false, forwardedBy: null })
    assert.deepEqual(await (await call(a, '/keeper/here')).json(), { primary: true, forwardedBy: null })
    assert.deepEqual(await (await call(a, '/keeper/files/note.txt?key=key-of-note.txt')).json(), { primary: true, forwardedBy: null, text: 'kept on the primary', viewer: null })
  })

  it('answers live’s replay files (playlist, segment, poster) on the replica from the primary, which the replica’s disk lacks', async () => {
    const id = stream.open
    const list = await call(b, `/live/${id}/hls/replay.m3u8`)
    assert.equal(list.status, 200)
    assert.match(await list.text(), /^seg0\.ts$/m)
    const seg = await call(b, `/live/${id}/hls/seg0.ts`)
    assert.equal(seg.status, 200)
    assert.equal(await seg.text(), `segment of ${id}`)
    assert.equal(await (await call(b, `/live/${id}/poster.jpg`)).text(), `poster of ${id}`)
    assert.equal((await call(b, `/live/${id}/poster.jpg`)).headers.get('cache-control'), 'private, max-age=3600', 'the primary’s headers cross')
  })

  it('keeps live’s audience through the forward: a followers-only replay is missing to a stranger, there to a follower', async () => {
    const id = stream.followers
    for (const path of [`/live/${id}/hls/replay.m3u8`, `/live/${id}/hls/seg0.ts`, `/live/${id}/poster.jpg`]) {
      assert.equal((await call(b, path)).status, 404, `${path} to a guest`)
      assert.equal((await call(b, path, { token: tok.cyd })).status, 404, `${path} to a stranger`)
      assert.equal((await call(b, path, { token: tok.ben })).status, 200, `${path} to a follower`)
    }
  })

  it('shows staff a report’s frame through the replica, and nobody else', async () => {
    const res = await call(b, `/live/staff/reports/frames/${frame}`, { token: tok.mod })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'the reported picture')
    assert.notEqual((await call(b, `/live/staff/reports/frames/${frame}`, { token: tok.ben })).status, 200)
  })

  it('refuses a primary-only read with 503 and Retry-After while the primary is unknown', async () => {
    writeFileSync(join(b.mount, '.primary'), 'node-z\n')
    await b.h.replication.refresh()
    try {
      const res = await call(b, '/keeper/files/note.txt?key=key-of-note.txt')
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('retry-after'), '2')
      assert.equal((await call(b, `/live/${stream.open}/poster.jpg`)).status, 503)
      assert.equal((await call(b, '/keeper/here')).status, 200, 'what needs only the database still answers')
    } finally {
      writeFileSync(join(b.mount, '.primary'), 'node-a\n')
      await b.h.replication.refresh()
    }
  })

  it('lists what the main thread and the primary serve: core’s, live’s prefixes, and the fixture’s declared paths only', () => {
    const paths = mainThreadPaths(b.h)
    assert.deepEqual(paths.patterns, ['/keeper/files/*', '/api/v1/keeper/rooms/:id'])
    assert.ok(paths.prefixes.includes('/live') && paths.prefixes.includes('/api/v1/live'))
    assert.ok(!paths.prefixes.some((p) => p.includes('keeper')))
    const pinned = pinnedPath(paths)
    for (const path of ['/keeper/files', '/keeper/files/a/b?key=1', '/api/v1/keeper/rooms/x', '/live/7/hls/seg1.ts', '/admin']) assert.equal(pinned(path), true, path)
    for (const path of ['/keeper', '/keeper/filesx', '/api/v1/keeper/rooms', '/api/v1/keeper/rooms/7/history', '/', '/u/ana']) assert.equal(pinned(path), false, path)
  })
})
