// The setup every messages test file shares: an app with the plugin on (a listening server when sockets are needed),
// members registered by name, and the few calls each test makes (the API in its envelope, a direct conversation, a
// send, a member's socket in a topic). Call it inside `describe`: it adds its own before and after hooks.
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { createTestApp, startServer, type Agent, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'

export type Json = {
  status: string
  data: any
  error?: { code: string; message: string; details: { fields?: Record<string, string> } }
  pagination?: { next_cursor: string | null; has_more: boolean }
}
export interface User {
  id: number
  token: string
  name: string
}

type Settings = NonNullable<ReturnType<TestApp['h']['plugins']['loaded']['get']>>['settings']

export interface MessagesTest {
  /** The app (set in `before`). */
  readonly t: TestApp
  /** The listening server's port (with `server: true`). */
  readonly port: number
  /** The members, by name. */
  readonly u: Record<string, User>
  /** The plugin's settings (`settings().set('max_group_members', 5)`). */
  settings(): Settings
  /** A call to any path, as `who` (a guest without), answered without the envelope's meta (it differs every time). */
  call(method: string, path: string, who?: User, json?: unknown): Promise<{ status: number; body: Json }>
  /** A call to `/api/v1/messages` + `path`. */
  api(method: string, path: string, who?: User, json?: unknown): Promise<{ status: number; body: Json }>
  /** The direct conversation between two members (started if need be). */
  direct(from: User, to: User): Promise<number>
  /** A group the member makes with these members. */
  group(owner: User, name: string, members: string[]): Promise<number>
  /** Send a text message (and `extra` fields); answers the API's answer, whatever it is. */
  send(from: User, id: number, text: string, extra?: Record<string, unknown>): Promise<{ status: number; body: Json }>
  /** A text message sent (asserted 201); answers its id. */
  sendId(from: User, id: number, text: string, extra?: Record<string, unknown>): Promise<number>
  /** The texts of a conversation as the member reads them, oldest first. */
  texts(who: User, id: number): Promise<(string | null)[]>
  /** A browser-like client logged in as the member. */
  agentOf(who: User): Promise<Agent>
  /** A member's /realtime socket (closed after the suite). */
  socket(who: User): Promise<TestSocket>
  /** Join a topic (`messages:conv:ID` for a number); answers the `joined` or `error` frame. */
  join(s: TestSocket, topic: string | number, after?: number): Promise<{ op?: string; code?: string }>
  /** A member's `messages.message` notifications, once the fan-out jobs queued so far have run. */
  notes(who: User): ReturnType<TestApp['h']['notifications']['list']> extends Promise<{ items: infer I }> ? Promise<I> : never
}

/**
 * @example
 * describe('messages: x', () => {
 *   const mt = messagesTest({ names: ['ana', 'ben'], server: true })
 *   const { u, direct } = mt
 *   it('...', async () => { const id = await direct(u.ana!, u.ben!) })
 * })
 */
export function messagesTest(options: { names: string[]; enable?: string[]; server?: boolean }): MessagesTest {
  let t: TestApp | undefined
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  const u: Record<string, User> = {}
  const sockets: TestSocket[] = []

  before(async () => {
    t = await createTestApp({ enable: options.enable ?? ['messages'] })
    if (options.server) server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of options.names) u[name] = { ...(await t.register(name)), name }
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    if (server) await server.close()
    else await t?.close()
  })

  const app = () => {
    if (!t) throw new Error('messagesTest: the app starts in before()')
    return t
  }
  const m: MessagesTest = {
    get t() {
      return app()
    },
    get port() {
      if (!server) throw new Error('messagesTest: pass server: true for sockets')
      return server.port
    },
    u,
    settings: () => app().h.plugins.loaded.get('messages')!.settings,
    api: (method, path, who, json) => m.call(method, `/api/v1/messages${path}`, who, json),
    async call(method, path, who, json) {
      const res = await app().request(method, path, { token: who?.token, json })
      // The envelope's meta (time, request id) differs on every answer; compare the rest.
      const { meta: _meta, ...body } = (await res.json()) as Json & { meta?: unknown }
      return { status: res.status, body: body as Json }
    },
    async direct(from, to) {
      const r = await m.api('POST', '/conversations', from, { user: to.name })
      assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body))
      return r.body.data.id as number
    },
    async group(owner, name, members) {
      const r = await m.api('POST', '/conversations', owner, { name, members })
      assert.equal(r.status, 201, JSON.stringify(r.body))
      return r.body.data.id as number
    },
    send: (from, id, text, extra = {}) => m.api('POST', `/conversations/${id}/messages`, from, { text, ...extra }),
    async sendId(from, id, text, extra = {}) {
      const r = await m.send(from, id, text, extra)
      assert.equal(r.status, 201, JSON.stringify(r.body))
      return r.body.data.id as number
    },
    async texts(who, id) {
      const r = await m.api('GET', `/conversations/${id}/messages?limit=100`, who)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      return (r.body.data as { text: string | null }[]).map((x) => x.text).reverse()
    },
    async agentOf(who) {
      const a = app().agent()
      await a.loginViaForm(who.name)
      return a
    },
    async socket(who) {
      const s = await openSocket(m.port, who.token)
      sockets.push(s)
      return s
    },
    async join(s, topic, afterSeq) {
      const id = typeof topic === 'number' ? `messages:conv:${topic}` : topic
      s.send(afterSeq === undefined ? { op: 'join', topic: id } : { op: 'join', topic: id, after: afterSeq })
      return s.next((f) => f.topic === id && (f.op === 'joined' || f.op === 'error'))
    },
    async notes(who) {
      // Notifications come from each message's fan-out job (fanout.ts).
      await app().h.queue.drain()
      return (await app().h.notifications.list(who.id)).items.filter((n) => n.type === 'messages.message')
    },
  }
  return m
}
