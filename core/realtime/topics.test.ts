// Realtime topics over a real server and real WebSockets: authorization, presence, typed messages, binary caps, resume, kicks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { z } from 'zod'
import { startServer } from '../server.js'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import { encodeBinaryFrame, MAX_TEXT_FRAME } from './topics.js'
import type { Topic } from './types.js'

const MiB = 1024 * 1024

/** Wait until the server side has caught up with what the client already saw (a close is seen first by the client). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(check(), what)
}

describe('realtime topics', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let room: Topic<string>
  let voice: Topic<string>
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  /** Who may join which room: the test changes it to remove someone. */
  const allowed = new Map<string, Set<number>>()
  const received: { topic: string; userId: number; message: unknown }[] = []
  const leaves: { topic: string; userId: number; conn: string }[] = []
  /** Socket ids as handlers saw them, by the text each socket sent. */
  const connOf = new Map<string, string>()
  const chunks: { topic: string; userId: number; bytes: Buffer }[] = []
  /** The "plugin's own table" of durable events per room, and a gate that holds replay to test the race. */
  const stored = new Map<string, { seq: number; event: string; data: unknown }[]>()
  let replayGate: Promise<void> | null = null

  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'bob', 'cyd']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    room = t.h.realtime.addTopic('test', 'test:room', {
      authorize: (viewer, topicId) => allowed.get(topicId)?.has(viewer.id) ?? false,
      presence: true,
      accept: z.object({ text: z.string().min(1, 'Say something.').max(20) }),
      onMessage: (conn, topicId, message) => {
        received.push({ topic: topicId, userId: conn.viewer.id, message })
        connOf.set(message.text, conn.id)
      },
      onLeave: (conn, topicId) => void leaves.push({ topic: topicId, userId: conn.viewer.id, conn: conn.id }),
      replay: async (topicId, _viewer, afterSeq) => {
        if (replayGate) await replayGate
        return (stored.get(topicId) ?? []).filter((e) => e.seq > afterSeq)
      },
    })
    voice = t.h.realtime.addTopic('test', 'test:voice', {
      authorize: () => true,
      binary: { maxBytes: MiB },
      onBinary: (conn, topicId, bytes) => void chunks.push({ topic: topicId, userId: conn.viewer.id, bytes: Buffer.from(bytes) }),
    })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    await server.close()
    await t.close()
  })

  const open = (who: string) => openSocket(server.port, tok[who]!)
  const join = async (s: TestSocket, topic: string, afterSeq?: number) => {
    s.send(afterSeq === undefined ? { op: 'join', topic } : { op: 'join', topic, after: afterSeq })
    return s.next((f) => f.topic === topic && (f.op === 'joined' || f.op === 'error'))
  }
  const allow = (topic: string, ...who: string[]) => allowed.set(topic, new Set(who.map((w) => id[w]!)))
  /** Core events reach a socket in order: once this marker arrives, anything published before it would have too. */
  const settle = async (s: TestSocket, who: string) => {
    const mark = Math.random()
    t.h.realtime.publish(id[who]!, 'marker', mark)
    await s.next((f) => f.event === 'marker' && f.data === mark)
  }
  const topicFrames = (s: TestSocket, topic: string) => s.frames.filter((f) => f.topic === topic && f.event)
  const durable = (topic: string, seq: number, text: string) => {
    const list = stored.get(topic) ?? []
    list.push({ seq, event: 'message', data: { text } })
    stored.set(topic, list)
    room.publish(topic, 'message', { text }, { durable: seq })
  }

  it('refuses a member who may not join with the same error as a missing topic, and they hear nothing published to it', async () => {
    allow('test:room:1', 'ana')
    const ana = await open('ana')
    const bob = await open('bob')
    assert.equal((await join(ana, 'test:room:1')).op, 'joined')
    const refused = await join(bob, 'test:room:1')
    const missing = await join(bob, 'nobody:here:1')
    assert.deepEqual([refused.op, refused.code, refused.message], ['error', 'NOT_FOUND', 'There is no such topic, or you may not join it.'])
    assert.deepEqual([missing.code, missing.message], [refused.code, refused.message], 'refused and missing look the same')

    room.publish('test:room:1', 'message', { text: 'secret' })
    bob.send({ op: 'send', topic: 'test:room:1', message: { text: 'let me in' } })
    assert.equal((await bob.next((f) => f.op === 'error' && f.topic === 'test:room:1')).code, 'NOT_FOUND', 'a refused member cannot send either')
    await ana.next((f) => f.event === 'message')
    await settle(bob, 'bob')
    assert.deepEqual(topicFrames(bob, 'test:room:1'), [])
    assert.ok(!JSON.stringify(bob.frames).includes('secret'))
    assert.deepEqual(received, [], 'the refused message never reached the plugin')
    await Promise.all([ana.close(), bob.close()])
  })

  it('tells members who joins and leaves, once per member however many pages they have open, and answers present()', async () => {
    allow('test:room:2', 'ana', 'bob')
    const ana = await open('ana')
    await join(ana, 'test:room:2')
    const bob1 = await open('bob')
    const joined = await join(bob1, 'test:room:2')
    assert.deepEqual([joined.present!.sort(), joined.presentCount], [[id.ana!, id.bob!].sort(), 2])
    assert.deepEqual(await ana.next((f) => f.op === 'presence'), { op: 'presence', topic: 'test:room:2', userId: id.bob, online: true })
    assert.deepEqual(room.present('test:room:2').sort(), [id.ana!, id.bob!].sort())

    const bob2 = await open('bob')
    await join(bob2, 'test:room:2')
    await bob1.close()
    await settle(ana, 'ana')
    assert.equal(ana.frames.filter((f) => f.op === 'presence').length, 1, 'a second page and closing one of two change nothing')
    assert.deepEqual(room.present('test:room:2').sort(), [id.ana!, id.bob!].sort())

    bob2.send({ op: 'leave', topic: 'test:room:2' })
    assert.equal((await bob2.next((f) => f.op === 'left')).topic, 'test:room:2')
    assert.deepEqual(await ana.next((f) => f.op === 'presence'), { op: 'presence', topic: 'test:room:2', userId: id.bob, online: false })
    assert.deepEqual(room.present('test:room:2'), [id.ana])
    await Promise.all([ana.close(), bob2.close()])
    await eventually(() => room.present('test:room:2').length === 0, 'closed pages leave the topic')
  })

  it('hands the plugin a valid message in order and answers an invalid or unknown one with an error frame, keeping the socket open', async () => {
    allow('test:room:3', 'ana')
    const ana = await open('ana')
    await join(ana, 'test:room:3')
    await join(ana, 'test:voice:3')
    ana.send({ op: 'send', topic: 'test:room:3', message: { text: '' } })
    assert.deepEqual(await ana.next((f) => f.op === 'error'), { op: 'error', topic: 'test:room:3', code: 'VALIDATION_FAILED', message: 'Say something.' })
    ana.send({ op: 'send', topic: 'test:voice:3', message: { text: 'hi' } })
    assert.equal((await ana.next((f) => f.op === 'error')).code, 'MESSAGES_REFUSED')
    ana.send({ op: 'dance', topic: 'test:room:3' })
    assert.equal((await ana.next((f) => f.op === 'error')).code, 'BAD_MESSAGE')
    ana.send('{not json')
    assert.equal((await ana.next((f) => f.op === 'error')).code, 'BAD_MESSAGE')
    ana.send({ op: 'send', topic: 'test:room:3', message: { text: 'hello' } })
    // A page's frames are handled in order: a message sent right behind its join (not waiting for "joined") is taken.
    allow('test:room:33', 'ana')
    ana.send({ op: 'join', topic: 'test:room:33' })
    ana.send({ op: 'send', topic: 'test:room:33', message: { text: 'right away' } })
    await ana.next((f) => f.op === 'joined' && f.topic === 'test:room:33')
    await settle(ana, 'ana')
    assert.deepEqual(received, [
      { topic: 'test:room:3', userId: id.ana, message: { text: 'hello' } },
      { topic: 'test:room:33', userId: id.ana, message: { text: 'right away' } },
    ])
    await ana.close()
  })

  it('takes a 1 MiB binary chunk on a binary topic, refuses one over its cap, and refuses binary on a topic without it', async () => {
    allow('test:room:4', 'ana')
    const ana = await open('ana')
    await join(ana, 'test:voice:4')
    await join(ana, 'test:room:4')
    const chunk = Buffer.alloc(MiB, 7)
    ana.ws.send(encodeBinaryFrame('test:voice:4', chunk))
    ana.ws.send(encodeBinaryFrame('test:voice:4', Buffer.alloc(MiB + 1, 1)))
    assert.deepEqual(await ana.next((f) => f.op === 'error'), {
      op: 'error',
      topic: 'test:voice:4',
      code: 'PAYLOAD_TOO_LARGE',
      message: `Binary frames on this topic are at most ${MiB} bytes.`,
    })
    ana.ws.send(encodeBinaryFrame('test:room:4', Buffer.from('not audio')))
    assert.deepEqual([(await ana.next((f) => f.op === 'error')).code], ['BINARY_REFUSED'])
    ana.ws.send(encodeBinaryFrame('test:voice:99', Buffer.from('not joined')))
    assert.equal((await ana.next((f) => f.op === 'error')).code, 'NOT_FOUND')
    assert.equal(chunks.length, 1)
    assert.deepEqual([chunks[0]!.topic, chunks[0]!.userId, chunks[0]!.bytes.equals(chunk)], ['test:voice:4', id.ana, true])

    // Binary from the server reaches the topic's members with the same header.
    voice.publishBinary('test:voice:4', Buffer.from('beep'))
    await settle(ana, 'ana')
    assert.deepEqual(ana.binary.map((b) => b.toString('latin1')), ['\x0ctest:voice:4beep'])

    // JSON stays capped small although the server takes 1 MiB binary frames, and a frame beyond the server's cap closes too.
    ana.ws.send('x'.repeat(MAX_TEXT_FRAME + 1))
    assert.equal(await ana.closed, 1009)
    const again = await open('ana')
    again.ws.send(Buffer.alloc(2 * MiB))
    assert.equal(await again.closed, 1009)
  })

  it('replays exactly what a member missed while disconnected, in order, with no duplicates, even when events arrive during the replay', async () => {
    allow('test:room:5', 'ana')
    const first = await open('ana')
    await join(first, 'test:room:5')
    durable('test:room:5', 1, 'one')
    durable('test:room:5', 2, 'two')
    await first.next((f) => f.seq === 2)
    const lastSeen = Math.max(...topicFrames(first, 'test:room:5').map((f) => f.seq!))
    await first.close()

    durable('test:room:5', 3, 'three')
    durable('test:room:5', 4, 'four')
    let open5!: () => void
    replayGate = new Promise((res) => (open5 = res))
    const back = await open('ana')
    const joined = join(back, 'test:room:5', lastSeen)
    await joined
    // Published while replay is still reading: it is in the table replay will read AND arrives live.
    durable('test:room:5', 5, 'five')
    room.publish('test:room:5', 'note', { text: 'not durable' })
    open5()
    replayGate = null
    await back.next((f) => f.event === 'note')
    durable('test:room:5', 6, 'six')
    await back.next((f) => f.seq === 6)
    assert.deepEqual(
      topicFrames(back, 'test:room:5').map((f) => f.seq ?? f.event),
      [3, 4, 5, 'note', 6],
    )
    assert.deepEqual(topicFrames(back, 'test:room:5')[0], { topic: 'test:room:5', event: 'message', data: { text: 'three' }, seq: 3 })
    await back.close()
  })

  it('skips the members listed in except (a chat line kept from those blocked either way with its author)', async () => {
    allow('test:room:9', 'ana', 'bob', 'cyd')
    const ana = await open('ana')
    const bob = await open('bob')
    const cyd = await open('cyd')
    for (const s of [ana, bob, cyd]) await join(s, 'test:room:9')
    room.publish('test:room:9', 'message', { text: 'not for bob or cyd' }, { except: [id.bob!, id.cyd!] })
    room.publish('test:room:9', 'message', { text: 'for all' })
    await ana.next((f) => f.data?.text === 'for all')
    for (const [s, who] of [[bob, 'bob'], [cyd, 'cyd']] as const) {
      await s.next((f) => f.data?.text === 'for all')
      await settle(s, who)
      assert.deepEqual(topicFrames(s, 'test:room:9').map((f) => f.data), [{ text: 'for all' }])
    }
    assert.deepEqual(topicFrames(ana, 'test:room:9').map((f) => f.data), [{ text: 'not for bob or cyd' }, { text: 'for all' }])
    await Promise.all([ana.close(), bob.close(), cyd.close()])
  })

  it('kicks a removed member from a topic so they hear nothing after, and rechecks authorization on demand and on session changes', async () => {
    allow('test:room:6', 'ana', 'bob', 'cyd')
    const ana = await open('ana')
    const bob = await open('bob')
    const cyd = await open('cyd')
    for (const s of [ana, bob, cyd]) await join(s, 'test:room:6')
    room.kick('test:room:6', id.bob!)
    assert.deepEqual(await bob.next((f) => f.op === 'left'), { op: 'left', topic: 'test:room:6', reason: 'removed' })
    assert.deepEqual(await ana.next((f) => f.op === 'presence' && f.userId === id.bob && f.online === false), { op: 'presence', topic: 'test:room:6', userId: id.bob, online: false })
    room.publish('test:room:6', 'message', { text: 'after bob left' })
    await ana.next((f) => f.data?.text === 'after bob left')
    await settle(bob, 'bob')
    assert.deepEqual(topicFrames(bob, 'test:room:6'), [])
    bob.send({ op: 'send', topic: 'test:room:6', message: { text: 'still here?' } })
    assert.equal((await bob.next((f) => f.op === 'error')).code, 'NOT_FOUND')

    // Authorization changed in the plugin's tables: recheck() removes whoever authorize now refuses.
    allow('test:room:6', 'ana')
    await room.recheck('test:room:6')
    assert.equal((await cyd.next((f) => f.op === 'left')).reason, 'removed')
    assert.deepEqual(room.present('test:room:6'), [id.ana])

    // A session change closes every socket, and with it every topic membership.
    await t.h.hooks.emit('action:user.logged-out', { userId: id.ana! })
    assert.equal(await ana.closed, 4001)
    await eventually(() => room.present('test:room:6').length === 0, 'the server let go of the closed socket’s topics')
    await Promise.all([bob.close(), cyd.close()])
  })

  it('tells the plugin each socket that leaves a topic, whether it asked, closed or was kicked, with the id its messages carried', async () => {
    allow('test:room:8', 'ana', 'bob')
    const ana1 = await open('ana')
    const ana2 = await open('ana')
    const bob = await open('bob')
    for (const s of [ana1, ana2, bob]) await join(s, 'test:room:8')
    for (const [s, text] of [[ana1, 'one'], [ana2, 'two'], [bob, 'three']] as const) {
      s.send({ op: 'send', topic: 'test:room:8', message: { text } })
      await eventually(() => connOf.has(text), 'the message arrived')
    }
    const left = () => leaves.filter((l) => l.topic === 'test:room:8')
    ana1.send({ op: 'leave', topic: 'test:room:8' })
    await eventually(() => left().length === 1, 'a leave is told')
    await ana2.close()
    await eventually(() => left().length === 2, 'a closed socket is told')
    room.kick('test:room:8', id.bob!)
    await eventually(() => left().length === 3, 'a kick is told')
    assert.deepEqual(left().map((l) => l.userId), [id.ana, id.ana, id.bob])
    assert.deepEqual(left().map((l) => l.conn), ['one', 'two', 'three'].map((text) => connOf.get(text)), 'one call per socket, with the id its messages carried')
    await bob.close()
    await ana1.close()
  })

  it('refuses a topic name outside the plugin’s own prefix, a second definition of a name, and a binary cap beyond 16 MiB', () => {
    assert.throws(() => t.h.realtime.addTopic('test', 'other:room', { authorize: () => true }), /Topic name "other:room" must be "test:NAME"/)
    assert.throws(() => t.h.realtime.addTopic('test', 'test:room', { authorize: () => true }), /The topic test:room already exists/)
    assert.throws(() => t.h.realtime.addTopic('test', 'test:huge', { authorize: () => true, binary: { maxBytes: 17 * MiB } }), /binary.maxBytes/)
    assert.throws(() => room.publish('test:voice:1', 'message', {}), /publishes only to "test:room"/)
  })

  it('forgets a plugin’s topics when it is unregistered, telling their members', async () => {
    allow('test:room:7', 'ana')
    const ana = await open('ana')
    await join(ana, 'test:room:7')
    assert.deepEqual(t.h.realtime.topicNames().sort(), ['test:room', 'test:voice'])
    t.h.realtime.removeOwner('test')
    assert.deepEqual(await ana.next((f) => f.op === 'left'), { op: 'left', topic: 'test:room:7', reason: 'closed' })
    assert.deepEqual(t.h.realtime.topicNames(), [])
    assert.equal((await join(ana, 'test:room:7')).code, 'NOT_FOUND')
    await ana.close()
  })
})
