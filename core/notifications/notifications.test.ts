// Notifications: each type from its event, who is never told, preferences, grouping, what the recipient may see,
// plugin types, marking read, the pages and the API.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import type { NotificationView } from './service.js'
import { wireNotifications } from './wire.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('notifications', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  const names = ['ana', 'bob', 'cyd', 'dia', 'eve', 'fay', 'gus']

  before(async () => {
    t = await createTestApp()
    wireNotifications(t.h)
    for (const n of names) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
      await call(n, 'PUT', '/api/v1/users/me', { display_name: n[0]!.toUpperCase() + n.slice(1) })
    }
  })
  after(() => t.close())

  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  /** Unread entries unless asked otherwise (each test starts from a read list). */
  const list = async (who: string, query = '?unread=1'): Promise<NotificationView[]> => {
    const res = await call(who, 'GET', `/api/v1/notifications${query}`)
    assert.equal(res.status, 200)
    return (await body(res)).data
  }
  const texts = async (who: string) => (await list(who)).map((n) => n.text)
  const unread = async (who: string): Promise<number> => (await body(await call(who, 'GET', '/api/v1/notifications/unread-count'))).data.unread
  const clear = async (who: string) => assert.equal((await call(who, 'POST', '/api/v1/notifications/read')).status, 200)
  const post = async (who: string, text: string, visibility = 'public'): Promise<number> => {
    const res = await call(who, 'POST', '/api/v1/posts', { text, visibility })
    assert.equal(res.status, 201)
    return (await body(res)).data.id
  }
  const like = (who: string, postId: number, author: string, previous: 'like' | 'dislike' | null = null) =>
    t.h.hooks.emit('action:post.reacted', { postId, authorId: id[author]!, userId: id[who]!, kind: 'like', previous })
  /** A comment row as the engagement service writes it, then its hook. */
  const comment = async (who: string, postId: number, postAuthor: string, options: { parent?: { id: number; author: string }; mentions?: string[] } = {}) => {
    const row = await t.h.db
      .insertInto('comments')
      .values({ post_id: postId, author_id: id[who]!, parent_id: options.parent?.id ?? null, text: 'a comment', updated_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.h.hooks.emit('action:comment.created', {
      commentId: row.id,
      postId,
      postAuthorId: id[postAuthor]!,
      authorId: id[who]!,
      parentId: options.parent?.id ?? null,
      parentAuthorId: options.parent ? id[options.parent.author]! : null,
      mentions: (options.mentions ?? []).map((m) => id[m]!),
    })
    return row.id
  }

  it('tells a member about a follow, a follow request and its acceptance', async () => {
    await call('bob', 'POST', '/api/v1/users/ana/follow')
    const [n] = await list('ana')
    assert.deepEqual([n!.type, n!.text, n!.url, n!.read], ['follow', 'Bob followed you', '/u/bob', false])

    await call('dia', 'PUT', '/api/v1/users/me', { is_private: true })
    await call('bob', 'POST', '/api/v1/users/dia/follow')
    const [req] = await list('dia')
    assert.deepEqual([req!.type, req!.text, req!.url], ['follow_request', 'Bob asked to follow you', '/follow-requests'])
    await call('dia', 'POST', '/api/v1/users/me/follow-requests/bob/accept')
    assert.deepEqual(await texts('dia'), [], 'the answered request goes, and accepting is not news to dia')
    const [accepted] = await list('bob')
    assert.deepEqual([accepted!.type, accepted!.text, accepted!.url], ['follow_accepted', 'Dia accepted your follow request', '/u/dia'])

    await call('cyd', 'POST', '/api/v1/users/dia/follow')
    await call('cyd', 'DELETE', '/api/v1/users/dia/follow')
    assert.deepEqual(await texts('dia'), [], 'a withdrawn request is not shown')
    await call('dia', 'PUT', '/api/v1/users/me', { is_private: false })
    for (const n of names) await clear(n)
  })

  it('tells an author about likes and comments, and members about replies, mentions and likes on their comments', async () => {
    const p = await post('ana', 'Hello @cyd')
    assert.deepEqual((await list('cyd')).map((n) => [n.type, n.text, n.url]), [['mention', 'Ana mentioned you in a post', `/p/${p}`]])

    await call('ana', 'PUT', `/api/v1/posts/${p}`, { text: 'Hello @cyd and @dia' })
    await call('ana', 'PUT', `/api/v1/posts/${p}`, { text: 'Hello @cyd and @dia!' })
    assert.deepEqual((await list('dia')).map((n) => n.text), ['Ana mentioned you in a post'], 'a mention added by an edit, told once')
    assert.equal((await list('cyd')).length, 1)
    await clear('dia')

    await like('bob', p, 'ana')
    await t.h.hooks.emit('action:post.reacted', { postId: p, authorId: id.ana!, userId: id.eve!, kind: 'dislike', previous: null })
    await like('bob', p, 'ana', 'like')
    assert.deepEqual((await list('ana')).map((n) => [n.type, n.text, n.url, n.count]), [['like', 'Bob liked your post', `/p/${p}`, 1]], 'no dislikes, no repeats')

    const c1 = await comment('bob', p, 'ana', { mentions: ['dia'] })
    assert.deepEqual((await list('dia')).map((n) => [n.type, n.text, n.url]), [['mention', 'Bob mentioned you in a comment', `/p/${p}#comment-${c1}`]])
    const c2 = await comment('cyd', p, 'ana', { parent: { id: c1, author: 'bob' } })
    assert.deepEqual((await list('bob')).map((n) => [n.type, n.text, n.url]), [['reply', 'Cyd replied to your comment', `/p/${p}#comment-${c2}`]])
    const [comments] = await list('ana')
    assert.deepEqual([comments!.type, comments!.text, comments!.count], ['comment', 'Cyd and Bob commented on your post', 2])

    await t.h.hooks.emit('action:comment.liked', { commentId: c1, postId: p, commentAuthorId: id.bob!, userId: id.ana! })
    const [liked] = await list('bob')
    assert.deepEqual([liked!.type, liked!.text, liked!.url], ['comment_like', 'Ana liked your comment', `/p/${p}#comment-${c1}`])

    // A reply that also mentions its parent's author and the post's author tells each of them once.
    await comment('eve', p, 'ana', { parent: { id: c1, author: 'bob' }, mentions: ['bob', 'ana'] })
    const bobs = await list('bob')
    assert.equal(bobs.filter((n) => n.type === 'mention').length, 0)
    assert.equal(bobs.find((n) => n.type === 'reply')!.text, 'Eve and Cyd replied to your comment')
    assert.equal((await list('ana')).find((n) => n.type === 'mention')!.text, 'Eve mentioned you in a comment')

    // A deleted comment takes its notifications with it.
    await t.h.db.deleteFrom('comments').where('id', '=', c2).execute()
    assert.equal((await list('bob')).find((n) => n.type === 'reply')!.text, 'Eve replied to your comment')
    for (const n of names) await clear(n)
  })

  it('arrives from the engagement API’s likes, comments, replies and comment likes', async () => {
    const p = await post('gus', 'engage')
    assert.equal((await call('fay', 'POST', `/api/v1/posts/${p}/like`)).status, 200)
    const c = (await body(await call('fay', 'POST', `/api/v1/posts/${p}/comments`, { text: 'Nice, @eve' }))).data
    await call('eve', 'POST', `/api/v1/posts/${p}/comments`, { text: 'Agreed', parent_id: c.id })
    await call('gus', 'POST', `/api/v1/comments/${c.id}/like`)
    assert.deepEqual(await texts('gus'), ['Eve and Fay commented on your post', 'Fay liked your post'])
    assert.deepEqual((await texts('fay')).sort(), ['Eve replied to your comment', 'Gus liked your comment'])
    assert.deepEqual(await texts('eve'), ['Fay mentioned you in a comment'])
    for (const n of names) await clear(n)
  })

  it('never tells members about their own acts, nor across a block either way', async () => {
    const p = await post('ana', 'mine')
    await like('ana', p, 'ana')
    await comment('ana', p, 'ana', { mentions: ['ana'] })
    assert.deepEqual(await texts('ana'), [])

    const q = await post('fay', 'fay’s')
    await like('gus', q, 'fay')
    assert.equal((await list('fay')).length, 1)
    await t.h.safety.block(id.fay!, 'gus')
    assert.deepEqual(await texts('fay'), [], 'blocking removes what the blocked member caused')
    await like('gus', q, 'fay')
    assert.deepEqual(await texts('fay'), [])
    const g = await post('gus', 'gus’s')
    await like('fay', g, 'gus')
    assert.deepEqual(await texts('gus'), [], 'nor the other way')
    await t.h.safety.unblock(id.fay!, 'gus')
    await clear('fay')
  })

  it('honours each member’s choices per type, from the settings page and the API', async () => {
    const a = t.agent('10.0.3.1')
    await a.loginViaForm('eve')
    const page = await a.text('/settings/notifications')
    assert.match(page, /Likes on your posts/)
    assert.match(page, /<input type="checkbox" name="like" checked/)
    // The form as a browser sends it: only ticked boxes.
    const saved = await a.post('/settings/notifications', { follow: 'on', comment: 'on' })
    assert.equal(saved.status, 303)
    const prefs = (await body(await call('eve', 'GET', '/api/v1/notifications/preferences'))).data as { type: string; enabled: boolean }[]
    assert.deepEqual(prefs.filter((p) => p.enabled).map((p) => p.type), ['follow', 'comment'])

    const p = await post('eve', 'no likes please')
    await like('bob', p, 'eve')
    await call('bob', 'POST', '/api/v1/users/eve/follow')
    assert.deepEqual(await texts('eve'), ['Bob followed you'])

    const res = await call('eve', 'PUT', '/api/v1/notifications/preferences', { like: true, nope: false })
    assert.equal(res.status, 400)
    assert.equal((await body(res)).error.code, 'VALIDATION_FAILED')
    assert.equal((await body(await call('eve', 'PUT', '/api/v1/notifications/preferences', { like: true }))).data.find((p: any) => p.type === 'like').enabled, true)
    await like('cyd', p, 'eve')
    assert.equal((await list('eve'))[0]!.text, 'Cyd liked your post')
    await clear('eve')
  })

  it('groups eleven likes into “X and 10 others”, counting the group once', async () => {
    const p = await post('ana', 'popular')
    const likers: string[] = []
    for (let i = 1; i <= 11; i++) {
      const r = await t.register(`liker${i}`)
      tok[`liker${i}`] = r.token
      id[`liker${i}`] = r.id
      likers.push(`liker${i}`)
    }
    for (const l of likers) await like(l, p, 'ana')
    await like('liker3', p, 'ana', 'dislike')
    const [group] = await list('ana')
    assert.equal(group!.text, 'liker3 and 10 others liked your post', 'the latest liker first, each counted once')
    assert.equal(group!.count, 11)
    assert.deepEqual(group!.actors.map((a) => a.username), ['liker3', 'liker11', 'liker10'])
    assert.equal(await unread('ana'), 1)

    const q = await post('ana', 'another')
    await like('bob', q, 'ana')
    await call('cyd', 'POST', '/api/v1/users/ana/follow')
    await call('eve', 'POST', '/api/v1/users/ana/follow')
    assert.deepEqual(await texts('ana'), ['Eve and Cyd followed you', 'Bob liked your post', 'liker3 and 10 others liked your post'])
    assert.equal(await unread('ana'), 3)

    // Once read, a new like starts a new entry.
    await call('ana', 'POST', '/api/v1/notifications/read', { ids: [group!.id] })
    await like('cyd', p, 'ana')
    const after = await list('ana', '')
    assert.deepEqual(after.map((n) => [n.text, n.read]).slice(0, 2), [['Cyd liked your post', false], ['Eve and Cyd followed you', false]])
    assert.deepEqual(after.find((n) => n.id === group!.id)!.read, true)
    assert.equal(await unread('ana'), 3)
    await clear('ana')
  })

  it('drops a notification about a post its recipient may no longer see, from the list, the count and the API', async () => {
    const p = await post('bob', 'see this @cyd')
    const visibleToCyd = async () => {
      const items = await list('cyd')
      const count = await unread('cyd')
      const unreadOnly = await list('cyd', '?unread=1')
      return [items.length, count, unreadOnly.length]
    }
    assert.deepEqual(await visibleToCyd(), [1, 1, 1])

    const edit = (json: unknown) => call('bob', 'PUT', `/api/v1/posts/${p}`, json)
    await edit({ visibility: 'only_me' })
    assert.deepEqual(await visibleToCyd(), [0, 0, 0], 'only me')
    await edit({ visibility: 'followers' })
    assert.deepEqual(await visibleToCyd(), [0, 0, 0], 'followers only, and cyd does not follow bob')
    await call('cyd', 'POST', '/api/v1/users/bob/follow')
    assert.deepEqual((await list('cyd')).map((n) => n.type), ['mention'], 'visible again to a follower')
    await edit({ visibility: 'public', hidden_from: ['cyd'] })
    assert.deepEqual(await visibleToCyd(), [0, 0, 0], 'hidden from cyd')
    await edit({ hidden_from: [] })
    assert.equal((await list('cyd')).length, 1)

    // Nothing new about it reaches cyd while it is hidden, even later.
    const c = await comment('cyd', p, 'bob')
    await edit({ visibility: 'only_me' })
    await t.h.hooks.emit('action:comment.liked', { commentId: c, postId: p, commentAuthorId: id.cyd!, userId: id.bob! })
    await edit({ visibility: 'public' })
    assert.deepEqual((await list('cyd')).map((n) => n.type), ['mention'])

    await t.h.safety.block(id.bob!, 'cyd')
    assert.deepEqual(await visibleToCyd(), [0, 0, 0], 'the author blocked cyd')
    await t.h.safety.unblock(id.bob!, 'cyd')

    const q = await post('bob', 'and this @cyd')
    assert.equal((await list('cyd')).length, 1)
    assert.equal((await call('bob', 'DELETE', `/api/v1/posts/${q}`)).status, 200)
    assert.deepEqual(await visibleToCyd(), [0, 0, 0], 'deleted')
    assert.equal(await t.h.db.selectFrom('notifications').select('id').where('post_id', '=', q).executeTakeFirst(), undefined)
  })

  it('lets a plugin register its own namespaced type and send it', async () => {
    const polls = t.h.notifications.forPlugin('polls')
    polls.defineType('closed', {
      label: 'Polls you voted in closing',
      group: true,
      text: (n) => (n.count > 1 ? `${n.count} polls you voted in closed` : `A poll you voted in closed: ${String(n.data.title)}`),
      url: (n) => `/polls/${Number(n.data.pollId)}`,
    })
    assert.throws(() => polls.defineType('closed', { label: 'x', group: false, text: () => '', url: () => null }), /already exists/)
    assert.throws(() => polls.defineType('Bad Name', { label: 'x', group: false, text: () => '', url: () => null }), /lowercase/)
    const other = t.h.notifications.forPlugin('quiz')
    await assert.rejects(other.notify({ userId: id.fay!, type: 'polls.closed' }), /own notification types/)
    await assert.rejects(t.h.notifications.notify({ userId: id.fay!, type: 'like', actorId: id.bob! }), /not a registered plugin notification type/)

    await polls.notify({ userId: id.fay!, type: 'closed', data: { pollId: 7, title: 'Lunch?' } })
    let [n] = await list('fay')
    assert.deepEqual([n!.type, n!.text, n!.url], ['polls.closed', 'A poll you voted in closed: Lunch?', '/polls/7'])
    await polls.notify({ userId: id.fay!, type: 'polls.closed', data: { pollId: 8, title: 'Dinner?' } })
    ;[n] = await list('fay')
    assert.equal(n!.text, '2 polls you voted in closed')

    // Its type is on the settings page and can be turned off.
    assert.ok((await body(await call('fay', 'GET', '/api/v1/notifications/preferences'))).data.some((p: any) => p.type === 'polls.closed' && p.label === 'Polls you voted in closing'))
    await call('fay', 'PUT', '/api/v1/notifications/preferences', { 'polls.closed': false })
    await clear('fay')
    await polls.notify({ userId: id.fay!, type: 'closed', data: { pollId: 9 } })
    assert.equal(await unread('fay'), 0)

    // A type whose template throws shows its label; a url off the site is dropped.
    const risky = t.h.notifications.forPlugin('risky')
    risky.defineType('boom', { label: 'Risky things', group: false, text: () => { throw new Error('bad template') }, url: () => 'javascript:alert(1)' })
    await risky.notify({ userId: id.fay!, type: 'boom' })
    ;[n] = await list('fay')
    assert.deepEqual([n!.text, n!.url], ['Risky things', null])

    // Unloading the plugin hides its notifications.
    t.h.notifications.removeOwner('risky')
    assert.equal((await list('fay')).some((x) => x.type === 'risky.boom'), false)
    await clear('fay')
  })

  it('marks chosen entries or all of them read', async () => {
    const p = await post('gus', 'one')
    const q = await post('gus', 'two')
    await like('ana', p, 'gus')
    await like('ana', q, 'gus')
    await call('bob', 'POST', '/api/v1/users/gus/follow')
    assert.equal(await unread('gus'), 3)
    const [first] = await list('gus')
    const res = await body(await call('gus', 'POST', '/api/v1/notifications/read', { ids: [first!.id] }))
    assert.deepEqual(res.data, { marked: 1, unread: 2 })
    assert.deepEqual((await list('gus', '?unread=1')).map((n) => n.read), [false, false])
    assert.equal((await call('gus', 'POST', '/api/v1/notifications/read', { ids: ['x'] })).status, 400)
    assert.equal((await call('ana', 'POST', '/api/v1/notifications/read', { ids: [first!.id] })).status, 200)
    assert.equal(await unread('gus'), 2, 'nobody marks another member’s notifications')
    assert.equal((await body(await call('gus', 'POST', '/api/v1/notifications/read', {}))).data.unread, 0)
    // Read ones are purged after a while; unread ones never.
    await like('cyd', p, 'gus')
    assert.equal(await t.h.notifications.purgeRead(new Date(Date.now() - 60_000)), 0)
    assert.equal(await t.h.notifications.purgeRead(new Date(Date.now() + 60_000)) >= 3, true)
    assert.deepEqual(await texts('gus'), ['Cyd liked your post'])
    assert.deepEqual((await list('gus', '')).map((n) => n.text), ['Cyd liked your post'])
    await clear('gus')
    assert.equal((await call(null, 'GET', '/api/v1/notifications')).status, 401)
    assert.equal((await call(null, 'POST', '/api/v1/notifications/read')).status, 401)
  })

  it('pages through entries with a cursor, newest first', async () => {
    for (let i = 0; i < 5; i++) await like('ana', await post('dia', `post ${i}`), 'dia')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: Envelope = await body(await call('dia', 'GET', `/api/v1/notifications?unread=1&limit=2${cursor ? `&cursor=${cursor}` : ''}`))
      seen.push(...res.data.map((n: NotificationView) => n.url))
      cursor = res.pagination!.next_cursor
    } while (cursor)
    assert.equal(seen.length, 5)
    assert.deepEqual(seen, [...seen].sort((a, b) => Number(b.split('/')[2]) - Number(a.split('/')[2])))
    assert.equal((await call('dia', 'GET', '/api/v1/notifications?cursor=nope')).status, 400)
    await clear('dia')
  })

  it('shows the list and the unread count on the pages, and marks all read without JavaScript', async () => {
    const a = t.agent('10.0.3.2')
    await a.loginViaForm('bob')
    const p = await post('bob', 'page test')
    await like('ana', p, 'bob')
    await like('cyd', p, 'bob')
    await call('dia', 'POST', '/api/v1/users/bob/follow')
    let home = await a.text('/')
    assert.match(home, /<a href="\/notifications" data-nav="notifications"><svg[^>]*>.*?<\/svg><span class="nav-label">Notifications \(2\)<\/span><span class="nav-badge" aria-hidden="true">2<\/span><\/a>/)
    assert.match(home, /<script src="\/static\/notifications.js" defer><\/script>/)
    assert.equal(await unread('bob'), 2)

    const read = await a.post('/notifications/read', {})
    assert.equal(read.status, 303)
    assert.equal(await unread('bob'), 0)
    home = await a.text('/')
    assert.match(home, /data-nav="notifications"><svg[^>]*>.*?<\/svg><span class="nav-label">Notifications<\/span><\/a>/, 'no badge once read')

    await like('eve', p, 'bob')
    const page = await a.text('/notifications')
    assert.match(page, /data-notifications/)
    assert.match(page, /<form method="post" action="\/notifications\/read">/)
    assert.match(page, /data-nav="notifications"><svg[^>]*>.*?<\/svg><span class="nav-label">Notifications<\/span><\/a>/, 'the count the page shows is already after reading')
    assert.match(page, /Eve liked your post<\/a> <span class="badge badge-ok">new<\/span>/)
    assert.match(page, /Cyd and Ana liked your post/)
    assert.match(page, /Dia followed you/)
    assert.equal(await unread('bob'), 0, 'opening the list marks what it shows read')
    assert.doesNotMatch(await a.text('/notifications'), /badge-ok">new/)

    const guest = await t.request('GET', '/notifications')
    assert.equal(guest.status, 302)
    assert.match(await t.agent('10.0.3.3').text('/'), /^(?![\s\S]*data-nav="notifications")/)
  })

  it('keeps the unread count equal to the unread entries the list shows, whatever happens to them', async () => {
    const members = ['ivy', 'jon', 'kai', 'lee']
    for (const n of members) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    const agree = async (what: string) => {
      const entries = (await list('ivy', '?unread=1&limit=100')).length
      assert.equal(await unread('ivy'), entries, what)
      return entries
    }
    // Read ones first, many of them: the count must not depend on which index SQLite reads.
    const old = await post('ivy', 'old news')
    for (const n of ['jon', 'kai', 'lee']) await like(n, old, 'ivy')
    await clear('ivy')
    assert.equal(await agree('all read'), 0)
    const p = await post('ivy', 'fresh @ivy')
    await like('jon', p, 'ivy')
    await like('kai', p, 'ivy')
    assert.equal(await agree('two likes, one entry'), 1)
    await comment('lee', p, 'ivy')
    await call('jon', 'POST', '/api/v1/users/ivy/follow')
    assert.equal(await agree('a comment and a follow'), 3)
    await like('jon', p, 'ivy', 'dislike')
    assert.equal(await agree('liking again joins the open entry'), 3)
    const [newest] = await list('ivy')
    await call('ivy', 'POST', '/api/v1/notifications/read', { ids: [newest!.id] })
    assert.equal(await agree('one read'), 2)
    await like('lee', p, 'ivy')
    assert.equal(await agree('a like after some were read: a new entry'), 3)
    await t.h.safety.block(id.ivy!, 'lee')
    assert.equal(await agree('a blocked member’s go'), 1)
    await t.h.safety.unblock(id.ivy!, 'lee')
    await call('ivy', 'POST', '/api/v1/users/jon/follow')
    const jonsPost = await post('jon', 'hi @ivy', 'followers')
    assert.equal(await agree('a mention in a post for followers'), 2)
    await call('ivy', 'DELETE', '/api/v1/users/jon/follow')
    assert.equal(await agree('unfollowed: the mention hides'), 1)
    await call('ivy', 'POST', '/api/v1/users/jon/follow')
    assert.equal(await agree('followed again'), 2)
    assert.equal((await call('jon', 'DELETE', `/api/v1/posts/${jonsPost}`)).status, 200)
    assert.equal(await agree('its post deleted'), 1)
    await t.h.db.updateTable('users').set({ suspended_at: new Date().toISOString() }).where('id', '=', id.kai!).execute()
    assert.equal(await agree('a suspended actor hidden'), 1)
    await t.h.db.updateTable('users').set({ suspended_at: null }).where('id', '=', id.kai!).execute()
    const quiz = t.h.notifications.forPlugin('quiz2')
    quiz.defineType('done', { label: 'Quizzes done', group: false, text: () => 'A quiz is done', url: () => null })
    await quiz.notify({ userId: id.ivy!, type: 'done' })
    assert.equal(await agree('a plugin’s type'), 2)
    t.h.notifications.removeOwner('quiz2')
    assert.equal(await agree('its plugin gone'), 1)
    await clear('ivy')
    assert.equal(await agree('all read again'), 0)
  })
})
