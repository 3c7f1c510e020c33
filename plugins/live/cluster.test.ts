// Live on a LiteFS cluster, for real on loopback (test/litefs.ts: two Hearth servers, a folder standing in for each
// mount): a stream ingested on the primary (a synthetic WebM through the ingest topic, a real ffmpeg), then the lease
// moves. The old primary, which may no longer write, kills the stream's ffmpeg and drops what it held; the new
// primary ends the stream its predecessor left live before answering for it, as after a restart. An encoder's RTMP
// push to the old primary is cut the same way (OBS then reconnects, and a replica pipes it to the new primary).
import assert from 'node:assert/strict'
import { rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, tempDir } from '../../test/harness.js'
import { callNode, cluster, NOT_PROVEN, type LoopbackNode } from '../../test/litefs.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import { binaryFrame, ffmpegsUnder, freePort, pushTo, syntheticWebm, until } from './testing.js'

describe('live when the primary moves (two servers on loopback)', () => {
  const root = tempDir('hearth-live-cluster-')
  const c = cluster(root)
  let a: LoopbackNode
  let b: LoopbackNode
  let token = ''
  let rtmpPort = 0
  const sockets: TestSocket[] = []
  const pushers: ReturnType<typeof pushTo>[] = []
  /** Where a server's ffmpeg writes a stream's HLS: its own disk. */
  const streamsOf = (n: LoopbackNode) => join(root, n.name, 'data', 'plugins', 'live', 'streams')
  /** LiteFS hands the lease from one server to the other, which has what the first wrote. */
  async function moveLease(from: LoopbackNode, to: LoopbackNode) {
    c.commit(from)
    await c.replicate(from, to)
    writeFileSync(join(from.mount, '.primary'), `${to.name}\n`)
    unlinkSync(join(to.mount, '.primary'))
    await from.h.replication.refresh()
    await to.h.replication.refresh()
  }

  before(async () => {
    a = c.node('node-a')
    b = c.node('node-b')
    const t = await createTestApp({ dataDir: a.mount, enable: ['live'] })
    token = (await t.register('ana')).token
    // One RTMP port for both (the setting is shared): node-a, started first, takes it; node-b's is logged as taken.
    rtmpPort = await freePort()
    await t.h.plugins.loaded.get('live')!.settings.set('rtmp_port', rtmpPort)
    await t.close()
    await c.startPair(a, b)
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    for (const p of pushers) p.kill('SIGKILL')
    await b?.server.close()
    await a?.server.close()
    assert.deepEqual(ffmpegsUnder(root), [], 'no ffmpeg outlives the servers')
    rmSync(root, { recursive: true, force: true })
  })

  it('kills the stream’s ffmpeg on the old primary once the lease moves, and the new primary ends the stream', { timeout: 120_000 }, async (t) => {
    const res = await callNode(b, 'POST', '/api/v1/live/streams', { token, json: { title: 'before the move' } })
    assert.equal(res.status, 201, 'going live through the replica reaches the primary')
    const id = ((await res.json()) as { data: { id: number } }).data.id
    const ingest = await openSocket(a.server.port, token)
    sockets.push(ingest)
    const topic = `live:ingest:${id}`
    ingest.send({ op: 'join', topic })
    await ingest.next((f) => f.topic === topic && f.op === 'joined', 10_000)
    ingest.send({ op: 'send', topic, message: { start: true } })
    const webm = syntheticWebm(4)
    for (let i = 0; i < webm.length; i += 32 * 1024) ingest.ws.send(binaryFrame(topic, webm.subarray(i, i + 32 * 1024)))
    await until('ffmpeg runs on the primary', () => ffmpegsUnder(streamsOf(a)).length, (n) => n === 1)
    await moveLease(a, b)
    await until('the old primary’s ffmpeg is gone', () => ffmpegsUnder(streamsOf(a)).length, (n) => n === 0, 10_000)
    const now = await callNode(b, 'GET', `/api/v1/live/streams/${id}`, { token })
    assert.equal(now.status, 200)
    assert.equal(((await now.json()) as { data: { status: string } }).data.status, 'ended', 'the new primary ended the stream left live')
    t.diagnostic(NOT_PROVEN)
  })

  it('cuts an encoder’s RTMP push on the old primary once the lease moves, and kills its ffmpeg', { timeout: 120_000 }, async () => {
    // The lease comes back to node-a (which ends, first, the stream node-b had ended for it: `recover` runs again).
    await moveLease(b, a)
    const made = await callNode(a, 'POST', '/api/v1/live/key', { token })
    assert.equal(made.status, 201)
    const key = ((await made.json()) as { data: { key: string } }).data.key
    const pusher = pushTo(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`)
    pushers.push(pusher)
    await until('the push is ingested on node-a', () => ffmpegsUnder(streamsOf(a)).length, (n) => n === 1)
    await moveLease(a, b)
    await until('node-a’s ffmpeg is gone', () => ffmpegsUnder(streamsOf(a)).length, (n) => n === 0, 10_000)
    let exited = false
    void pusher.done.then(() => (exited = true))
    await until('the encoder’s connection is closed', () => exited, (x) => x, 10_000)
  })
})
