// Media files obey what they belong to: a post's visibility, an avatar's audience. And a post tells its
// author when a file could not be processed.
import assert from 'node:assert/strict'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { shard } from '../media/storage.js'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { data: any; error: { code: string } }

describe('media access through posts and avatars', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  before(async () => {
    t = await createTestApp()
    for (const n of ['owner', 'follower', 'stranger']) tok[n] = (await t.register(n)).token
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, init: { json?: unknown; body?: BodyInit } = {}) => t.request(method, path, { token: who ? tok[who] : undefined, ...init })
  const upload = async (who: string) => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#2563eb' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'pic.png')
    const res = await call(who, 'POST', '/api/v1/media', { body: form })
    assert.equal(res.status, 201)
    return ((await res.json()) as Envelope).data as { id: number }
  }

  it('serves a private account’s post media to approved followers only', async () => {
    await call('owner', 'PUT', '/api/v1/users/me', { json: { is_private: true } })
    await call('follower', 'POST', '/api/v1/users/owner/follow')
    await call('owner', 'POST', '/api/v1/users/me/follow-requests/follower/accept')
    const m = await upload('owner')
    await t.h.queue.drain()
    assert.equal((await call('stranger', 'GET', `/media/${m.id}/640`)).status, 404, 'an unattached upload is its owner’s alone')
    const post = ((await (await call('owner', 'POST', '/api/v1/posts', { json: { text: 'holiday', media_ids: [m.id] } })).json()) as Envelope).data
    assert.equal(post.media[0].urls['640'], `/media/${m.id}/640`)
    for (const [who, status] of [['owner', 200], ['follower', 200], ['stranger', 404], [null, 404]] as const) {
      assert.equal((await call(who, 'GET', `/media/${m.id}/640`)).status, status, `${who ?? 'guest'} /media`)
      assert.equal((await call(who, 'GET', `/api/v1/media/${m.id}`)).status, status, `${who ?? 'guest'} /api/v1/media`)
    }
    await call('owner', 'PUT', `/api/v1/posts/${post.id}`, { json: { hidden_from: ['follower'] } })
    assert.equal((await call('follower', 'GET', `/media/${m.id}/640`)).status, 404, 'hidden from this follower')
    await call('owner', 'DELETE', `/api/v1/posts/${post.id}`)
    assert.equal((await call('owner', 'GET', `/media/${m.id}/640`)).status, 404, 'deleted with its post')
  })

  it('shows an avatar to the audience its owner chose', async () => {
    const m = await upload('follower')
    await t.h.queue.drain()
    await call('follower', 'PUT', '/api/v1/users/me', { json: { avatar_media_id: m.id, avatar_visibility: 'custom', avatar_audience: ['owner'] } })
    assert.equal((await call('owner', 'GET', `/media/${m.id}/150`)).status, 200)
    assert.equal((await call('stranger', 'GET', `/media/${m.id}/150`)).status, 404)
    assert.equal(((await (await call('stranger', 'GET', '/api/v1/users/follower')).json()) as Envelope).data.avatar_url, null)
    await call('follower', 'PUT', '/api/v1/users/me', { json: { avatar_visibility: 'public' } })
    assert.equal((await call(null, 'GET', `/media/${m.id}/150`)).status, 200)
    const inPost = await upload('follower')
    await t.h.queue.drain()
    await call('follower', 'POST', '/api/v1/posts', { json: { text: 'pic', media_ids: [inPost.id] } })
    assert.equal((await call('follower', 'PUT', '/api/v1/users/me', { json: { avatar_media_id: inPost.id } })).status, 400, 'a post’s file cannot be the picture')
    assert.equal((await call('follower', 'POST', '/api/v1/posts', { json: { text: 'me', media_ids: [m.id] } })).status, 400, 'the picture cannot be posted')
    const other = await upload('stranger')
    assert.equal((await call('follower', 'PUT', '/api/v1/users/me', { json: { avatar_media_id: other.id } })).status, 400, 'not someone else’s upload')
  })

  it('says "processing" until media is ready, and tells the author when it failed', async () => {
    const events: unknown[] = []
    t.h.hooks.on('action:media.processed', (e) => void events.push(e), {}, 'test')
    const m = await upload('stranger')
    const post = ((await (await call('stranger', 'POST', '/api/v1/posts', { json: { text: 'wait for it', media_ids: [m.id] } })).json()) as Envelope).data
    assert.equal(post.processing, true)
    assert.equal(post.media[0].status, 'processing')
    // The stored upload gets damaged before its job runs: processing fails for good.
    const dir = join(t.h.config.mediaDir, shard(m.id))
    const upload_ = readdirSync(dir).find((f) => f.startsWith(`${m.id}-upload`))!
    writeFileSync(join(dir, upload_), 'not an image any more')
    const published: unknown[] = []
    const realPublish = t.h.realtime.publish.bind(t.h.realtime)
    t.h.realtime.publish = (userId, event, data) => {
      published.push({ userId, event, data })
      realPublish(userId, event, data)
    }
    for (let i = 0; i < 6; i++) {
      await t.h.queue.drain()
      t.h.store.sqlite.prepare("update jobs set run_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-1 second') where status = 'pending'").run()
    }
    t.h.realtime.publish = realPublish
    const after = ((await (await call('stranger', 'GET', `/api/v1/posts/${post.id}`)).json()) as Envelope).data
    assert.equal(after.media[0].status, 'failed')
    assert.equal(after.processing, false)
    assert.ok(events.some((e: any) => e.mediaId === m.id && e.status === 'failed'))
    assert.ok(published.some((p: any) => p.event === 'media.failed' && p.data.mediaId === m.id), 'the author is told live')
    const page = await (await call('stranger', 'GET', `/p/${post.id}`)).text()
    assert.match(page, /This file could not be processed/)
  })
})
