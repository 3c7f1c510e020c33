// "Cannot see" answers exactly like "does not exist" on every path that names a target by id: the same status,
// the same redirect, the same message on the page it leads to, the same error envelope.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type Agent, type TestApp } from './harness.js'

const MISSING = 999999

describe('hidden equals missing', () => {
  let t: TestApp
  let stranger: Agent
  let ids: { post: number; comment: number; media: number; collection: number }
  const tokens: Record<string, string> = {}

  before(async () => {
    t = await createTestApp()
    for (const name of ['hm_author', 'hm_follower', 'hm_stranger', 'hm_blocker']) tokens[name] = (await t.register(name)).token
    const as = (name: string, method: string, path: string, json?: unknown) => t.request(method, path, { token: tokens[name], json })
    assert.equal((await as('hm_follower', 'POST', '/api/v1/users/hm_author/follow')).status, 200)
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#222' } }).jpeg().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'a.jpg')
    const media = ((await (await t.request('POST', '/api/v1/media', { token: tokens.hm_author, body: form })).json()) as { data: { id: number } }).data.id
    await t.h.queue.drain()
    const post = ((await (await as('hm_author', 'POST', '/api/v1/posts', { text: 'followers only', visibility: 'followers', media_ids: [media] })).json()) as { data: { id: number } }).data.id
    const comment = ((await (await as('hm_follower', 'POST', `/api/v1/posts/${post}/comments`, { text: 'a comment the stranger cannot see' })).json()) as { data: { id: number } }).data.id
    const collection = ((await (await as('hm_author', 'POST', '/api/v1/collections', { name: 'Private things' })).json()) as { data: { id: number } }).data.id
    ids = { post, comment, media, collection }
    stranger = t.agent('10.9.9.1')
    await stranger.loginViaForm('hm_stranger')
    await stranger.text('/') // the welcome message
  })
  after(() => t.close())

  /** What a response shows, with the target's id taken out: status, where it leads and what that page says, or its body. */
  async function answer(res: Response, id: number): Promise<Record<string, unknown>> {
    const norm = (s: string | null) => (s ?? '').replace(new RegExp(`(?<!\\w)${id}(?!\\w)`, 'g'), 'ID')
    const location = res.headers.get('location')
    if (location) {
      const next = await stranger.text(location.split('#')[0]!)
      const flash = [...next.matchAll(/<p class="alert alert-\w+" role="\w+">([^<]*)<\/p>/g)].map((m) => m[1])
      return { status: res.status, location: norm(location), flash }
    }
    const text = await res.text()
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      const body = JSON.parse(text) as { status: string; error?: unknown; data?: unknown }
      return { status: res.status, body: norm(JSON.stringify({ status: body.status, error: body.error, data: body.data })) }
    }
    return { status: res.status, title: norm(text.match(/<title>([^<]*)<\/title>/)?.[1] ?? null), main: norm(text.match(/<section class="card error-page">([\s\S]*?)<\/section>/)?.[1] ?? text.slice(0, 0)) }
  }

  async function same(label: string, send: (id: number) => Promise<Response>, hidden: number) {
    const a = await answer(await send(hidden), hidden)
    const b = await answer(await send(MISSING), MISSING)
    assert.deepEqual(a, b, `${label}: a hidden target answers like a missing one`)
    assert.ok([303, 404].includes(a.status as number), `${label}: ${JSON.stringify(a)}`)
  }

  it('answers the comment forms for a hidden comment exactly as for a missing one (no address of its post)', async () => {
    for (const verb of ['edit', 'delete', 'like', 'unlike']) {
      await same(`POST /comments/:id/${verb}`, (id) => stranger.post(`/comments/${id}/${verb}`, { text: 'changed' }), ids.comment)
    }
  })

  it('answers the post forms for a hidden post exactly as for a missing one', async () => {
    for (const verb of ['like', 'unlike', 'dislike', 'bookmark', 'comments', 'edit', 'delete', 'repost', 'unrepost']) {
      await same(`POST /p/:id/${verb}`, (id) => stranger.post(`/p/${id}/${verb}`, { text: 'hi' }), ids.post)
    }
    await same('POST /collections/add', (id) => stranger.post('/collections/add', { collection_id: String(MISSING), post_id: String(id) }), ids.post)
    await same('GET /report (post)', (id) => stranger.get(`/report?type=post&id=${id}`), ids.post)
    await same('POST /report (comment)', (id) => stranger.post('/report', { type: 'comment', id: String(id), reason: 'spam' }), ids.comment)
    await same('GET /p/:id', (id) => stranger.get(`/p/${id}`), ids.post)
    await same('GET /p/:id/likes', (id) => stranger.get(`/p/${id}/likes`), ids.post)
    await same('GET /compose?quote=:id', (id) => stranger.get(`/compose?quote=${id}`), ids.post)
  })

  it('answers the API for hidden posts, comments, files and collections exactly as for missing ones', async () => {
    const api = (method: string, path: string, json?: unknown) => t.request(method, path, { token: tokens.hm_stranger, json })
    const cases: [string, (id: number) => Promise<Response>, number][] = [
      ['GET /api/v1/posts/:id', (id) => api('GET', `/api/v1/posts/${id}`), ids.post],
      ['GET /api/v1/posts/:id/comments', (id) => api('GET', `/api/v1/posts/${id}/comments`), ids.post],
      ['GET /api/v1/posts/:id/likes', (id) => api('GET', `/api/v1/posts/${id}/likes`), ids.post],
      ['POST /api/v1/posts/:id/like', (id) => api('POST', `/api/v1/posts/${id}/like`), ids.post],
      ['POST /api/v1/posts/:id/bookmark', (id) => api('POST', `/api/v1/posts/${id}/bookmark`), ids.post],
      ['POST /api/v1/posts/:id/comments', (id) => api('POST', `/api/v1/posts/${id}/comments`, { text: 'hi' }), ids.post],
      ['POST /api/v1/posts/:id/repost', (id) => api('POST', `/api/v1/posts/${id}/repost`), ids.post],
      ['DELETE /api/v1/posts/:id/repost', (id) => api('DELETE', `/api/v1/posts/${id}/repost`), ids.post],
      ['POST /api/v1/posts (quote_of)', (id) => api('POST', '/api/v1/posts', { text: 'quoting', quote_of: id }), ids.post],
      ['PUT /api/v1/comments/:id', (id) => api('PUT', `/api/v1/comments/${id}`, { text: 'hi' }), ids.comment],
      ['DELETE /api/v1/comments/:id', (id) => api('DELETE', `/api/v1/comments/${id}`), ids.comment],
      ['POST /api/v1/comments/:id/like', (id) => api('POST', `/api/v1/comments/${id}/like`), ids.comment],
      ['POST /api/v1/reports (post)', (id) => api('POST', '/api/v1/reports', { target_type: 'post', target_id: id, reason: 'spam' }), ids.post],
      ['POST /api/v1/reports (comment)', (id) => api('POST', '/api/v1/reports', { target_type: 'comment', target_id: id, reason: 'spam' }), ids.comment],
      ['GET /api/v1/media/:id', (id) => api('GET', `/api/v1/media/${id}`), ids.media],
      ['GET /media/:id/640', (id) => api('GET', `/media/${id}/640`), ids.media],
      ['GET /api/v1/collections/:id', (id) => api('GET', `/api/v1/collections/${id}`), ids.collection],
      ['POST /api/v1/collections/:id/posts/:post', (id) => api('POST', `/api/v1/collections/${id}/posts/1`), ids.collection],
    ]
    for (const [label, send, hidden] of cases) await same(label, send, hidden)
  })

  it('answers for another member’s notification exactly as for a missing one', async () => {
    // hm_follower's comment told hm_author; the stranger asks for that entry.
    const [entry] = (await t.h.notifications.list((await t.h.users.findRow('hm_author'))!.id, { limit: 1 })).items
    assert.ok(entry)
    await same('GET /notifications/entries/:id', (id) => stranger.fetch('GET', `/notifications/entries/${id}`, { headers: { 'hx-request': 'true' } }), entry.id)
  })

  it('answers for a member behind a block exactly as for a missing member', async () => {
    await t.h.safety.block((await t.h.users.findRow('hm_blocker'))!.id, 'hm_stranger')
    const name = (id: number) => (id === MISSING ? 'hm_nobody' : 'hm_blocker')
    const pairs: [string, (id: number) => Promise<Response>][] = [
      ['GET /u/:name', (id) => stranger.get(`/u/${name(id)}`)],
      ['GET /u/:name/videos', (id) => stranger.get(`/u/${name(id)}/videos`)],
      ['GET /u/:name/tagged', (id) => stranger.get(`/u/${name(id)}/tagged`)],
      ['GET /u/:name/saved', (id) => stranger.get(`/u/${name(id)}/saved`)],
      ['GET /api/v1/users/:name', (id) => t.request('GET', `/api/v1/users/${name(id)}`, { token: tokens.hm_stranger })],
      ['GET /api/v1/users/:name/followers', (id) => t.request('GET', `/api/v1/users/${name(id)}/followers`, { token: tokens.hm_stranger })],
      ['POST /api/v1/users/:name/follow', (id) => t.request('POST', `/api/v1/users/${name(id)}/follow`, { token: tokens.hm_stranger })],
      ['POST /notifications/follow/:name', (id) => stranger.post(`/notifications/follow/${name(id)}`, {})],
      ['POST /notifications/follow/:name (htmx)', (id) => stranger.fetch('POST', `/notifications/follow/${name(id)}`, { form: {}, headers: { 'hx-request': 'true' } })],
    ]
    for (const [label, send] of pairs) {
      const a = JSON.stringify(await answer(await send(1), 1)).replaceAll('hm_blocker', 'NAME')
      const b = JSON.stringify(await answer(await send(MISSING), MISSING)).replaceAll('hm_nobody', 'NAME')
      assert.equal(a, b, `${label}: a member behind a block answers like a missing one`)
    }
  })
})
