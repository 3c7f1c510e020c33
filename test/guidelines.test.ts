// The reminder of the community rules on plugins' forms (issue 19): core shows it before posting and reporting on its
// own pages; plugins render the same one through `ctx.http.guidelines` above their forms (a new story, a group's
// composer, going live and the live chat, a conversation's compose box). One dismissal hides it everywhere until the
// rules change; without published rules, or for a guest, nothing shows.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from './harness.js'

describe('the guideline reminder on plugins’ forms', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ enable: ['stories', 'groups', 'live', 'messages'] })
  })
  after(() => t.close())

  it('shows on the plugins’ forms until dismissed, and again when the rules change', async () => {
    const boss = await t.register('gl_boss')
    await t.h.users.setRole(boss.id, 'admin', null)
    await t.register('gl_friend')
    await t.register('gl_writer')
    const a = t.agent('10.8.3.1')
    await a.loginViaForm('gl_writer')
    // Nothing before the operator writes rules.
    assert.doesNotMatch(await a.text('/stories/new'), /data-guidelines/)

    const publish = async (body: string) => assert.equal((await t.request('POST', '/api/v1/admin/legal/rules', { token: boss.token, json: { body, requires_acceptance: false } })).status, 201)
    await publish('- Be kind.\n- No spam.')
    const group = (await a.post('/groups', { name: 'Gardeners', description: '', privacy: 'public' })).headers.get('location')!
    assert.match(group, /^\/groups\/\d+/)
    const groupPath = group.split('?')[0]!
    const thread = (await a.post('/messages/new', { user: 'gl_friend' })).headers.get('location')!.split('?')[0]!
    assert.match(thread, /^\/messages\/\d+$/)
    const stream = (await a.post('/live/new', { title: 'Garden tour', audience: 'public', chat: 'on', source: 'camera' })).headers.get('location')!
    assert.match(stream, /^\/live\/\d+$/)

    const pages: [string, RegExp][] = [
      ['/stories/new', /Before you post, remember the community rules/],
      [groupPath, /Before you post, remember the community rules/],
      ['/live/new', /Before you post, remember the community rules/],
      [stream, /Before you write, remember the community rules/],
      [thread, /Before you write, remember the community rules/],
    ]
    for (const [path, words] of pages) {
      const html = await a.text(path)
      assert.match(html, /data-guidelines="1"/, path)
      assert.match(html, words, path)
      assert.match(html, /<li>Be kind\.<\/li>/, path)
      // Above the form it is about: the reminder comes first.
      const form = /action="\/(stories"|groups\/\d+\/posts"|live\/new"|live\/\d+\/chat"|messages\/\d+")/.exec(html)
      assert.ok(form && html.indexOf('data-guidelines') < form.index, `${path}: the reminder is above the form`)
    }
    // A guest sees the stream without it (no chat box for them either).
    assert.doesNotMatch(await (await t.request('GET', stream)).text(), /data-guidelines/)
    // Core's own compose page shows the same reminder.
    assert.match(await a.text('/compose'), /data-guidelines="1"/)

    // "Got it" from a plugin's form goes back to it, and hides the reminder everywhere.
    const dismissed = await a.post('/legal/guidelines/dismiss', { next: '/stories/new' })
    assert.equal(dismissed.headers.get('location'), '/stories/new')
    for (const [path] of pages) assert.doesNotMatch(await a.text(path), /data-guidelines/, path)
    assert.doesNotMatch(await a.text('/compose'), /data-guidelines/)

    await publish('- Be kind.\n- No spam.\n- No ads.')
    assert.match(await a.text('/stories/new'), /data-guidelines="2"/, 'new rules are shown again')
    assert.match(await a.text(thread), /data-guidelines="2"/)
  })
})
