// Meet's limits belong to the member: a new socket (a reloaded page) or a restarted server does not reset them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { createTestApp, startServer, type TestApp } from '../../test/harness.js'

type Msg = Record<string, any> & { type: string }

describe('random chat limits', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  const tokens: Record<string, string> = {}
  const sockets: WebSocket[] = []

  before(async () => {
    t = await createTestApp({ enable: ['random-chat'] })
    const s = t.h.plugins.loaded.get('random-chat')!.settings
    for (const [k, v] of Object.entries({ min_account_age_hours: 0, cooldown_minutes: 0, skips_per_minute: 1 })) await s.set(k as 'cooldown_minutes', v)
    for (const name of ['ana', 'ben']) tokens[name] = (await t.register(name)).token
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    for (const ws of sockets) ws.terminate()
    await server.close()
    await t.close()
  })

  /** A Meet socket; `next(type)` waits for the next message of a type. */
  async function connect(who: string) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime/random-chat/meet`, { headers: { authorization: `Bearer ${tokens[who]}` } })
    sockets.push(ws)
    const inbox: Msg[] = []
    const waiting: { type: string; resolve: (m: Msg) => void }[] = []
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as Msg
      const w = waiting.findIndex((x) => x.type === m.type)
      if (w >= 0) waiting.splice(w, 1)[0]!.resolve(m)
      else inbox.push(m)
    })
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
    const next = (type: string) => {
      const i = inbox.findIndex((m) => m.type === type)
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!)
      return new Promise<Msg>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`${who}: no "${type}"; got ${JSON.stringify(inbox)}`)), 3000)
        waiting.push({ type, resolve: (m) => (clearTimeout(timer), res(m)) })
      })
    }
    await next('hello')
    return { ws, next, send: (m: unknown) => ws.send(JSON.stringify(m)) }
  }

  async function pairAndPressNext() {
    const a = await connect('ana')
    const b = await connect('ben')
    a.send({ type: 'start', mode: 'text' })
    await a.next('waiting')
    b.send({ type: 'start', mode: 'text' })
    await Promise.all([a.next('matched'), b.next('matched')])
    a.send({ type: 'next' })
    return { a, b }
  }

  it('keeps the Next limit when the socket reopens and when the server restarts', async () => {
    const first = await pairAndPressNext()
    await first.a.next('ended')
    first.a.ws.close()
    first.b.ws.close()

    const reopened = await pairAndPressNext()
    const refused = await reopened.a.next('error')
    assert.equal(refused.code, 'RATE_LIMITED', 'a new socket is the same member')
    assert.match(refused.message, /Next 1 times in a minute/)
    reopened.a.ws.close()
    reopened.b.ws.close()

    await server.close()
    await t.restart()
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    const restarted = await pairAndPressNext()
    assert.equal((await restarted.a.next('error')).code, 'RATE_LIMITED', 'a restart keeps what was counted')
  })
})
