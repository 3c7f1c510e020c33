// The stories plugin: audiences on every path, expiry, view once, the purge, reactions, mentions, blocks,
// highlights, the forms, and disabling and enabling again.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, tempDir, type TestApp } from '../../test/harness.js'

const ffmpeg = process.env.FFMPEG_PATH ?? (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path

type Json = { status: string; data: any; error?: { code: string; message: string; details: { fields?: Record<string, string> } } }
type User = { id: number; token: string; name: string }

describe('stories plugin', () => {
  let t: TestApp
  const u: Record<string, User> = {}

  const api = async (method: string, path: string, who?: User, json?: unknown) => {
    const res = await t.request(method, path, { token: who?.token, json })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const page = async (path: string, who?: User) => {
    const res = await t.request('GET', path, { token: who?.token })
    return { status: res.status, html: await res.text() }
  }
  const post = async (who: User, body: Record<string, unknown>) => {
    const r = await api('POST', '/api/v1/stories', who, body)
    assert.equal(r.status, 201, JSON.stringify(r.body))
    return r.body.data as { id: number; media: { id: number; urls: Record<string, string> } | null }
  }
  const text = (extra: Record<string, unknown> = {}) => ({ kind: 'text', text: 'Hello', background: 'ocean', ...extra })
  const follow = async (who: User, whom: User) => assert.equal((await api('POST', `/api/v1/users/${whom.name}/follow`, who)).status, 200)
  const feedNames = async (who: User) => ((await api('GET', '/api/v1/stories/feed', who)).body.data as { user: { username: string } }[]).map((e) => e.user.username)
  const sqlite = () => t.h.store.sqlite
  const expire = (id: number, secondsAgo = 1) => sqlite().prepare('update stories_items set expires_at = ? where id = ?').run(new Date(Date.now() - secondsAgo * 1000).toISOString(), id)
  const notifications = async (user: User) => (await t.h.notifications.list(user.id)).items

  async function upload(who: User, color = '#0ea5e9'): Promise<number> {
    const jpeg = await sharp({ create: { width: 360, height: 640, channels: 3, background: color } }).jpeg().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'story.jpg')
    const res = await t.request('POST', '/api/v1/media', { token: who.token, body: form })
    const body = (await res.json()) as Json
    assert.equal(res.status, 201, JSON.stringify(body))
    await t.h.queue.drain()
    return body.data.id
  }
  const photo = async (who: User, extra: Record<string, unknown> = {}) => post(who, { kind: 'photo', media_id: await upload(who), ...extra })
  const fileStatus = async (mediaId: number, who?: User) => (await t.request('GET', `/media/${mediaId}/1080`, { token: who?.token })).status

  before(async () => {
    t = await createTestApp({ enable: ['stories'] })
    // ana posts; ben, cal and fay follow her; cal is a close friend; dee follows nobody; eve is named in custom lists.
    for (const name of ['ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'gus', 'pia', 'sue']) u[name] = { ...(await t.register(name)), name }
    for (const f of ['ben', 'cal', 'fay', 'gus']) await follow(u[f]!, u.ana!)
    const saved = await t.agent('10.3.0.1')
    await saved.loginViaForm('ana')
    assert.equal((await saved.post('/settings/stories', { close_friends: 'cal' })).status, 303)
  })
  after(() => t.close())

  it('loads with its tables, migration, job, nav, tray, tab, settings panel and notification types', async () => {
    const status = (await t.h.plugins.status()).find((p: { name: string }) => p.name === 'stories')
    assert.equal(status?.error ?? null, null)
    const tables = sqlite().prepare("select name from sqlite_master where type = 'table' and name like 'stories_%' order by name").all() as { name: string }[]
    assert.deepEqual(tables.map((r) => r.name), ['stories_audience', 'stories_close_friends', 'stories_highlight_items', 'stories_highlights', 'stories_items', 'stories_reactions', 'stories_views'])
    assert.ok(t.h.scheduler.list().some((j) => j.owner === 'stories' && j.name === 'purge-expired'))
    const types = t.h.notifications.types().map((x: { type: string }) => x.type)
    for (const type of ['stories.reaction', 'stories.reply', 'stories.mention']) assert.ok(types.includes(type), type)
    const home = await page('/', u.ben)
    assert.match(home.html, /data-nav="stories"/)
    assert.match(home.html, /data-story-tray/)
    assert.match((await page('/u/ana?tab=highlights', u.ben)).html, /data-highlights/)
    assert.match((await page('/settings/stories', u.ana)).html, /name="close_friends"[^>]*>cal</)
    assert.equal((await t.request('GET', '/plugins/stories/stories.js')).status, 200)
    assert.equal((await t.request('GET', '/plugins/stories/stories.css')).status, 200)
  })

  describe('creating', () => {
    it('refuses each bad input with the field at fault', async () => {
      const otherMedia = await upload(u.ben!)
      const mine = await upload(u.ana!)
      const inPost = await upload(u.ana!)
      assert.equal((await api('POST', '/api/v1/posts', u.ana, { text: 'a post', media_ids: [inPost], visibility: 'public' })).status, 201)
      const cases: [unknown, string][] = [
        [{}, 'kind'],
        [{ kind: 'story' }, 'kind'],
        [{ kind: 'text' }, 'text'],
        [{ kind: 'text', text: '   ' }, 'text'],
        [text({ text: 'x'.repeat(501) }), 'text'],
        [text({ background: 'plaid' }), 'background'],
        [text({ hours: 0 }), 'hours'],
        [text({ hours: 49 }), 'hours'],
        [text({ hours: 1.5 }), 'hours'],
        [text({ hours: '5' }), 'hours'],
        [text({ media_id: mine }), 'media_id'],
        [{ kind: 'photo' }, 'media_id'],
        [{ kind: 'photo', media_id: 999999 }, 'media_id'],
        [{ kind: 'photo', media_id: otherMedia }, 'media_id'],
        [{ kind: 'video', media_id: mine }, 'media_id'],
        [{ kind: 'photo', media_id: inPost }, 'media_id'],
        [{ kind: 'photo', media_id: mine, background: 'ocean' }, 'background'],
        [{ kind: 'photo', media_id: 'abc' }, 'media_id'],
        [text({ audience: 'friends' }), 'audience'],
        [text({ audience: 'custom' }), 'custom'],
        [text({ audience: 'custom', custom: ['nosuchmember'] }), 'custom'],
        [text({ audience: 'custom', custom: 'ben' }), 'custom'],
        [text({ audience: 'custom', custom: ['ana'] }), 'custom'],
        [text({ audience: 'followers', custom: ['ben'] }), 'custom'],
        [text({ hide_from: ['ana'] }), 'hide_from'],
        [text({ hide_from: ['ghost_member'] }), 'hide_from'],
        [text({ audience: 'custom', custom: ['ben'], hide_from: ['@Ben'] }), 'hide_from'],
        [text({ hide_from: Array.from({ length: 201 }, (_, i) => `m${i}`) }), 'hide_from'],
        [text({ view_once: 'yes' }), 'view_once'],
      ]
      for (const [body, field] of cases) {
        const r = await api('POST', '/api/v1/stories', u.ana, body)
        assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${r.status}`)
        assert.equal(r.body.error?.code, 'VALIDATION_FAILED')
        assert.ok(r.body.error?.details.fields?.[field], `${JSON.stringify(body).slice(0, 80)}: expected a problem with ${field}, got ${JSON.stringify(r.body.error)}`)
      }
      const notJson = await t.request('POST', '/api/v1/stories', { token: u.ana!.token, body: 'kind=text', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      assert.equal(notJson.status, 400)
      assert.equal((await api('POST', '/api/v1/stories', undefined, text())).status, 401)
      // The photo was not used up by all that: it still makes a story.
      const ok = await post(u.ana!, { kind: 'photo', media_id: mine, text: 'caption' })
      assert.equal(ok.media?.id, mine)
      // ... and only one.
      assert.equal((await api('POST', '/api/v1/stories', u.ana, { kind: 'photo', media_id: mine })).body.error?.details.fields?.media_id, 'That file is already in a story; upload it again for this story.')
      await api('DELETE', `/api/v1/stories/${ok.id}`, u.ana)
    })

    it('makes a video story, played for the video’s length, its file shown to its audience only', async () => {
      const out = join(tempDir('hearth-stories-video-'), 'clip.mp4')
      await promisify(execFile)(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=180x320:rate=10', '-t', '1.5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out])
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(readFileSync(out))], { type: 'video/mp4' }), 'clip.mp4')
      const up = (await (await t.request('POST', '/api/v1/media', { token: u.ana!.token, body: form })).json()) as Json
      await t.h.queue.drain()
      assert.equal((await api('POST', '/api/v1/stories', u.ana, { kind: 'photo', media_id: up.data.id })).body.error?.details.fields?.media_id, 'That file is a video; post it as kind "video".')
      const story = await post(u.ana!, { kind: 'video', media_id: up.data.id, audience: 'followers', text: 'clip' })
      const seen = (await api('GET', `/api/v1/stories/${story.id}`, u.ben)).body.data
      assert.equal(seen.media.kind, 'video')
      assert.equal(seen.media.status, 'ready')
      const html = (await page(`/stories/ana/${story.id}`, u.ben)).html
      assert.match(html, /<video class="story-media" data-story-video/)
      assert.match(html, /data-duration="1[45]\d\d"/)
      assert.equal((await t.request('GET', `/media/${up.data.id}/video`, { token: u.ben!.token })).status, 200)
      assert.equal((await t.request('GET', `/media/${up.data.id}/poster`, { token: u.dee!.token })).status, 404)
      await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
      assert.equal(sqlite().prepare('select id from media where id = ?').get(up.data.id), undefined, 'deleting a story deletes its file')
    })

    it('expires after 24 hours by default, or after the hours chosen', async () => {
      const before = Date.now()
      const a = (await api('GET', `/api/v1/stories/${(await post(u.ana!, text())).id}`, u.ana)).body.data
      const b = (await api('GET', `/api/v1/stories/${(await post(u.ana!, text({ hours: 1 }))).id}`, u.ana)).body.data
      const c = (await api('GET', `/api/v1/stories/${(await post(u.ana!, text({ hours: 48 }))).id}`, u.ana)).body.data
      const hoursLeft = (s: { expires_at: string }) => Math.round((Date.parse(s.expires_at) - before) / 3_600_000)
      assert.deepEqual([hoursLeft(a), hoursLeft(b), hoursLeft(c)], [24, 1, 48])
      assert.equal(a.audience, 'followers', 'followers is the default audience')
      for (const s of [a, b, c]) await api('DELETE', `/api/v1/stories/${s.id}`, u.ana)
    })

    it('creates a text card from the page form, and a photo story from a multipart form, without JavaScript', async () => {
      const browser = t.agent('10.3.0.2')
      await browser.loginViaForm('sue')
      const form = await browser.text('/stories/new')
      assert.match(form, /enctype="multipart\/form-data"/)
      assert.match(form, /<script src="\/plugins\/stories\/stories.js" defer>/)
      const made = await browser.post('/stories', { text: 'From the form', background: 'rose', audience: 'public', hours: '3' })
      assert.equal(made.status, 303)
      const at = made.headers.get('location')!
      assert.match(at, /^\/stories\/sue\/\d+$/)
      assert.match(await browser.text(at), /From the form/)
      assert.match(await browser.text(at), /story-bg-rose/)

      const bad = await browser.post('/stories', { text: '', audience: 'public' })
      assert.equal(bad.status, 400)
      assert.match(await bad.text(), /Write something for your text card\./)
      const badHours = await browser.post('/stories', { text: 'x', hours: '99' })
      assert.equal(badHours.status, 400)
      assert.match(await badHours.text(), /A story stays at most 48 hours\./)
      assert.equal((await browser.post('/stories', { text: 'no token' }, { csrf: false })).status, 403)

      const jpeg = await sharp({ create: { width: 200, height: 300, channels: 3, background: '#f97316' } }).jpeg().toBuffer()
      const multipart = () => {
        const f = new FormData()
        f.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'me.jpg')
        f.append('text', 'Sunset @sue')
        f.append('audience', 'followers')
        return f
      }
      const mediaBefore = (sqlite().prepare('select count(*) n from media').get() as { n: number }).n
      const refused = multipart()
      refused.set('hours', '0')
      assert.equal((await t.request('POST', '/stories', { token: u.sue!.token, body: refused })).status, 400)
      assert.equal((sqlite().prepare('select count(*) n from media').get() as { n: number }).n, mediaBefore, 'a refused form keeps no file')
      const res = await t.request('POST', '/stories', { token: u.sue!.token, body: multipart() })
      assert.equal(res.status, 303)
      const id = Number(res.headers.get('location')!.split('/').pop())
      const story = (await api('GET', `/api/v1/stories/${id}`, u.sue)).body.data
      assert.equal(story.kind, 'photo')
      assert.equal(story.text, 'Sunset @sue')
    })
  })

  describe('audience', () => {
    // Who sees what: ana is public; ben, cal, fay and gus follow her; cal is her close friend.
    const cases: { name: string; body: Record<string, unknown>; sees: string[] }[] = [
      { name: 'public', body: { audience: 'public' }, sees: ['ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'guest'] },
      { name: 'followers', body: { audience: 'followers' }, sees: ['ana', 'ben', 'cal', 'fay'] },
      { name: 'close friends', body: { audience: 'close_friends' }, sees: ['ana', 'cal'] },
      { name: 'custom', body: { audience: 'custom', custom: ['eve', '@DEE'] }, sees: ['ana', 'dee', 'eve'] },
      { name: 'followers, hidden from fay', body: { audience: 'followers', hide_from: ['fay'] }, sees: ['ana', 'ben', 'cal'] },
      { name: 'public, hidden from dee', body: { audience: 'public', hide_from: ['dee'] }, sees: ['ana', 'ben', 'cal', 'eve', 'fay', 'guest'] },
    ]
    const everyone = ['ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'guest']

    for (const c of cases) {
      it(`${c.name}: shown on the API, the viewer page, the feed and the media URL to its audience only, NOT_FOUND to others`, async () => {
        const story = await photo(u.ana!, c.body)
        const mediaId = story.media!.id
        const missing = await api('GET', '/api/v1/stories/999999', u.ben)
        for (const who of everyone) {
          const viewer = who === 'guest' ? undefined : u[who]
          const expected = c.sees.includes(who)
          // The file first: opening the story does not change who may fetch it.
          assert.equal(await fileStatus(mediaId, viewer), expected ? 200 : 404, `${who}: media`)
          const r = await api('GET', `/api/v1/stories/${story.id}`, viewer)
          assert.equal(r.status, expected ? 200 : 404, `${who}: API`)
          if (!expected) assert.deepEqual(r.body.error && { code: r.body.error.code, message: r.body.error.message }, { code: missing.body.error!.code, message: missing.body.error!.message }, 'exactly like a missing story')
          assert.equal((await page(`/stories/ana/${story.id}`, viewer)).status, expected ? 200 : 404, `${who}: viewer page`)
          assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, viewer, { emoji: '🔥' })).status, !viewer ? 401 : who === 'ana' ? 409 : expected ? 201 : 404, `${who}: reaction`)
          if (viewer && who !== 'ana' && who !== 'dee' && who !== 'eve') {
            const inFeed = ((await api('GET', '/api/v1/stories/feed', viewer)).body.data as { user: { username: string }; stories: { id: number }[] }[]).some((e) => e.stories.some((s) => s.id === story.id))
            assert.equal(inFeed, expected, `${who}: feed`)
          }
        }
        await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
      })
    }

    it('a private account’s public story reaches only its followers', async () => {
      const pia = u.pia!
      assert.equal((await api('PUT', '/api/v1/users/me', pia, { is_private: true })).status, 200)
      const story = await post(pia, text({ audience: 'public' }))
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`)).status, 404)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.dee)).status, 404)
      assert.equal((await api('POST', '/api/v1/users/pia/follow', u.dee)).body.data.state, 'requested')
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.dee)).status, 404, 'a pending request is not a follow')
      assert.equal((await api('POST', '/api/v1/users/me/follow-requests/dee/accept', pia)).status, 200)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.dee)).status, 200)
      await api('DELETE', `/api/v1/stories/${story.id}`, pia)
    })

    it('shows the viewer list and the audience lists to the author only', async () => {
      const story = await post(u.ana!, text({ audience: 'custom', custom: ['ben', 'eve'], hide_from: ['fay'] }))
      await api('GET', `/api/v1/stories/${story.id}`, u.ben)
      const mine = (await api('GET', `/api/v1/stories/${story.id}`, u.ana)).body.data
      assert.deepEqual([mine.audience, mine.custom, mine.hide_from, mine.views], ['custom', ['ben', 'eve'], ['fay'], 1])
      const theirs = (await api('GET', `/api/v1/stories/${story.id}`, u.ben)).body.data
      assert.equal(theirs.audience, undefined)
      assert.equal(theirs.custom, undefined)
      const viewers = await api('GET', `/api/v1/stories/${story.id}/viewers`, u.ana)
      assert.deepEqual(viewers.body.data.map((v: { user: { username: string } }) => v.user.username), ['ben'])
      assert.equal((await api('GET', `/api/v1/stories/${story.id}/viewers`, u.ben)).status, 403)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}/viewers`, u.cal)).status, 404)
      assert.equal((await api('DELETE', `/api/v1/stories/${story.id}`, u.ben)).status, 403)
      assert.equal((await api('DELETE', `/api/v1/stories/${story.id}`, u.cal)).status, 404)
      const seenBy = await page(`/stories/ana/${story.id}`, u.ana)
      assert.match(seenBy.html, /Seen by 1 person/)
      assert.doesNotMatch((await page(`/stories/ana/${story.id}`, u.ben)).html, /Seen by/)
      assert.equal((await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)).status, 200)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ana)).status, 404)
    })
  })

  describe('expiry', () => {
    it('hides a story one second after it expires on every path: API, feed, tray, viewer, media, reactions, viewers', async () => {
      const story = await photo(u.ana!, { audience: 'public', text: 'soon gone' })
      const mediaId = story.media!.id
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ben)).status, 200)
      assert.equal(await fileStatus(mediaId, u.ben), 200)
      expire(story.id, 1)
      for (const who of [u.ben, u.dee, undefined]) {
        assert.equal((await api('GET', `/api/v1/stories/${story.id}`, who)).status, 404)
        assert.equal((await page(`/stories/ana/${story.id}`, who)).status, 404)
        assert.equal(await fileStatus(mediaId, who), 404)
      }
      assert.equal((await page('/stories/ana', u.ben)).status, 404)
      assert.ok(!(await feedNames(u.ben!)).includes('ana'))
      assert.doesNotMatch((await page('/', u.ben)).html, /data-story-person="ana"/)
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ben, { emoji: '❤️' })).status, 404)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ana)).status, 404, 'gone for its author too, except in the archive')
      assert.equal((await api('GET', `/api/v1/stories/${story.id}/viewers`, u.ana)).status, 404)
      assert.ok(!(await feedNames(u.ana!)).includes('ana'))
      // The archive keeps it for its author (to save to a highlight) until the purge.
      const agent = t.agent('10.3.0.3')
      await agent.loginViaForm('ana')
      assert.match(await agent.text('/stories/archive'), new RegExp(`data-archive-story="${story.id}"`))
      assert.equal(await fileStatus(mediaId, u.ana), 200)
      // ... and it may still go to a highlight, which keeps it past the purge.
      assert.equal((await agent.post(`/stories/${story.id}/highlight`, { title: 'Kept after expiry', back: '/stories/archive' })).status, 303)
      await t.h.scheduler.run('stories', 'purge-expired')
      expire(story.id, 48 * 3600)
      await t.h.scheduler.run('stories', 'purge-expired')
      assert.ok(sqlite().prepare('select id from stories_items where id = ?').get(story.id))
      assert.equal(await fileStatus(mediaId, u.dee), 200, 'a public story in a highlight: anyone who may see ana’s posts')
    })
  })

  describe('view once', () => {
    it('opens once per viewer on the API and the viewer page; the file loads just after, then no more', async () => {
      const story = await photo(u.ana!, { audience: 'followers', view_once: true })
      const mediaId = story.media!.id
      assert.equal(await fileStatus(mediaId, u.ben), 404, 'the file cannot be fetched without opening the story')
      assert.equal((await t.request('GET', `/api/v1/media/${mediaId}`, { token: u.ben!.token })).status, 404)
      const first = await api('GET', `/api/v1/stories/${story.id}`, u.ben)
      assert.equal(first.status, 200)
      assert.equal(first.body.data.view_once, true)
      const granted = first.body.data.media.urls['1080'] as string
      assert.match(granted, /^\/media\/\d+\/1080\?grant=[\w-]+$/, 'opening gives a one-time address')
      assert.equal(await fileStatus(mediaId, u.ben), 404, 'the plain address stays closed after opening')
      const fetchAs = (who: User, headers: Record<string, string> = {}) => t.request('GET', granted, { token: who.token, headers })
      assert.equal((await fetchAs(u.cal!)).status, 404, 'the grant is the opener’s alone')
      assert.equal((await fetchAs(u.ben!, { range: 'bytes=0-99' })).status, 206, 'range reads of the one opening')
      assert.equal((await fetchAs(u.ben!, { range: 'bytes=100-199' })).status, 206)
      const whole = await fetchAs(u.ben!)
      assert.equal(whole.status, 200, 'the picture loads once right after opening')
      assert.equal(whole.headers.get('cache-control'), 'private, no-store', 'and no cache keeps it')
      assert.equal((await fetchAs(u.ben!)).status, 404, 'then no more')
      assert.equal((await fetchAs(u.ben!, { range: 'bytes=0-99' })).status, 404)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ben)).status, 404, 'the second time it is gone')
      assert.equal((await page(`/stories/ana/${story.id}`, u.ben)).status, 404)
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ben, { text: 'wow' })).status, 201, 'a reply right after viewing reaches the author')

      assert.equal((await page(`/stories/ana/${story.id}`, u.cal)).status, 200, 'each viewer has their own once')
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.cal)).status, 404)
      assert.doesNotMatch((await page('/stories/ana', u.cal)).html, new RegExp(`/stories/${story.id}/reactions`))

      // A while later the file is closed to them too.
      sqlite().prepare('update stories_views set viewed_at = ? where story_id = ?').run(new Date(Date.now() - 10 * 60_000).toISOString(), story.id)
      assert.equal(await fileStatus(mediaId, u.ben), 404)
      assert.equal(await fileStatus(mediaId, u.cal), 404)
      assert.equal(await fileStatus(mediaId, u.fay), 404, 'fay has not opened it: no file without opening')
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ben, { text: 'again' })).status, 404)

      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ana)).status, 200, 'its author sees it as often as they like')
      const viewers = (await api('GET', `/api/v1/stories/${story.id}/viewers`, u.ana)).body.data.map((v: { user: { username: string } }) => v.user.username).sort()
      assert.deepEqual(viewers, ['ben', 'cal'])
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/highlight`, u.ana, {})).status, 404, 'no such API route')
      const agent = t.agent('10.3.0.4')
      await agent.loginViaForm('ana')
      const refused = await agent.post(`/stories/${story.id}/highlight`, { title: 'Keep' })
      assert.equal(refused.status, 400, 'a view-once story cannot be kept in a highlight')
      await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
    })

    it('is never shown to guests', async () => {
      const story = await post(u.ana!, text({ audience: 'public', view_once: true }))
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`)).status, 404)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.dee)).status, 200)
      await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
    })
  })

  describe('purge', () => {
    it('deletes expired stories with their views, reactions and files, and keeps highlighted ones and live ones', async () => {
      const store = t.h.plugins.loaded.get('stories')!.settings
      await store.set('archive_hours', 24)
      const gone = await photo(u.ana!, { audience: 'followers' })
      const kept = await photo(u.ana!, { audience: 'followers' })
      const archived = await photo(u.ana!, { audience: 'followers' })
      const live = await photo(u.ana!, { audience: 'followers' })
      for (const s of [gone, kept]) {
        await api('GET', `/api/v1/stories/${s.id}`, u.ben)
        await api('POST', `/api/v1/stories/${s.id}/reactions`, u.ben, { emoji: '👏' })
      }
      const agent = t.agent('10.3.0.5')
      await agent.loginViaForm('ana')
      assert.equal((await agent.post(`/stories/${kept.id}/highlight`, { title: 'Summer' })).status, 303)
      const files = (mediaId: number) => {
        const row = sqlite().prepare('select variants from media where id = ?').get(mediaId) as { variants: string } | undefined
        return row ? Object.values(JSON.parse(row.variants) as Record<string, string>).map((rel) => join(t.dataDir, 'media', rel)) : []
      }
      const goneFiles = files(gone.media!.id)
      assert.ok(goneFiles.length > 0 && goneFiles.every((f) => existsSync(f)))
      expire(gone.id, 25 * 3600)
      expire(kept.id, 25 * 3600)
      expire(archived.id, 3600) // within the 24 archive hours

      await t.h.scheduler.run('stories', 'purge-expired')
      const count = (table: string, id: number) => (sqlite().prepare(`select count(*) n from ${table} where story_id = ?`).get(id) as { n: number }).n
      assert.equal(sqlite().prepare('select id from stories_items where id = ?').get(gone.id), undefined)
      assert.equal(count('stories_views', gone.id), 0)
      assert.equal(count('stories_reactions', gone.id), 0)
      assert.equal(sqlite().prepare('select id from media where id = ?').get(gone.media!.id), undefined, 'the media row is gone')
      assert.ok(goneFiles.every((f) => !existsSync(f)), 'and its files')
      assert.equal(await fileStatus(gone.media!.id, u.ana), 404)

      assert.ok(sqlite().prepare('select id from stories_items where id = ?').get(kept.id), 'a highlighted story stays')
      assert.ok(files(kept.media!.id).every((f) => existsSync(f)))
      assert.equal(count('stories_views', kept.id), 1)
      assert.equal(await fileStatus(kept.media!.id, u.ben), 200, 'a follower sees it in the highlight')
      assert.equal(await fileStatus(kept.media!.id, u.dee), 404, 'not outside the story’s audience')
      assert.ok(sqlite().prepare('select id from stories_items where id = ?').get(archived.id), 'within the archive hours it stays')
      assert.ok(sqlite().prepare('select id from stories_items where id = ?').get(live.id))

      await store.set('archive_hours', 0)
      await t.h.scheduler.run('stories', 'purge-expired')
      assert.equal(sqlite().prepare('select id from stories_items where id = ?').get(archived.id), undefined)
      assert.ok(sqlite().prepare('select id from stories_items where id = ?').get(live.id))
      // Out of its highlight, the expired story goes at the next run.
      const hid = (sqlite().prepare('select highlight_id from stories_highlight_items where story_id = ?').get(kept.id) as { highlight_id: number }).highlight_id
      assert.equal((await agent.post(`/stories/${kept.id}/unhighlight`, { highlight_id: String(hid) })).status, 303)
      await t.h.scheduler.run('stories', 'purge-expired')
      assert.equal(sqlite().prepare('select id from stories_items where id = ?').get(kept.id), undefined)
      assert.equal(sqlite().prepare('select id from media where id = ?').get(kept.media!.id), undefined)
      await store.set('archive_hours', 24)
      await api('DELETE', `/api/v1/stories/${live.id}`, u.ana)
    })
  })

  describe('reactions and mentions', () => {
    it('turns reactions and replies into notifications to the author and fires action:stories.replied', async () => {
      const heard: unknown[] = []
      t.h.hooks.on('action:stories.replied', (p) => void heard.push(p), {}, 'test')
      const story = await post(u.ana!, text({ audience: 'followers' }))
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ben, { emoji: '❤️' })).status, 201)
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.cal, { emoji: '😂' })).status, 201)
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ben, { text: 'Lovely!' })).status, 201)
      const list = await notifications(u.ana!)
      const reaction = list.find((n) => n.type === 'stories.reaction')!
      assert.equal(reaction.text, 'cal and ben reacted 😂 to your story')
      assert.equal(reaction.url, `/stories/ana/${story.id}`)
      assert.equal(list.find((n) => n.type === 'stories.reply')!.text, 'ben replied to your story: “Lovely!”')
      assert.deepEqual(heard, [
        { storyId: story.id, authorId: u.ana!.id, fromId: u.ben!.id, kind: 'emoji', text: '❤️' },
        { storyId: story.id, authorId: u.ana!.id, fromId: u.cal!.id, kind: 'emoji', text: '😂' },
        { storyId: story.id, authorId: u.ana!.id, fromId: u.ben!.id, kind: 'text', text: 'Lovely!' },
      ])
      // Refused: a reaction not in the set, both at once, nothing, too long, one's own story.
      for (const body of [{ emoji: '🍕' }, { emoji: '❤️', text: 'and text' }, {}, { text: '' }, { text: 'x'.repeat(501) }]) {
        assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ben, body)).status, 400, JSON.stringify(body))
      }
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.ana, { emoji: '❤️' })).status, 409)
      const viewers = await api('GET', `/api/v1/stories/${story.id}/viewers`, u.ana)
      assert.deepEqual(viewers.body.data, [], 'reacting is not viewing')
      // The page form works too, and comes back to the story.
      const agent = t.agent('10.3.0.6')
      await agent.loginViaForm('fay')
      const sent = await agent.post(`/stories/${story.id}/reactions`, { emoji: '🔥', back: `/stories/ana/${story.id}` })
      assert.equal(sent.status, 303)
      assert.equal(sent.headers.get('location'), `/stories/ana/${story.id}?sent=1`)
      const evil = await agent.post(`/stories/${story.id}/reactions`, { emoji: '🔥', back: 'https://evil.example/' })
      assert.equal(evil.headers.get('location'), '/')
      assert.equal(heard.length, 5)
      await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
    })

    it('notifies members mentioned in a story when they can see it, and nobody else', async () => {
      const story = await post(u.ana!, text({ audience: 'followers', text: 'Picnic with @ben, @dee and @nobody_here! cc @ana' }))
      const mention = (await notifications(u.ben!)).find((n) => n.type === 'stories.mention')
      assert.equal(mention?.text, 'ana mentioned you in their story')
      assert.equal(mention?.url, `/stories/ana/${story.id}`)
      assert.equal((await notifications(u.dee!)).find((n) => n.type === 'stories.mention'), undefined, 'dee does not follow ana')
      assert.equal((await notifications(u.ana!)).find((n) => n.type === 'stories.mention'), undefined)
      const html = (await page(`/stories/ana/${story.id}`, u.ben)).html
      assert.match(html, /<a href="\/u\/ben">@ben<\/a>/)
      const caption = await photo(u.ana!, { audience: 'close_friends', text: 'for @cal and @ben' })
      assert.equal((await notifications(u.cal!)).filter((n) => n.type === 'stories.mention').length, 1)
      assert.equal((await notifications(u.ben!)).filter((n) => n.type === 'stories.mention').length, 1, 'ben is not a close friend')
      for (const s of [story, caption]) await api('DELETE', `/api/v1/stories/${s.id}`, u.ana)
    })
  })

  describe('blocks and suspensions', () => {
    it('hides stories across a block either way, and drops the blocked from close friends', async () => {
      const agent = t.agent('10.3.0.7')
      await agent.loginViaForm('ana')
      assert.equal((await agent.post('/settings/stories', { close_friends: 'cal, gus' })).status, 303)
      const story = await photo(u.ana!, { audience: 'public' })
      const theirs = await post(u.gus!, text({ audience: 'public' }))
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.gus)).status, 200)
      assert.equal((await api('POST', '/api/v1/users/gus/block', u.ana)).status, 200)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.gus)).status, 404)
      assert.equal((await page(`/stories/ana/${story.id}`, u.gus)).status, 404)
      assert.equal(await fileStatus(story.media!.id, u.gus), 404)
      assert.ok(!(await feedNames(u.gus!)).includes('ana'))
      assert.equal((await api('GET', `/api/v1/stories/${theirs.id}`, u.ana)).status, 404, 'the blocker does not see the blocked either')
      assert.equal((await api('POST', `/api/v1/stories/${story.id}/reactions`, u.gus, { emoji: '❤️' })).status, 404)
      assert.match((await page('/settings/stories', u.ana)).html, /name="close_friends"[^>]*>cal</)
      assert.equal((await api('DELETE', '/api/v1/users/gus/block', u.ana)).status, 200)
      // The other way round.
      assert.equal((await api('POST', '/api/v1/users/ana/block', u.dee)).status, 200)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.dee)).status, 404)
      assert.equal(await fileStatus(story.media!.id, u.dee), 404)
      assert.equal((await api('DELETE', '/api/v1/users/ana/block', u.dee)).status, 200)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.dee)).status, 200)
      await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
      await api('DELETE', `/api/v1/stories/${theirs.id}`, u.gus)
    })

    it('hides a suspended author’s stories', async () => {
      const story = await post(u.eve!, text({ audience: 'public' }))
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ben)).status, 200)
      await t.h.users.suspend(u.eve!.id, 'spam', null)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ben)).status, 404)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`)).status, 404)
      assert.equal((await page('/stories/eve', u.ben)).status, 404)
      await t.h.users.unsuspend(u.eve!.id, null)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ben)).status, 200)
    })
  })

  describe('tray and viewer', () => {
    it('puts me first, then people I follow with unseen stories, then those I have seen', async () => {
      await follow(u.ben!, u.cal!)
      await follow(u.ben!, u.fay!)
      const own = await post(u.ben!, text({ text: 'ben’s own' }))
      const a1 = await post(u.ana!, text({ text: 'ana one' }))
      const a2 = await post(u.ana!, text({ text: 'ana two' }))
      const c1 = await post(u.cal!, text({ text: 'cal one' }))
      const f1 = await post(u.fay!, text({ text: 'fay one', audience: 'close_friends' }))
      const d1 = await post(u.dee!, text({ text: 'dee is not followed', audience: 'public' }))
      const names = await feedNames(u.ben!)
      assert.equal(names[0], 'ben')
      assert.deepEqual(names.slice(1).sort(), ['ana', 'cal'], 'people ben follows whose stories he may see')
      // Open all of ana's: she moves behind cal (unseen first).
      const first = await page('/stories/ana', u.ben)
      assert.equal(first.status, 200)
      assert.match(first.html, /ana one/)
      assert.match(first.html, new RegExp(`data-next="/stories/ana/${a2.id}"`))
      assert.doesNotMatch(first.html, /data-story-prev|rel="prev"/, 'the first story has no previous')
      const second = await page(`/stories/ana/${a2.id}`, u.ben)
      assert.match(second.html, /ana two/)
      assert.match(second.html, /data-next="\/stories\/cal"/, 'after ana’s last story, the next person with unseen stories')
      assert.match(second.html, new RegExp(`data-prev="/stories/ana/${a1.id}"`))
      assert.match(second.html, /2 of 2/)
      assert.deepEqual(await feedNames(u.ben!), ['ben', 'cal', 'ana'])
      const feed = (await api('GET', '/api/v1/stories/feed', u.ben)).body.data
      assert.deepEqual(feed.find((e: { user: { username: string } }) => e.user.username === 'ana').stories.map((s: { seen: boolean }) => s.seen), [true, true])
      const home = (await page('/', u.ben)).html
      assert.ok(home.indexOf('data-story-person="cal"') < home.indexOf('data-story-person="ana"'))
      assert.match(home, /data-story-person="cal" data-unseen="true"/)
      assert.match(home, /data-story-person="ana" data-unseen="false"/)
      // The last unseen story leads home.
      assert.match((await page('/stories/cal', u.ben)).html, /data-next="\/"/)
      // Without an id, the viewer opens at the first unseen story.
      const a3 = await post(u.ana!, text({ text: 'ana three' }))
      assert.match((await page('/stories/ana', u.ben)).html, /ana three/)
      // Guests get no tray; an unknown member is NOT_FOUND.
      assert.doesNotMatch((await page('/')).html, /data-story-tray/)
      assert.equal((await page('/stories/nobody_at_all', u.ben)).status, 404)
      for (const [who, s] of [[u.ben, own], [u.ana, a1], [u.ana, a2], [u.ana, a3], [u.cal, c1], [u.fay, f1], [u.dee, d1]] as const) await api('DELETE', `/api/v1/stories/${s.id}`, who)
    })

    it('keeps the viewer free of inline scripts and styles', async () => {
      const story = await post(u.ana!, text({ audience: 'public' }))
      const html = (await page(`/stories/ana/${story.id}`)).html
      assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/)
      assert.doesNotMatch(html, /\sstyle="/)
      assert.match(html, /data-story-viewer/)
      assert.doesNotMatch(html, /story-reply/, 'guests get no reply form')
      await api('DELETE', `/api/v1/stories/${story.id}`, u.ana)
    })
  })

  describe('close friends and highlights', () => {
    it('refuses unknown names and oneself on the close friends panel', async () => {
      const agent = t.agent('10.3.0.8')
      await agent.loginViaForm('ana')
      const bad = await agent.post('/settings/stories', { close_friends: 'cal\nnot_a_member' })
      assert.equal(bad.status, 400)
      assert.match(await bad.text(), /There is no member named @not_a_member\./)
      const self = await agent.post('/settings/stories', { close_friends: 'ana' })
      assert.equal(self.status, 400)
      assert.equal((await agent.post('/settings/stories', { close_friends: '@cal, cal' })).status, 303)
      assert.match(await agent.text('/settings/stories'), /Your close friends list has 1 person\./)
    })

    it('shows a highlight to who may see the author’s posts and was in the story’s audience, and keeps it after expiry', async () => {
      const agent = t.agent('10.3.0.9')
      await agent.loginViaForm('ana')
      const open = await photo(u.ana!, { audience: 'public' })
      const close = await photo(u.ana!, { audience: 'close_friends' })
      assert.equal((await agent.post(`/stories/${open.id}/highlight`, { title: 'Trips' })).status, 303)
      assert.equal((await agent.post(`/stories/${close.id}/highlight`, { title: 'trips' })).status, 303, 'the same highlight, whatever the case')
      assert.equal((await agent.post(`/stories/${close.id}/highlight`, { title: '' })).status, 400)
      assert.equal((await t.agent('10.3.0.10').post(`/stories/${open.id}/highlight`, { title: 'x' })).status, 401)
      const other = t.agent('10.3.0.11')
      await other.loginViaForm('ben')
      assert.equal((await other.post(`/stories/${open.id}/highlight`, { title: 'mine now' })).status, 404)
      expire(open.id, 3600)
      expire(close.id, 3600)
      const hid = (sqlite().prepare("select id from stories_highlights where title = 'Trips'").get() as { id: number }).id
      const tab = (who?: User) => page('/u/ana?tab=highlights', who)
      assert.match((await tab()).html, /Trips<\/a> <span class="muted">\(1\)/)
      assert.match((await tab(u.cal)).html, /Trips<\/a> <span class="muted">\(2\)/)
      // The profile's highlights row: a round cover per highlight (its first story the viewer may see), above the
      // tabs, linking to the highlight and to them all; nothing for a profile without highlights.
      const row = (await page('/u/ana', u.cal)).html
      assert.match(row, new RegExp(`data-highlights-row="true".*href="/stories/ana/highlights/${hid}" class="story-person story-seen" data-highlight="${hid}"><span class="story-ring"><img src="/media/${open.media!.id}/320"`))
      assert.match(row, /<span class="story-name">Trips<\/span>/)
      assert.match(row, /<a href="\/u\/ana\?tab=highlights">All highlights<\/a>/)
      assert.ok(row.indexOf('data-highlights-row') < row.indexOf('aria-label="Profile sections"'), 'above the tabs')
      assert.match((await page('/u/ana')).html, new RegExp(`data-highlight="${hid}"`), 'guests see the public story’s highlight')
      assert.doesNotMatch((await page('/u/ben', u.cal)).html, /data-highlights-row/)
      assert.match((await page('/u/ben', u.ben)).html, /data-highlights-row="true".*aria-label="New highlight"/, 'its owner gets a way to make one')
      const forCal = await page(`/stories/ana/highlights/${hid}`, u.cal)
      assert.equal(forCal.status, 200)
      assert.match(forCal.html, new RegExp(`data-highlight-story="${close.id}"`))
      const forGuest = await page(`/stories/ana/highlights/${hid}`)
      assert.doesNotMatch(forGuest.html, new RegExp(`data-highlight-story="${close.id}"`))
      assert.match(forGuest.html, new RegExp(`data-highlight-story="${open.id}"`))
      assert.equal(await fileStatus(open.media!.id), 200)
      assert.equal(await fileStatus(close.media!.id), 404)
      assert.equal(await fileStatus(close.media!.id, u.cal), 200)
      assert.equal((await page(`/stories/ben/highlights/${hid}`)).status, 404, 'under its owner’s name only')
      // Highlights are not live stories.
      assert.equal((await api('GET', `/api/v1/stories/${open.id}`, u.cal)).status, 404)
      // Deleting the highlight lets the purge take them.
      assert.equal((await agent.post(`/stories/highlights/${hid}/delete`, {})).status, 303)
      await t.h.plugins.loaded.get('stories')!.settings.set('archive_hours', 0)
      await t.h.scheduler.run('stories', 'purge-expired')
      assert.equal(await fileStatus(open.media!.id, u.ana), 404)
      await t.h.plugins.loaded.get('stories')!.settings.set('archive_hours', 24)
    })
  })

  describe('disabling', () => {
    it('removes the nav, tray, tab and routes after a restart, and brings the data back when enabled again', async () => {
      const story = await photo(u.ana!, { audience: 'followers', text: 'still here' })
      await t.h.plugins.setEnabled('stories', false, null)
      await t.restart()
      const home = (await page('/', u.ben)).html
      assert.doesNotMatch(home, /data-nav="stories"/)
      assert.doesNotMatch(home, /data-story-tray/)
      assert.equal((await page('/u/ana?tab=highlights', u.ben)).status, 404)
      assert.equal((await page(`/stories/ana/${story.id}`, u.ben)).status, 404)
      assert.equal((await page('/stories/new', u.ben)).status, 404)
      assert.equal((await page('/settings/stories', u.ana)).status, 404)
      assert.equal((await api('GET', `/api/v1/stories/${story.id}`, u.ben)).status, 404)
      assert.equal((await api('GET', '/api/v1/stories/feed', u.ben)).status, 404)
      assert.equal((await t.request('GET', '/plugins/stories/stories.js')).status, 404)
      assert.equal(await fileStatus(story.media!.id, u.ben), 404, 'without the plugin nobody else opens a story’s file')
      assert.ok(sqlite().prepare('select id from stories_items where id = ?').get(story.id), 'its data stays')

      await t.h.plugins.setEnabled('stories', true, null)
      await t.restart()
      const back = await api('GET', `/api/v1/stories/${story.id}`, u.ben)
      assert.equal(back.status, 200)
      assert.equal(back.body.data.text, 'still here')
      assert.equal(await fileStatus(story.media!.id, u.ben), 200)
      assert.match((await page('/', u.ben)).html, /data-story-person="ana"/)
      assert.match((await page('/settings/stories', u.ana)).html, /name="close_friends"[^>]*>cal</)
    })
  })
})
