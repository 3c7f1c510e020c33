// Hydrated posts: what each view carries for each viewer (author and avatar, media in order, hashtags, mentions,
// pin, the viewer's own reaction and bookmark), read in one statement for a whole page.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { data: any }

describe('hydrated posts', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  let tea: any
  let plain: any
  let photos: number[]
  let avatar: number
  before(async () => {
    t = await createTestApp()
    for (const n of ['author', 'reader', 'stranger']) ({ id: id[n]!, token: tok[n]! } = await t.register(n))
    await call('reader', 'POST', '/api/v1/users/author/follow')
    tea = (await body(await call('author', 'POST', '/api/v1/posts', { text: 'Hello #Tea and #cake with @reader', visibility: 'public' }))).data
    plain = (await body(await call('author', 'POST', '/api/v1/posts', { text: 'Nothing to see', visibility: 'public' }))).data
    // Media rows written as processing leaves them; the first made goes second, so order by position is not by id.
    const media = async () =>
      (await t.h.db.insertInto('media').values({ owner_id: id.author!, kind: 'image', status: 'ready', mime: 'image/webp', size_bytes: 1, variants: JSON.stringify({ '640': 'x/640.webp', '150': 'x/150.webp' }), updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()).id
    photos = [await media(), await media()]
    await t.h.db.insertInto('post_media').values([{ post_id: tea.id, media_id: photos[1]!, position: 0 }, { post_id: tea.id, media_id: photos[0]!, position: 1 }]).execute()
    avatar = await media()
    await t.h.db.updateTable('users').set({ avatar_media_id: avatar, avatar_visibility: 'followers' }).where('id', '=', id.author!).execute()
    await call('author', 'POST', `/api/v1/posts/${tea.id}/pin`)
    await call('reader', 'POST', `/api/v1/posts/${tea.id}/like`)
    await call('reader', 'POST', `/api/v1/posts/${plain.id}/bookmark`)
    await call('stranger', 'POST', `/api/v1/posts/${plain.id}/dislike`)
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const body = async (res: Response) => (await res.json()) as Envelope
  const views = async (who: string | null) => {
    const list = (await body(await call(who, 'GET', '/api/v1/feed/user/author'))).data as any[]
    return { tea: list.find((p) => p.id === tea.id), plain: list.find((p) => p.id === plain.id) }
  }

  it('gives every viewer the post’s own parts: media by position, hashtags, mentions linked, the pin', async () => {
    for (const who of ['author', 'reader', 'stranger', null]) {
      const v = await views(who)
      assert.deepEqual(v.tea.media.map((m: any) => m.id), [photos[1], photos[0]], `${who}: media by position`)
      assert.equal(v.tea.media[0].urls['640'], `/media/${photos[1]}/640`)
      assert.deepEqual(v.tea.hashtags.sort(), ['cake', 'tea'])
      assert.deepEqual(v.tea.mentions, ['reader'])
      assert.match(v.tea.html, /<a href="\/u\/reader" class="mention">@reader<\/a>/)
      assert.equal(v.tea.pinned, true)
      assert.equal(v.plain.pinned, false)
      assert.deepEqual([v.plain.media, v.plain.hashtags, v.plain.mentions], [[], [], []])
      assert.equal(v.tea.author.username, 'author')
    }
  })

  it('gives each viewer their own reaction and bookmarks, and a guest none', async () => {
    const reader = await views('reader')
    assert.deepEqual([reader.tea.reaction, reader.tea.bookmarked, reader.plain.reaction, reader.plain.bookmarked], ['like', false, null, true])
    const stranger = await views('stranger')
    assert.deepEqual([stranger.tea.reaction, stranger.tea.bookmarked, stranger.plain.reaction, stranger.plain.bookmarked], [null, false, 'dislike', false])
    const guest = await views(null)
    assert.deepEqual([guest.tea.reaction, guest.tea.bookmarked, guest.plain.reaction, guest.plain.bookmarked], [null, false, null, false])
  })

  it('shows a followers-only avatar to its owner and followers only', async () => {
    for (const [who, url] of [['author', `/media/${avatar}/150`], ['reader', `/media/${avatar}/150`], ['stranger', null], [null, null]] as const) {
      assert.equal((await views(who)).tea.author.avatar_url, url, who ?? 'guest')
    }
  })

  it('renders an edited text anew, and leaves out a post deleted since its row was read', async () => {
    await call('author', 'PUT', `/api/v1/posts/${plain.id}`, { text: 'Now with #news' })
    assert.match((await views('reader')).plain.html, /<a href="\/tags\/news" class="hashtag">#news<\/a>/)
    const row = await t.h.db.selectFrom('posts').selectAll().where('id', '=', plain.id).executeTakeFirstOrThrow()
    await call('author', 'DELETE', `/api/v1/posts/${plain.id}`)
    assert.deepEqual(await t.h.posts.hydrate(id.reader!, [row]), [])
  })
})
