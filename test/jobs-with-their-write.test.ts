// Work a write promises commits with it (decision 015): a post and its fan-out, an upload and its processing, and a start that picks up what a crash left running.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from './harness.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every file under the media folder but its temporary one. */
function mediaFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes(`${dir}/tmp`))
    .map((e) => e.name)
}

describe('jobs commit with the write that promises them', () => {
  let t: TestApp
  let author: number
  let follower: number
  const jobsOf = (kind: string, payload: object) =>
    t.h.db.selectFrom('jobs').select(['status', 'run_at']).where('kind', '=', kind).where('payload', '=', JSON.stringify(payload)).execute()
  /** The job table refuses inserts for the length of `fn`, as a full disk or a crash between the two writes would. */
  async function whileJobsFail<T>(fn: () => Promise<T>): Promise<T> {
    t.h.store.sqlite.exec(`create temp trigger jobs_refuse before insert on jobs begin select raise(abort, 'the disk is full'); end`)
    try {
      return await fn()
    } finally {
      t.h.store.sqlite.exec('drop trigger jobs_refuse')
    }
  }

  before(async () => {
    t = await createTestApp()
    author = (await t.register('writer')).id
    follower = (await t.register('reader')).id
    await t.h.social.follow(follower, author)
  })
  after(() => t.close())

  it('leaves no post (and no count) when its fan-out job cannot be queued', async () => {
    const before = await t.h.db.selectFrom('posts').select('id').execute()
    await assert.rejects(whileJobsFail(() => t.h.posts.create(author, { text: 'never seen', visibility: 'public' })), /the disk is full/)
    assert.deepEqual(await t.h.db.selectFrom('posts').select('id').execute(), before)
    const { posts_count } = await t.h.db.selectFrom('users').select('posts_count').where('id', '=', author).executeTakeFirstOrThrow()
    assert.equal(posts_count, 0)
  })

  it('gives a committed post its fan-out job at once, before any queue has run', async () => {
    const post = await t.h.posts.create(author, { text: 'hello followers', visibility: 'public' })
    assert.deepEqual((await jobsOf('feed.fanout', { postId: post.id })).map((j) => j.status), ['pending'])
  })

  it('keeps a post only-me when the fan-out its new audience needs cannot be queued', async () => {
    const post = await t.h.posts.create(author, { text: 'just me', visibility: 'only_me' })
    const queued = (await jobsOf('feed.fanout', { postId: post.id })).length
    await assert.rejects(whileJobsFail(() => t.h.posts.update(author, post.id, { visibility: 'public' })), /the disk is full/)
    assert.equal((await t.h.db.selectFrom('posts').select('visibility').where('id', '=', post.id).executeTakeFirstOrThrow()).visibility, 'only_me')
    await t.h.posts.update(author, post.id, { visibility: 'public' })
    assert.equal((await jobsOf('feed.fanout', { postId: post.id })).length, queued + 1, 'leaving only-me queued its fan-out')
  })

  it('publishes a scheduled post only together with its fan-out job (it stays scheduled for the next run otherwise)', async () => {
    const post = await t.h.posts.create(author, { text: 'later', visibility: 'public', publish_at: new Date(Date.now() + 3600_000).toISOString() })
    await t.h.db.updateTable('posts').set({ publish_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', post.id).execute()
    await assert.rejects(whileJobsFail(() => t.h.posts.publishDue()), /the disk is full/)
    assert.equal((await t.h.db.selectFrom('posts').select('status').where('id', '=', post.id).executeTakeFirstOrThrow()).status, 'scheduled')
    await t.h.posts.publishDue()
    assert.equal((await t.h.db.selectFrom('posts').select('status').where('id', '=', post.id).executeTakeFirstOrThrow()).status, 'published')
    assert.deepEqual((await jobsOf('feed.fanout', { postId: post.id })).map((j) => j.status), ['pending'])
  })

  it('keeps no media row and no file when the processing job cannot be queued, and queues it with every stored upload', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a6' } }).png().toBuffer()
    const file = () => new File([png], 'dot.png', { type: 'image/png' })
    const lastId = () => (t.h.store.sqlite.prepare(`select seq from sqlite_sequence where name = 'media'`).pluck().get() as number | undefined) ?? 0
    const idsBefore = lastId()
    await assert.rejects(whileJobsFail(() => t.h.media.upload(author, file())), /the disk is full/)
    assert.deepEqual(await t.h.db.selectFrom('media').select('id').execute(), [])
    // Not committed and then deleted (a crash in between would have kept it): never committed, so its id was never used.
    assert.equal(lastId(), idsBefore, 'the row was never committed')
    assert.deepEqual(mediaFiles(t.h.config.mediaDir), [], 'the placed upload was removed')

    const media = await t.h.media.upload(author, file())
    assert.equal(media.status, 'processing')
    assert.deepEqual((await jobsOf('media.process', { mediaId: media.id })).map((j) => j.status), ['pending'])
  })

  it('runs again, after a restart, a fan-out a crashed process left running, and the post reaches the follower’s feed', async () => {
    const post = await t.h.posts.create(author, { text: 'interrupted', visibility: 'public' })
    // What a process killed mid-job leaves behind: the job claimed and locked just now.
    await t.h.db.updateTable('jobs').set({ status: 'running', attempts: 1, locked_at: new Date().toISOString() }).where('kind', '=', 'feed.fanout').where('payload', '=', JSON.stringify({ postId: post.id })).execute()
    await t.restart()
    t.h.queue.start()
    const inFeed = () => t.h.db.selectFrom('feed_items').select('post_id').where('user_id', '=', follower).where('post_id', '=', post.id).executeTakeFirst()
    for (let i = 0; i < 500 && !(await inFeed()); i++) await sleep(10)
    await t.h.queue.stop()
    assert.ok(await inFeed(), 'the post reached the follower’s feed')
    assert.deepEqual((await jobsOf('feed.fanout', { postId: post.id })).map((j) => j.status), ['done'])
  })
})
