// The policy engine on the plugins that take text (decision 038): messages (and scheduled ones), live chat, stories
// (text and story replies) and group posts each refuse with the rule's message before storing anything, and a
// flagging rule files a report once the text is stored. Rules name plugin surfaces as `PLUGIN.thing`.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, type TestApp } from './harness.js'

type Json = { data: any; error?: { code: string; message: string; details?: any } }

describe('policy rules on plugins’ writing', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  const api = async (who: string, method: string, path: string, json?: unknown) => {
    const res = await t.request(method, path, { token: u[who]!.token, json })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const refuses = (r: { status: number; body: Json }, message: string) => {
    assert.equal(r.status, 422, JSON.stringify(r.body))
    assert.equal(r.body.error?.code, 'REFUSED_BY_POLICY')
    assert.equal(r.body.error?.message, message)
  }
  const rule = (name: string, surface: string, words: string[], action: 'refuse' | 'flag' = 'refuse') =>
    t.h.policy.create({ name, surfaces: [surface], conditions: { words }, action, message: action === 'refuse' ? `No ${words[0]} in ${surface}.` : '' }, null)

  before(async () => {
    t = await createTestApp({ enable: ['messages', 'live', 'stories', 'groups'] })
    for (const name of ['ana', 'ben']) u[name] = await t.register(name)
    await rule('messages', 'messages.message', ['spamword'])
    await rule('messages flag', 'messages.message', ['suspicious'], 'flag')
    await rule('live chat', 'live.chat', ['shouting'])
    await rule('stories', 'stories.story', ['forbidden'])
    await rule('story replies', 'stories.reply', ['rude'])
    await rule('group posts', 'groups.post', ['offtopic'])
  })
  after(() => t.close())

  it('messages: refused with the rule’s message (sent, edited, scheduled); a flag files a report on the stored message', async () => {
    const conv = await api('ana', 'POST', '/api/v1/messages/conversations', { user: 'ben' })
    assert.ok(conv.status < 300, JSON.stringify(conv.body))
    const id = conv.body.data.id
    refuses(await api('ana', 'POST', `/api/v1/messages/conversations/${id}/messages`, { text: 'buy spamword now' }), 'No spamword in messages.message.')
    const listed = await api('ben', 'GET', `/api/v1/messages/conversations/${id}/messages?limit=100`)
    assert.ok(!JSON.stringify(listed.body).includes('spamword'), 'nothing was stored')
    const ok = await api('ana', 'POST', `/api/v1/messages/conversations/${id}/messages`, { text: 'hello ben' })
    assert.equal(ok.status, 201)
    refuses(await api('ana', 'PATCH', `/api/v1/messages/conversations/${id}/messages/${ok.body.data.id}`, { text: 'hello spamword' }), 'No spamword in messages.message.')
    const later = new Date(Date.now() + 3_600_000).toISOString()
    refuses(await api('ana', 'POST', `/api/v1/messages/conversations/${id}/scheduled`, { text: 'spamword later', send_at: later }), 'No spamword in messages.message.')

    // A rule made after a message was scheduled holds when it goes: not sent, with the rule's message.
    const queued = await api('ana', 'POST', `/api/v1/messages/conversations/${id}/scheduled`, { text: 'see you at the fair', send_at: later })
    assert.equal(queued.status, 201, JSON.stringify(queued.body))
    await rule('fair', 'messages.message', ['fair'])
    await t.h.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000).toISOString() }).where('key', '=', `messages:scheduled:${queued.body.data.id}`).execute()
    await t.h.queue.drain()
    const notSent = await api('ana', 'GET', `/api/v1/messages/scheduled/${queued.body.data.id}`)
    assert.equal(notSent.body.data.status, 'not_sent', JSON.stringify(notSent.body))
    assert.equal(notSent.body.data.reason, 'Not sent: No fair in messages.message.')

    const flagged = await api('ana', 'POST', `/api/v1/messages/conversations/${id}/messages`, { text: 'a suspicious offer' })
    assert.equal(flagged.status, 201, 'a flag does not refuse')
    const report = await t.h.db.selectFrom('reports').select(['target_type', 'target_id', 'note']).where('target_type', '=', 'messages.message').executeTakeFirst()
    assert.equal(report?.target_id, String(flagged.body.data.id))
    assert.match(report!.note ?? '', /messages flag/)
  })

  it('live chat: refused with the rule’s message, the streamer too', async () => {
    const stream = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Cooking', chat: 'on' })
    assert.equal(stream.status, 201, JSON.stringify(stream.body))
    const id = stream.body.data.id
    refuses(await api('ben', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'shouting!!' }), 'No shouting in live.chat.')
    refuses(await api('ana', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'shouting back' }), 'No shouting in live.chat.')
    assert.equal((await api('ben', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'looks good' })).status, 201)
    const chat = await api('ben', 'GET', `/api/v1/live/streams/${id}/chat`)
    assert.deepEqual(chat.body.data.map((l: { text: string }) => l.text), ['looks good'])
  })

  it('stories: a text story and a story reply are refused with the rule’s message', async () => {
    refuses(await api('ana', 'POST', '/api/v1/stories', { kind: 'text', text: 'this is forbidden', audience: 'public' }), 'No forbidden in stories.story.')
    const story = await api('ana', 'POST', '/api/v1/stories', { kind: 'text', text: 'a fine day', audience: 'public' })
    assert.equal(story.status, 201, JSON.stringify(story.body))
    refuses(await api('ben', 'POST', `/api/v1/stories/${story.body.data.id}/reactions`, { text: 'rude words' }), 'No rude in stories.reply.')
    assert.equal((await api('ben', 'POST', `/api/v1/stories/${story.body.data.id}/reactions`, { text: 'lovely' })).status, 201)
  })

  it('groups: a group post is refused by the group rule, and the same text is fine outside the group', async () => {
    const group = await api('ana', 'POST', '/api/v1/groups', { name: 'Bakers', privacy: 'public' })
    assert.equal(group.status, 201, JSON.stringify(group.body))
    const gid = group.body.data.id
    refuses(await api('ana', 'POST', `/api/v1/groups/${gid}/posts`, { text: 'offtopic chatter' }), 'No offtopic in groups.post.')
    assert.equal((await api('ana', 'POST', `/api/v1/groups/${gid}/posts`, { text: 'sourdough' })).status, 201)
    assert.equal((await api('ana', 'POST', '/api/v1/posts', { text: 'offtopic chatter' })).status, 201, 'the group rule is not a rule on all posts')
  })
})
