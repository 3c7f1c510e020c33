// Scheduled live events: scheduling (page and API, with bad input refused), who sees an event on every path (hidden
// is missing), "remind me", starting from the page with reminders told once, cancelling, and the "Coming up" list.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { startsAtOf } from './event-pages.js'

describe('live: scheduled events', () => {
  let t: TestApp
  const users: Record<string, { id: number; token: string }> = {}
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const data = async <T = any>(res: Response | Promise<Response>): Promise<T> => ((await (await res).json()) as { data: T }).data
  const later = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString()
  const told = async (who: string, type: string) => (await t.h.notifications.list(users[who]!.id)).items.filter((n) => n.type === type)

  before(async () => {
    t = await createTestApp({ enable: ['live'] })
    await t.h.plugins.loaded.get('live')!.settings.set('rtmp_port', 0)
    for (const name of ['ana', 'ben', 'cleo', 'dan', 'fred', 'mod']) users[name] = await t.register(name)
    await t.h.users.setRole(users.mod!.id, 'moderator', null)
    for (const f of ['ben', 'dan', 'fred']) await t.h.social.follow(users[f]!.id, 'ana')
    await t.h.safety.block(users.ana!.id, 'dan')
  })
  after(() => t.close())

  it('schedules an event, refusing bad input with the API’s envelope and the page’s messages', async () => {
    assert.equal((await api(null, 'POST', '/api/v1/live/events', { title: 'x', starts_at: later(60) })).status, 401)
    for (const input of [{ title: '', starts_at: later(60) }, { title: 'Past', starts_at: later(-60) }, { title: 'When?', starts_at: 'soon' }, { title: 'Far', starts_at: later(60 * 24 * 400) }, { title: 'x', starts_at: later(60), audience: 'everyone' }]) {
      const res = await api('ana', 'POST', '/api/v1/live/events', input)
      assert.equal(res.status, 400, JSON.stringify(input))
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED')
    }
    const res = await api('ana', 'POST', '/api/v1/live/events', { title: 'Q&A', description: 'Ask me anything', starts_at: later(120) })
    assert.equal(res.status, 201)
    const e = await data(res)
    assert.equal(e.status, 'scheduled')
    assert.equal(e.reminders, 0)
    assert.equal(e.reminded, false)

    // The page: the time typed is local, with the page's offset (UTC+1 sends -60).
    assert.equal(startsAtOf({ starts_local: '2027-03-01T10:00', tz: '-60' }), '2027-03-01T09:00:00.000Z')
    assert.equal(startsAtOf({ starts_local: '2027-03-01T10:00' }), '2027-03-01T10:00:00.000Z')
    const a = t.agent()
    await a.loginViaForm('ana')
    assert.match(await a.text('/live/events/new'), /Schedule a live stream/)
    const bad = await a.post('/live/events/new', { title: 'Old', starts_local: '2020-01-01T10:00', tz: '0', audience: 'public' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Choose a time that has not passed/)
    const made = await a.post('/live/events/new', { title: 'Garden walk', description: '', starts_local: later(300).slice(0, 16), tz: '0', audience: 'public' })
    assert.equal(made.status, 303)
    assert.match(made.headers.get('location')!, /^\/live\/events\/\d+$/)
    assert.match(await (await t.request('GET', made.headers.get('location')!)).text(), /Garden walk/, 'a guest sees a public event of a public account')
  })

  it('shows a followers-only event to followers only, on every path, like a missing one to others', async () => {
    const e = await data(api('ana', 'POST', '/api/v1/live/events', { title: 'Followers hour', audience: 'followers', starts_at: later(90) }))
    for (const who of ['cleo', 'dan', null]) {
      const label = who ?? 'a guest'
      assert.equal((await api(who, 'GET', `/live/events/${e.id}`)).status, 404, `${label}: page`)
      assert.equal((await api(who, 'GET', `/api/v1/live/events/${e.id}`)).status, 404, `${label}: API`)
      const listed = await data<{ id: number }[]>(api(who, 'GET', '/api/v1/live/events'))
      assert.ok(!listed.some((x) => x.id === e.id), `${label}: not listed`)
      assert.doesNotMatch(await (await api(who, 'GET', '/live')).text(), /Followers hour/, `${label}: not on /live`)
      if (who) assert.equal((await api(who, 'PUT', `/api/v1/live/events/${e.id}/reminder`)).status, 404, `${label}: no reminder`)
    }
    assert.equal((await api('ben', 'GET', `/api/v1/live/events/${e.id}`)).status, 200)
    assert.match(await (await api('ben', 'GET', '/live')).text(), /Coming up[\s\S]*Followers hour/)
    assert.equal((await api('ben', 'POST', `/api/v1/live/events/${e.id}/start`)).status, 404, 'only its streamer starts it')
    assert.equal((await api('ben', 'POST', `/api/v1/live/events/${e.id}/cancel`)).status, 404, 'or cancels it')
  })

  it('reminds those who asked when it starts, once, and tells other followers as for any stream', async () => {
    const e = await data(api('ana', 'POST', '/api/v1/live/events', { title: 'Cooking live', starts_at: later(30) }))
    const on = await api('ben', 'PUT', `/api/v1/live/events/${e.id}/reminder`)
    assert.equal(on.status, 200)
    assert.equal((await data(on)).reminded, true)
    assert.equal((await data(api('cleo', 'PUT', `/api/v1/live/events/${e.id}/reminder`))).reminders, 2)
    assert.equal((await data(api('cleo', 'DELETE', `/api/v1/live/events/${e.id}/reminder`))).reminders, 1)
    // The page's form, without JavaScript.
    const c = t.agent()
    await c.loginViaForm('cleo')
    assert.equal((await c.post(`/live/events/${e.id}/remind`, { on: '1' })).status, 303)
    assert.match(await c.text(`/live/events/${e.id}`), /Don’t remind me/)

    const started = await api('ana', 'POST', `/api/v1/live/events/${e.id}/start`)
    assert.equal(started.status, 201)
    const streamId = (await data(started)).stream_id
    await t.h.queue.drain()
    const bens = await told('ben', 'live.event_started')
    assert.equal(bens.length, 1)
    assert.equal(bens[0]!.url, `/live/${streamId}`)
    assert.equal((await told('ben', 'live.started')).length, 0, 'a follower who asked is told once')
    assert.equal((await told('cleo', 'live.event_started')).length, 1, 'a non-follower who asked is told')
    assert.equal((await told('fred', 'live.started')).length, 1, 'a follower who did not ask hears of the stream')
    assert.equal((await told('dan', 'live.started')).length + (await told('dan', 'live.event_started')).length, 0, 'the blocked follower hears nothing')
    assert.equal((await api('ben', 'PUT', `/api/v1/live/events/${e.id}/reminder`)).status, 409, 'started already')
    assert.equal((await api('ana', 'POST', `/api/v1/live/events/${e.id}/start`)).status, 409)

    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${streamId}/end`)).status, 200)
    assert.equal((await data(api('ben', 'GET', `/api/v1/live/events/${e.id}`))).status, 'ended')
  })

  it('lets the streamer or staff cancel an event, telling those who asked', async () => {
    const e = await data(api('ana', 'POST', '/api/v1/live/events', { title: 'Maybe later', starts_at: later(240) }))
    await api('ben', 'PUT', `/api/v1/live/events/${e.id}/reminder`)
    const a = t.agent()
    await a.loginViaForm('ana')
    assert.equal((await a.post(`/live/events/${e.id}/cancel`, {})).status, 303)
    assert.match(await a.text(`/live/events/${e.id}?notice=cancelled`), /Cancelled/)
    await t.h.queue.drain()
    assert.equal((await told('ben', 'live.event_cancelled')).length, 1)
    assert.equal((await api('ben', 'PUT', `/api/v1/live/events/${e.id}/reminder`)).status, 409)
    assert.ok(!(await data<{ id: number }[]>(api('ben', 'GET', '/api/v1/live/events'))).some((x) => x.id === e.id), 'no longer coming up')

    const other = await data(api('ana', 'POST', '/api/v1/live/events', { title: 'Spam', starts_at: later(240) }))
    assert.equal((await api('mod', 'POST', `/api/v1/live/events/${other.id}/cancel`)).status, 200, 'staff may cancel')
  })
})
