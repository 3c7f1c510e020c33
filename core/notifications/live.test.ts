// Live delivery: a new notification reaches the recipient's open page over a real WebSocket, and only when they may see it.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { startServer } from '../server.js'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { wireNotifications } from './wire.js'

interface Socket {
  ws: WebSocket
  /** Every JSON event received so far, in order. */
  events: { event: string; data: any }[]
  /** The next event of this name (taking one already received first), or a timeout. */
  next(event: string, ms?: number): Promise<any>
}

describe('live notifications', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}

  before(async () => {
    t = await createTestApp()
    wireNotifications(t.h)
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const n of ['ana', 'bob', 'cyd']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
  })
  after(async () => {
    await server.close()
    rmSync(t.dataDir, { recursive: true, force: true })
  })

  const call = (who: string, method: string, path: string, json?: unknown) => t.request(method, path, { token: tok[who], json })
  const post = async (who: string, text: string, visibility = 'public'): Promise<number> => ((await (await call(who, 'POST', '/api/v1/posts', { text, visibility })).json()) as { data: { id: number } }).data.id

  const open = (who: string) =>
    new Promise<Socket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime`, { headers: { authorization: `Bearer ${tok[who]}` } })
      const events: Socket['events'] = []
      const waiting: { event: string; resolve: (data: any) => void }[] = []
      const socket: Socket = {
        ws,
        events,
        next(event, ms = 2000) {
          const i = events.findIndex((e) => e.event === event)
          if (i >= 0) return Promise.resolve(events.splice(i, 1)[0]!.data)
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no "${event}" event within ${ms} ms`)), ms)
            waiting.push({ event, resolve: (data) => (clearTimeout(timer), res(data)) })
          })
        },
      }
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { event: string; data: any }
        const w = waiting.findIndex((x) => x.event === m.event)
        if (w >= 0) waiting.splice(w, 1)[0]!.resolve(m.data)
        else events.push(m)
        if (m.event === 'hello') resolve(socket)
      })
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.once('error', reject)
    })

  it('pushes an allowed notification to the recipient’s open page, and nothing for what they may not be told', async () => {
    const ana = await open('ana')
    const bob = await open('bob')
    const secret = await post('ana', 'secret words about lunch')

    // Not allowed, in turn: a blocked member's like, a mention in a post ana may not see, a type ana turned off.
    await t.h.safety.block(id.ana!, 'cyd')
    await t.h.hooks.emit('action:post.reacted', { postId: secret, authorId: id.ana!, userId: id.cyd!, kind: 'like', previous: null })
    const hidden = await post('bob', 'only for me', 'only_me')
    await t.h.hooks.emit('action:post.created', { postId: hidden, authorId: id.bob!, mentions: [id.ana!], hashtags: [] })
    await call('ana', 'PUT', '/api/v1/notifications/preferences', { follow: false })
    await call('bob', 'POST', '/api/v1/users/ana/follow')

    // Allowed: bob's like. It is the first notification the socket carries.
    await t.h.hooks.emit('action:post.reacted', { postId: secret, authorId: id.ana!, userId: id.bob!, kind: 'like', previous: null })
    const pushed = await ana.next('notification')
    assert.equal(pushed.text, 'bob liked your post')
    assert.equal(pushed.url, `/p/${secret}`)
    assert.equal(pushed.unread, 1)
    assert.equal(typeof pushed.id, 'number')
    assert.equal(ana.events.filter((e) => e.event === 'notification').length, 0, 'nothing else was pushed')
    assert.equal(bob.events.filter((e) => e.event === 'notification').length, 0, 'nothing reached the actor')

    // Grouped: the next like updates the same entry, with the same id.
    const r = await t.register('dee')
    tok.dee = r.token
    await t.h.hooks.emit('action:post.reacted', { postId: secret, authorId: id.ana!, userId: r.id, kind: 'like', previous: null })
    const grouped = await ana.next('notification')
    assert.deepEqual([grouped.id, grouped.text, grouped.unread], [pushed.id, 'dee and bob liked your post', 1])

    // Reading on another page updates this one's count.
    await call('ana', 'POST', '/api/v1/notifications/read')
    assert.deepEqual(await ana.next('notifications.read'), { unread: 0 })

    // A post that became private to ana pushes nothing more about it.
    const mention = await post('bob', 'hi @ana')
    const m = await ana.next('notification')
    assert.equal(m.text, 'bob mentioned you in a post')
    await call('bob', 'PUT', `/api/v1/posts/${mention}`, { visibility: 'only_me' })
    const c = await t.h.db.insertInto('comments').values({ post_id: mention, author_id: id.ana!, text: 'x', updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()
    await t.h.hooks.emit('action:comment.liked', { commentId: c.id, postId: mention, commentAuthorId: id.ana!, userId: id.bob! })
    await t.h.hooks.emit('action:post.reacted', { postId: secret, authorId: id.ana!, userId: id.bob!, kind: 'like', previous: 'dislike' })
    const last = await ana.next('notification')
    assert.equal(last.text, 'bob liked your post', 'the comment like about the hidden post never came')
    assert.ok(!JSON.stringify(ana.events).includes('secret words'), 'no post text travels')

    ana.ws.close()
    bob.ws.close()
  })
})
