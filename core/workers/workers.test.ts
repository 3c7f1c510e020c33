// Hearth on two HTTP worker threads (HEARTH_WORKERS=2), started for real: both threads serve, a rate limit holds
// across them, a realtime event published by a request on a worker reaches a socket the main thread holds, random
// chat's matchmaker pairs members whose sockets came in on different threads, a write goes to the main thread with
// the client's address and is read on a worker, a thread that dies is replaced (the sockets it relayed close, their
// partners are told, and the members reconnect and are served again), and a clean stop leaves no thread behind.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { availableParallelism, totalmem } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { createHearth, type Hearth } from '../app.js'
import { autoWorkers, MAX_WORKERS, resolveConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { ROOT } from '../paths.js'
import { startServer, type RunningServer } from '../server.js'
import { createTestApp, PASSWORD, tempDir } from '../../test/harness.js'
import { openSocket, type Frame, type TestSocket } from '../../test/realtime.js'
import { mainThreadWiring } from './main.js'

const FIXTURES = join(ROOT, 'test/fixtures/cluster')

interface Answer {
  status: number
  thread: string
  body: any
}

/** How many API requests a member may make in a minute here: low, to see the limit. */
const API_LIMIT = 40

describe('worker threads', () => {
  const dataDir = tempDir()
  let h: Hearth
  let server: RunningServer
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}

  before(async () => {
    // Members first, in process, as an operator would set things up; then the real server on two threads.
    const t = await createTestApp({ dataDir, pluginDirs: [FIXTURES], enable: ['random-chat', 'keeper', 'messages'], settings: { 'limits.api_requests_per_minute': API_LIMIT } })
    // Members just made may meet, and the same two may meet again (after a crash ended their call).
    const meetSettings = t.h.plugins.loaded.get('random-chat')!.settings
    for (const k of ['min_account_age_hours', 'cooldown_minutes'] as const) await meetSettings.set(k, 0)
    for (const n of ['ana', 'bob', 'cyd', 'dee', 'eve', 'fay', 'gus', 'hal']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    await t.close()
    process.env.HEARTH_THREAD_HEADER = '1'
    const config = resolveConfig({ dataDir, port: 0, host: '127.0.0.1', workers: 2, logLevel: 'silent', pluginDirs: [FIXTURES] }, {})
    const threads = mainThreadWiring()
    h = await createHearth({ config, log: createLogger({ level: 'silent' }), thread: threads })
    server = await startServer(h, { threads })
  })
  after(async () => {
    await server?.close()
    delete process.env.HEARTH_THREAD_HEADER
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** One request on a connection of its own, so the kernel picks a thread for each. */
  const call = (method: string, path: string, init: { token?: string; json?: unknown; from?: string } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const body = init.json === undefined ? undefined : JSON.stringify(init.json)
      const headers: Record<string, string> = { accept: 'application/json' }
      if (init.token) headers.authorization = `Bearer ${init.token}`
      if (body) headers['content-type'] = 'application/json'
      const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, agent: false, localAddress: init.from }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode!, thread: String(res.headers['x-hearth-thread'] ?? ''), body: text.startsWith('{') ? JSON.parse(text) : text }))
      })
      req.on('error', reject)
      req.end(body)
    })

  /** Requests until one is answered by a thread that `wanted` accepts (the kernel spreads connections, not evenly). */
  const callUntil = async (wanted: (thread: string) => boolean, ...args: Parameters<typeof call>): Promise<Answer> => {
    for (let i = 0; i < 200; i++) {
      const a = await call(...args)
      if (wanted(a.thread)) return a
    }
    throw new Error('no request reached the wanted thread in 200 tries')
  }

  /** `who`'s Meet socket (random chat), which answers `{ type: 'hello' }` when ready. */
  const meet = (who: string) => openSocket(server.port, tok[who]!, { path: '/realtime/random-chat/meet', hello: (f) => f.type === 'hello' })
  /** The worker thread that accepted a socket and relays it to the main thread (its answer names it). */
  const via = (s: TestSocket) => String(s.headers['x-hearth-thread'] ?? '')
  /** Sockets opened until one came in on a thread `wanted` accepts (the others are closed). */
  const socketVia = async (wanted: (thread: string) => boolean, open: () => Promise<TestSocket>): Promise<TestSocket> => {
    for (let i = 0; i < 200; i++) {
      const s = await open()
      if (wanted(via(s))) return s
      await s.close()
    }
    throw new Error('no socket came in on the wanted thread in 200 tries')
  }
  const workers = () => server.threads!.threadIds().map(String)
  const type = (name: string) => (f: Frame) => f.type === name
  /** Two Meet sockets start, one after the other, and are paired: the session both were told. */
  const pairUp = async (first: TestSocket, second: TestSocket): Promise<string> => {
    first.send({ type: 'start', mode: 'video' })
    await first.next(type('waiting'))
    second.send({ type: 'start', mode: 'video' })
    const [a, b] = await Promise.all([first.next(type('matched'), 10_000), second.next(type('matched'), 10_000)])
    assert.equal(a.session, b.session)
    return a.session!
  }
  /** A signal from one partner reaches the other, unchanged. */
  const signals = async (from: TestSocket, to: TestSocket, session: string) => {
    const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } }
    from.send({ type: 'signal', session, data: offer })
    const got = await to.next(type('signal'))
    assert.deepEqual([got.session, got.data], [session, offer])
  }
  /** A promise settled within `ms`, or a readable failure. */
  const within = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([p, sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what} within ${ms} ms`)))])

  it('serves on both threads, each with the thread id the main thread knows', async () => {
    const ids = server.threads!.threadIds().map(String).sort()
    assert.equal(ids.length, 2)
    const seen = new Set<string>()
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await call('GET', '/healthz')).thread)
    assert.deepEqual([...seen].sort(), ids)
  })

  it('hands the paths a `threads: \'any\'` plugin declared primary-only to the main thread, and serves its other reads on the workers', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await call('GET', '/api/v1/keeper/rooms/7')).thread, 'main')
    const here = await callUntil((thread) => thread !== 'main', 'GET', '/keeper/here')
    assert.ok(workers().includes(here.thread), `answered by ${here.thread}`)
  })

  it('holds a member’s API limit across threads: exactly the limit passes, wherever each request lands', async () => {
    const answers: Answer[] = []
    for (let i = 0; i < API_LIMIT + 10; i++) answers.push(await call('GET', '/api/v1/users/me', { token: tok.cyd }))
    const ok = answers.filter((a) => a.status === 200)
    assert.equal(ok.length, API_LIMIT, `statuses: ${answers.map((a) => a.status).join(',')}`)
    assert.ok(answers.slice(API_LIMIT).every((a) => a.status === 429), 'everything after the limit is refused')
    assert.equal(new Set(ok.map((a) => a.thread)).size, 2, 'both threads counted toward the one limit')
  })

  it('delivers an event published by a request on a worker to the socket the main thread holds', async () => {
    const events: { event: string; data: any }[] = []
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime`, { headers: { authorization: `Bearer ${tok.ana}` } })
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { event: string; data: any }
        events.push(m)
        if (m.event === 'hello') resolve()
      })
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.once('error', reject)
    })
    assert.equal(events[0]!.data.userId, id.ana)
    const waitFor = async (event: string) => {
      for (let i = 0; i < 200 && !events.some((e) => e.event === event); i++) await sleep(25)
      return events.find((e) => e.event === event)
    }
    // A write goes to the main thread, whose hub has the socket.
    const followed = await call('POST', '/api/v1/users/ana/follow', { token: tok.bob })
    assert.equal(followed.status, 200, JSON.stringify(followed.body))
    assert.equal(followed.thread, 'main')
    assert.match((await waitFor('notification'))?.data.text ?? '', /bob/)
    // Opening the list (a read, on a worker) marks it read and tells ana's other pages: from the worker's hub,
    // which learnt from the main thread that ana is online, over the bus to the main thread's socket.
    const opened = await call('GET', '/notifications', { token: tok.ana })
    assert.equal(opened.status, 200)
    assert.ok(server.threads!.threadIds().map(String).includes(opened.thread), `served by a worker, not ${opened.thread}`)
    assert.deepEqual((await waitFor('notifications.read'))?.data, { unread: 0 })
    ws.close()
  })

  it('serves the messages plugin’s reads on the workers, with who is online as the main thread knows it, and its calls on the main thread', async () => {
    const made = await call('POST', '/api/v1/messages/conversations', { token: tok.gus, json: { user: 'hal' } })
    assert.ok(made.status === 201 || made.status === 200, JSON.stringify(made.body))
    const conv = made.body.data.id as number
    assert.equal((await call('POST', `/api/v1/messages/conversations/${conv}/messages`, { token: tok.gus, json: { text: 'hi hal' } })).status, 201)
    assert.equal((await call('POST', `/api/v1/messages/conversations/${conv}/accept`, { token: tok.hal })).status, 200)
    const presence = () => callUntil((thread) => thread !== 'main', 'GET', `/api/v1/messages/conversations/${conv}/presence`, { token: tok.hal })
    assert.equal((await presence()).body.data.online, false)
    // gus opens a page: the socket is the main thread's, and the worker answering hal learns it from the mirror.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime`, { headers: { authorization: `Bearer ${tok.gus}` } })
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve())
      ws.once('error', reject)
    })
    let seen: Answer | null = null
    for (let i = 0; i < 40 && !(seen = await presence()).body.data.online; i++) await sleep(50)
    assert.equal(seen!.body.data.text, 'Active now')
    assert.ok(workers().includes(seen!.thread))
    const inbox = await callUntil((thread) => thread !== 'main', 'GET', '/api/v1/messages/conversations', { token: tok.hal })
    assert.deepEqual(inbox.body.data.map((c: { id: number }) => c.id), [conv])
    // The calls ringing now are in the main thread's memory: their reads go there.
    for (let i = 0; i < 5; i++) assert.equal((await call('GET', '/api/v1/messages/calls', { token: tok.hal })).thread, 'main')
    ws.close()
  })

  it('pairs two members whose Meet sockets came in on different threads, and passes their signals both ways', async () => {
    // Every upgrade is relayed to the main thread, where the matchmaker is: which worker accepted it must not matter.
    const dee = await socketVia((t) => workers().includes(t), () => meet('dee'))
    const eve = await socketVia((t) => workers().includes(t) && t !== via(dee), () => meet('eve'))
    assert.notEqual(via(dee), via(eve))
    const session = await pairUp(dee, eve)
    await signals(dee, eve, session)
    await signals(eve, dee, session)
    await Promise.all([dee.close(), eve.close()])
  })

  it('closes the sockets a dying thread relayed, tells their partners, and serves the members again once they reconnect', async () => {
    const fayEvents = await socketVia((t) => workers().includes(t), () => openSocket(server.port, tok.fay!))
    const dying = via(fayEvents)
    const fay = await socketVia((t) => t === dying, () => meet('fay'))
    const eve = await socketVia((t) => workers().includes(t) && t !== dying, () => meet('eve'))
    await pairUp(fay, eve)

    await server.threads!.end(Number(dying))
    // The relayed connections die with their thread; the main thread sees its side close and ends the call.
    await within(Promise.all([fayEvents.closed, fay.closed]), 10_000, 'fay’s sockets did not close')
    assert.equal((await eve.next(type('ended'), 10_000)).reason, 'partner-left')

    // Fay's pages reconnect, as they do after any drop, through a thread still alive.
    const fayEventsAgain = await openSocket(server.port, tok.fay!)
    assert.notEqual(via(fayEventsAgain), dying)
    const followed = await call('POST', '/api/v1/users/fay/follow', { token: tok.dee })
    assert.equal(followed.status, 200, JSON.stringify(followed.body))
    assert.match((await fayEventsAgain.next((f) => f.event === 'notification', 10_000)).data?.text ?? '', /dee/)
    assert.equal(fayEventsAgain.frames.filter((f) => f.event === 'notification').length, 1)
    const fayAgain = await meet('fay')
    assert.notEqual(via(fayAgain), dying)
    const session = await pairUp(fayAgain, eve)
    await signals(eve, fayAgain, session)
    await signals(fayAgain, eve, session)
    await Promise.all([fayEventsAgain.close(), fayAgain.close(), eve.close()])
    // The pool is whole again before the next test.
    for (let i = 0; i < 600 && workers().length < 2; i++) await sleep(100)
    assert.equal(workers().length, 2, 'the dead thread was replaced')
  })

  it('sends writes to the main thread with the client’s address, and reads them back on a worker', async () => {
    const login = await call('POST', '/api/v1/users/login', { json: { login: 'cyd', password: PASSWORD }, from: '127.0.0.2' })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.equal(login.thread, 'main')
    const ips = (await h.db.selectFrom('sessions').select('ip').where('user_id', '=', id.cyd!).execute()).map((r) => r.ip)
    assert.ok(ips.includes('127.0.0.2'), `the main thread saw the client, not the worker (${ips.join(', ')})`)
    const made = await call('POST', '/api/v1/posts', { token: tok.ana, json: { text: 'written on one thread', visibility: 'public' } })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const read = await call('GET', `/api/v1/posts/${made.body.data.id}`, { token: tok.bob })
    assert.ok(server.threads!.threadIds().map(String).includes(read.thread))
    assert.equal(read.status, 200)
    assert.equal(read.body.data.text, 'written on one thread')
  })

  it('answers a read carrying a one-time media grant on the main thread, which holds the grant in memory', async () => {
    // The view-once story's file: the grant is made by the open (a write, on main) and is in main's memory only.
    const threads = new Set<string>()
    for (let i = 0; i < 20; i++) threads.add((await call('GET', `/media/1/original?grant=token${i}`, { token: tok.bob })).thread)
    assert.deepEqual([...threads], ['main'])
    const plain = new Set<string>()
    for (let i = 0; i < 20 && plain.size < 2; i++) plain.add((await call('GET', '/media/1/original', { token: tok.bob })).thread)
    assert.ok([...plain].some((t) => t !== 'main'), 'a plain media read may be served by a worker')
  })

  it('starts a thread again when one dies, and serves on both meanwhile and after', async () => {
    const [dead, alive] = server.threads!.threadIds().map(String)
    await server.threads!.end(Number(dead))
    // The survivor takes every connection until the new thread listens (the dead one's socket left the group).
    for (let i = 0; i < 10; i++) assert.equal((await call('GET', '/healthz')).thread, alive)
    for (let i = 0; i < 600 && server.threads!.threadIds().length < 2; i++) await sleep(100)
    const ids = server.threads!.threadIds().map(String)
    assert.equal(ids.length, 2, 'a new thread was started')
    const fresh = ids.find((x) => x !== alive)!
    assert.notEqual(fresh, dead)
    const answered = await callUntil((thread) => thread === fresh, 'GET', '/api/v1/users/me', { token: tok.ana })
    assert.equal(answered.status, 200)
  })

  it('stops cleanly: no thread left, the port closed', async () => {
    await server.close()
    assert.deepEqual(server.threads!.threadIds(), [])
    await assert.rejects(call('GET', '/healthz'), /ECONNREFUSED/)
  })
})

describe('HEARTH_WORKERS=auto', () => {
  it('gives one thread per core that memory has room for (2 GiB each), and always one', () => {
    const GiB = 1024 ** 3
    assert.equal(autoWorkers(2, 24 * GiB), 2)
    assert.equal(autoWorkers(8, 4 * GiB), 2, 'a machine with many cores and little memory')
    assert.equal(autoWorkers(2, 2 * GiB), 1, 'a small machine keeps the one thread')
    assert.equal(autoWorkers(4, 1 * GiB), 1)
    assert.equal(autoWorkers(256, 4096 * GiB), MAX_WORKERS)
    assert.equal(resolveConfig({ workers: 'auto' }, {}).workers, autoWorkers(availableParallelism(), totalmem()))
  })
})
