// Shared cards in messages (decision 030), over a real server, real SQLite and real WebSockets: a post or a profile
// sent in a message shows as a card only to a reader who may see it (a followers-only post, a block, a deleted post
// all read "unavailable"); nobody shares what they cannot see; the topic's event carries no card, and each page
// fetches its own; a reply or a reaction to a story lands in the conversation with the author, with the story's card
// while it lasts, through the stories plugin's optional hook; the share page works without JavaScript.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { messagesTest, type User } from './test-setup.js'

describe('messages: shared posts, profiles and stories', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee', 'eve'], enable: ['stories', 'messages'], server: true })
  const { u, direct, call: api } = mt
  const post = async (who: User, visibility: 'public' | 'followers', text = 'A walk by the river') => (await mt.t.h.posts.create(who.id, { text, visibility })).id
  const share = (from: User, id: number, kind: string, ref: number, text?: string) => api('POST', `/api/v1/messages/conversations/${id}/messages`, from, { share: { kind, ref }, ...(text ? { text } : {}) })
  const thread = async (who: User, id: number) => {
    const r = await api('GET', `/api/v1/messages/conversations/${id}/messages?limit=100`, who)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return (r.body.data as { id: number; text: string | null; share: { kind: string; ref: number; card: { url: string; title: string; text?: string } | null } | null }[]).reverse()
  }

  it('sends a public post as a card both members see, with an optional note, on the API and the page', async () => {
    const id = await direct(u.ana!, u.ben!)
    const p = await post(u.cal!, 'public', 'Sunrise over the hills')
    const r = await share(u.ana!, id, 'post', p, 'look at this')
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.equal(r.body.data.share.card.url, `/p/${p}`)
    for (const who of [u.ana!, u.ben!]) {
      const last = (await thread(who, id)).at(-1)!
      assert.equal(last.text, 'look at this')
      assert.deepEqual({ kind: last.share?.kind, ref: last.share?.ref, url: last.share?.card?.url, text: last.share?.card?.text }, { kind: 'post', ref: p, url: `/p/${p}`, text: 'Sunrise over the hills' })
    }
    const page = await (await mt.t.request('GET', `/messages/${id}`, { token: u.ben!.token })).text()
    assert.match(page, new RegExp(`data-shared-card="post:${p}"`))
    assert.match(page, /Sunrise over the hills/)
    // The inbox says what was shared when there is no note.
    await share(u.ana!, id, 'post', p)
    const inbox = await (await mt.t.request('GET', '/messages', { token: u.ben!.token })).text()
    assert.match(inbox, /Shared a post/)
  })

  it('shows a followers-only post only to a reader who follows its author; others read "unavailable"', async () => {
    await api('POST', `/api/v1/users/${u.cal!.name}/follow`, u.ana!)
    const p = await post(u.cal!, 'followers', 'For my followers')
    const id = await direct(u.ana!, u.ben!)
    assert.equal((await share(u.ana!, id, 'post', p)).status, 201)
    assert.equal((await thread(u.ana!, id)).at(-1)!.share?.card?.text, 'For my followers')
    const theirs = (await thread(u.ben!, id)).at(-1)!
    assert.deepEqual(theirs.share, { kind: 'post', ref: p, card: null })
    const page = await (await mt.t.request('GET', `/messages/${id}`, { token: u.ben!.token })).text()
    assert.doesNotMatch(page, /For my followers/)
    assert.match(page, /This post is unavailable\./)
    // Once ben follows cal, the same message shows it: cards are resolved when read, never stored.
    await api('POST', `/api/v1/users/${u.cal!.name}/follow`, u.ben!)
    assert.equal((await thread(u.ben!, id)).at(-1)!.share?.card?.text, 'For my followers')
  })

  it('refuses to share what the sender may not see, or what does not exist, alike, and stores nothing', async () => {
    const id = await direct(u.dee!, u.eve!)
    const hidden = await post(u.cal!, 'followers', 'not for dee')
    const before = (await thread(u.dee!, id)).length
    const a = await share(u.dee!, id, 'post', hidden)
    const b = await share(u.dee!, id, 'post', 99_999_999)
    assert.equal(a.status, 404)
    assert.deepEqual(a.body.error, b.body.error)
    for (const bad of [{ kind: 'poll', ref: 1 }, { kind: 'post', ref: -3 }, { kind: 'post' }, 'post:1']) {
      const r = await api('POST', `/api/v1/messages/conversations/${id}/messages`, u.dee!, { share: bad })
      assert.equal(r.status, 400, JSON.stringify(bad))
      assert.equal(r.body.error?.code, 'VALIDATION_FAILED')
    }
    // Neither text nor a share: the usual "Write a message."
    assert.equal((await api('POST', `/api/v1/messages/conversations/${id}/messages`, u.dee!, {})).body.error?.message, 'Write a message.')
    assert.equal((await thread(u.dee!, id)).length, before)
  })

  it('hides a card across a block and after the post is deleted, and shares profiles by the same rule', async () => {
    const id = await direct(u.ana!, u.eve!)
    const p = await post(u.dee!, 'public', 'dee posts in public')
    await share(u.ana!, id, 'post', p)
    await share(u.ana!, id, 'profile', u.dee!.id)
    const cards = async () => (await thread(u.eve!, id)).slice(-2).map((m) => m.share?.card?.url ?? null)
    assert.deepEqual(await cards(), [`/p/${p}`, `/u/${u.dee!.name}`])
    // eve blocks dee: neither dee's post nor dee's profile shows to eve any more; ana still sees both.
    assert.equal((await api('POST', `/api/v1/users/${u.dee!.name}/block`, u.eve!)).status, 200)
    assert.deepEqual(await cards(), [null, null])
    assert.deepEqual((await thread(u.ana!, id)).slice(-2).map((m) => m.share?.card?.url ?? null), [`/p/${p}`, `/u/${u.dee!.name}`])
    assert.equal((await api('DELETE', `/api/v1/users/${u.dee!.name}/block`, u.eve!)).status, 200)
    await mt.t.h.posts.remove({ id: u.dee!.id, username: u.dee!.name, display_name: u.dee!.name, role: 'member' }, p)
    assert.deepEqual((await thread(u.ana!, id)).slice(-2).map((m) => m.share?.card?.url ?? null), [null, `/u/${u.dee!.name}`])
  })

  it('publishes the message to the topic without a card; each page fetches its own view', async () => {
    const id = await direct(u.ben!, u.cal!)
    const s = await mt.socket(u.cal!)
    assert.equal((await mt.join(s, id)).op, 'joined')
    const p = await post(u.ben!, 'public', 'ben in public')
    const sent = await share(u.ben!, id, 'post', p)
    const frame = await s.next((f) => f.topic === `messages:conv:${id}` && f.event === 'message')
    const data = frame.data as { id: number; share: { kind: string; ref: number; card: unknown; personal?: boolean } }
    assert.equal(data.id, sent.body.data.id)
    assert.deepEqual(data.share, { kind: 'post', ref: p, card: null, personal: true })
    const mine = await api('GET', `/api/v1/messages/conversations/${id}/messages/${data.id}`, u.cal!)
    assert.equal(mine.body.data.share.card.url, `/p/${p}`)
    // A member outside the conversation cannot read that message either: like a missing one.
    const outside = await api('GET', `/api/v1/messages/conversations/${id}/messages/${data.id}`, u.eve!)
    assert.equal(outside.status, 404)
  })

  it('lands a reply and a reaction to a story in the conversation with its author, with the story while it lasts', async () => {
    const story = await api('POST', '/api/v1/stories', u.dee!, { kind: 'text', text: 'Morning by the sea', background: 'ocean' })
    assert.equal(story.status, 201, JSON.stringify(story.body))
    const sid = story.body.data.id as number
    await api('POST', `/api/v1/users/${u.dee!.name}/follow`, u.ben!)
    assert.equal((await api('POST', `/api/v1/stories/${sid}/reactions`, u.ben!, { text: 'Beautiful!' })).status, 201)
    assert.equal((await api('POST', `/api/v1/stories/${sid}/reactions`, u.ben!, { emoji: '🔥' })).status, 201)
    const conv = (await api('GET', '/api/v1/messages/conversations', u.ben!)).body.data as { id: number; members: { username: string }[] }[]
    const id = conv.find((c) => c.members.some((m) => m.username === 'dee') && c.members.length === 2)!.id
    const lines = (await thread(u.dee!, id)).slice(-2)
    assert.deepEqual(
      lines.map((m) => ({ text: m.text, kind: m.share?.kind, url: m.share?.card?.url })),
      [
        { text: 'Beautiful!', kind: 'story', url: `/stories/dee/${sid}` },
        { text: 'Reacted 🔥 to your story', kind: 'story', url: `/stories/dee/${sid}` },
      ],
    )
    // dee is told once, by the message, for the text reply (not also by the stories plugin's "replied" notification).
    await mt.t.h.queue.drain()
    const types = (await mt.t.h.notifications.list(u.dee!.id)).items.map((n) => n.type)
    assert.ok(types.includes('messages.message'), types.join())
    assert.ok(!types.includes('stories.reply'), types.join())
    // Once the story expires its card reads "unavailable"; the reply stays.
    mt.t.h.store.sqlite.prepare('update stories_items set expires_at = ? where id = ?').run(new Date(Date.now() - 1000).toISOString(), sid)
    const later = (await thread(u.dee!, id)).slice(-2)
    assert.deepEqual(later.map((m) => [m.text, m.share?.card ?? null]), [
      ['Beautiful!', null],
      ['Reacted 🔥 to your story', null],
    ])
  })

  it('has a share page that works without JavaScript: to a recent conversation or a member by name', async () => {
    const a = mt.t.agent()
    await a.loginViaForm('ana')
    const p = await post(u.cal!, 'public', 'Share me')
    const form = await a.text(`/messages/share?kind=post&ref=${p}`)
    assert.match(form, /Send in a message/)
    assert.match(form, /Share me/)
    const res = await a.post('/messages/share', { kind: 'post', ref: String(p), user: 'dee', text: 'for you' })
    assert.equal(res.status, 303)
    const where = res.headers.get('location')!
    assert.match(where, /^\/messages\/\d+#m-\d+$/)
    assert.match(await a.text(where.split('#')[0]!), /data-shared-card="post:\d+"[\s\S]*for you/)
    // Neither a conversation nor a name: the form again, with the reason.
    const none = await a.post('/messages/share', { kind: 'post', ref: String(p) })
    assert.equal(none.status, 400)
    assert.match(await none.text(), /Choose a conversation or enter a username/)
    // Something the sender may not see: a 404 page, as for a post that does not exist.
    const hidden = await post(u.eve!, 'followers', 'eve only')
    assert.equal((await a.get(`/messages/share?kind=post&ref=${hidden}`)).status, 404)
    // The paper plane under posts leads there.
    assert.match(await a.text(`/p/${p}`), new RegExp(`href="/messages/share\\?kind=post&amp;ref=${p}"`))
  })
})
