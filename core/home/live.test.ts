// The home feed's "New posts" pill over a real WebSocket: a followed member's post reaches the follower's open page as
// `feed.new` after its fan-out, and only when the follower would see it in their feed (audience, blocks, privacy, mutes).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startServer } from '../server.js'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { openSocket, type Frame, type TestSocket } from '../../test/realtime.js'
import { announceNewPost } from './live.js'

describe('the New posts pill', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  const id: Record<string, number> = {}
  const sock: Record<string, TestSocket> = {}
  const names = ['ana', 'bob', 'cyd', 'dee', 'eve', 'fay', 'gus', 'zed']

  before(async () => {
    t = await createTestApp()
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const n of names) {
      const r = await t.register(n)
      id[n] = r.id
      sock[n] = await openSocket(server.port, r.token)
    }
  })
  after(async () => {
    for (const s of Object.values(sock)) await s.close()
    await server.close()
    await t.close()
  })

  const post = async (who: string, text: string, visibility: 'public' | 'followers' = 'public') => (await t.h.posts.create(id[who]!, { text, visibility })).id
  const newPost = (postId: number) => (f: Frame) => f.event === 'feed.new' && f.data?.post_id === postId
  const told = (who: string, postId: number) => sock[who]!.frames.some(newPost(postId))

  it('tells online followers who may see the post, and nobody else', async () => {
    await t.h.social.follow(id.bob!, 'ana') // follows: sees everything
    await t.h.social.follow(id.dee!, 'ana') // follows, then blocks ana
    await t.h.safety.block(id.dee!, 'ana')
    await t.h.social.follow(id.fay!, 'ana') // follows, but muted ana
    await t.h.safety.mute(id.fay!, 'ana')
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', id.eve!).execute()
    assert.equal(await t.h.social.follow(id.gus!, 'eve'), 'requested') // a private account not followed (pending)
    await t.h.social.follow(id.bob!, 'eve')
    await t.h.social.answerRequest(id.eve!, 'bob', true)
    await t.h.social.follow(id.cyd!, 'zed') // cyd's sentinel: zed's posts reach cyd
    for (const n of ['dee', 'fay', 'gus']) await t.h.social.follow(id[n]!, 'zed')

    const open = await post('ana', 'hello all')
    const followersOnly = await post('ana', 'for my followers', 'followers')
    const privateOne = await post('eve', 'private account, public post')
    assert.equal((await sock.bob!.next(newPost(open), 10_000)).data.post_id, open)
    await sock.bob!.next(newPost(followersOnly), 10_000)
    await sock.bob!.next(newPost(privateOne), 10_000)

    // Each socket gets its frames in order: once zed's later post reached them, anything about the others came before.
    const sentinel = await post('zed', 'sentinel')
    for (const n of ['cyd', 'dee', 'fay', 'gus']) await sock[n]!.next(newPost(sentinel), 10_000)
    assert.ok(!told('cyd', open) && !told('cyd', followersOnly), 'not following ana: neither her public nor her followers-only post')
    assert.ok(!told('dee', open) && !told('dee', followersOnly), 'blocked ana: nothing of hers')
    assert.ok(!told('fay', open) && !told('fay', followersOnly), 'muted ana: not in the feed, no pill')
    assert.ok(!told('gus', privateOne), 'a private account whose request is pending: nothing')
    assert.ok(!told('ana', open) && !told('zed', sentinel), 'the author hears nothing of their own post')
    assert.ok(!sock.bob!.frames.some(newPost(sentinel)), 'bob does not follow zed')
    assert.ok(!JSON.stringify(sock.bob!.frames).includes('hello all'), 'no post text travels')
  })

  it('announces nothing for a post made only-me, missing, or hidden from the follower', async () => {
    const p = await t.h.posts.create(id.ana!, { text: 'quiet', visibility: 'only_me' })
    assert.equal(await announceNewPost(t.h, p.id), 0)
    assert.equal(await announceNewPost(t.h, 999_999), 0)
    const q = await post('ana', 'again')
    // Called directly as well as by the job: bob (online, following, allowed) is told.
    assert.equal(await announceNewPost(t.h, q), 1)
    // The post's own rule (visibleTo) decides, not only the follow: hidden from bob, bob hears nothing.
    await t.h.posts.update(id.ana!, q, { hidden_from: ['bob'] })
    assert.equal(await announceNewPost(t.h, q), 0)
  })
})
