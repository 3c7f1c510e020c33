// Member data rights across core and the plugins (issue 19): the export holds what is the member's and what they may
// read (messages, stories, groups, coins) and never another member's private content; deletion after the grace period
// (time moved forward, not waited) purges or anonymises as the operator's policy says, removes media files from disk
// and tells the member what stays; staff's ban and delete, audited. Real SQLite, real SMTP, real files.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { ParsedMail } from 'mailparser'
import sharp from 'sharp'
import { createTestApp, PASSWORD, type TestApp } from './harness.js'
import { startSmtp } from './smtp.js'
import { readZip, zipJson } from './zip-reader.js'

type Json = { status: string; data: any; error?: { code: string; message: string } }
interface User {
  id: number
  token: string
  name: string
}
const DAY = 86_400_000

describe('member data rights', () => {
  let t: TestApp
  let smtp: Awaited<ReturnType<typeof startSmtp>>
  type Name = 'ana' | 'ben' | 'cal' | 'dee' | 'staffer' | 'boss'
  const u = {} as Record<Name, User>
  const api = async (method: string, path: string, who?: User | null, json?: unknown) => {
    const res = await t.request(method, path, { token: who?.token, json })
    const text = await res.text()
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as Json }
  }
  const created = async (method: string, path: string, who: User, json?: unknown) => {
    const r = await api(method, path, who, json)
    assert.ok(r.status === 200 || r.status === 201, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body.data
  }
  const sql = <T>(q: string, ...args: unknown[]) => t.h.store.sqlite.prepare(q).all(...args) as T[]
  const mailsTo = (name: string) => smtp.received.filter((m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address === `${name}@example.org`)
  const upload = async (who: User) => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2563eb' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(png)]), 'pic.png')
    const res = await t.request('POST', '/api/v1/media', { token: who.token, body: form })
    assert.equal(res.status, 201)
    return ((await res.json()) as Json).data as { id: number }
  }
  const exportOf = async (who: User) => {
    const asked = await created('POST', '/api/v1/users/me/export', who)
    assert.equal(asked.status, 'pending')
    await t.h.queue.drain()
    const latest = (await api('GET', '/api/v1/users/me/export', who)).body.data
    assert.equal(latest.status, 'ready', JSON.stringify(latest))
    const res = await t.request('GET', latest.download_url, { token: who.token })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/zip')
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="${who.name}-data-\\d{4}-\\d{2}-\\d{2}\\.zip"`))
    return { latest, zip: Buffer.from(await res.arrayBuffer()) }
  }

  before(async () => {
    smtp = await startSmtp()
    t = await createTestApp({
      enable: ['messages', 'stories', 'groups', 'coins', 'live', 'random-chat'],
      settings: { 'mail.host': '127.0.0.1', 'mail.port': smtp.port, 'mail.security': 'none', 'mail.from': 'hello@hearth.test', 'site.name': 'Lakeside' },
    })
    for (const name of ['ana', 'ben', 'cal', 'dee', 'staffer', 'boss'] as const) u[name] = { ...(await t.register(name)), name }
    await t.h.users.setRole(u.boss.id, 'admin', null)
    assert.equal((await api('POST', '/api/v1/admin/roles', u.boss, { name: 'support', permissions: ['manage_members'] })).status, 201)
    assert.equal((await api('PUT', `/api/v1/admin/users/${u.staffer.id}/roles`, u.boss, { staff_role: 'support' })).status, 200)
  })
  after(async () => {
    await t.close()
    await smtp.close()
  })

  it('exports what is the member’s and what they may read, never another member’s private content', async () => {
    const { ana, ben, cal } = u
    await created('POST', '/api/v1/users/ben/follow', ana)
    await created('POST', '/api/v1/users/ana/follow', ben)
    const photo = await upload(ana)
    await t.h.queue.drain()
    const mine = await created('POST', '/api/v1/posts', ana, { text: 'ana public with a photo', media_ids: [photo.id] })
    await created('POST', '/api/v1/posts', ana, { text: 'ana followers only', visibility: 'followers' })
    const bens = await created('POST', '/api/v1/posts', ben, { text: 'ben followers only secret', visibility: 'followers' })
    await created('POST', '/api/v1/posts', cal, { text: 'cal only me secret', visibility: 'only_me' })
    await created('POST', `/api/v1/posts/${bens.id}/comments`, ana, { text: 'ana comments on ben' })
    await created('POST', `/api/v1/posts/${mine.id}/comments`, ben, { text: 'ben comments on ana' })
    const direct = (await created('POST', '/api/v1/messages/conversations', ana, { user: 'ben' })).id
    await created('POST', `/api/v1/messages/conversations/${direct}/messages`, ana, { text: 'hello ben from ana' })
    await created('POST', `/api/v1/messages/conversations/${direct}/messages`, ben, { text: 'hello ana from ben' })
    const theirs = (await created('POST', '/api/v1/messages/conversations', ben, { user: 'cal' })).id
    await created('POST', `/api/v1/messages/conversations/${theirs}/messages`, ben, { text: 'ben to cal private' })
    await created('POST', '/api/v1/stories', ana, { kind: 'text', text: 'ana story', background: 'ocean' })
    await created('POST', '/api/v1/stories', ben, { kind: 'text', text: 'ben story secret', background: 'ocean', audience: 'close_friends' })

    const { zip, latest } = await exportOf(ana)
    const entries = readZip(zip)
    assert.equal(zipJson(entries, 'profile.json').username, 'ana')
    assert.equal(zipJson(entries, 'profile.json').email, 'ana@example.org')
    const posts = zipJson(entries, 'posts.json') as { text: string; media: { file: string }[] }[]
    assert.deepEqual(posts.map((p) => p.text).sort(), ['ana followers only', 'ana public with a photo'])
    const file = posts.find((p) => p.media.length)!.media[0]!.file
    assert.match(file, new RegExp(`^media/${photo.id}\\.`))
    assert.ok(entries.get(file)!.length > 0, 'the photo itself is in the zip')
    const variants = JSON.parse(sql<{ variants: string }>('select variants from media where id = ?', photo.id)[0]!.variants) as Record<string, string>
    assert.ok(entries.get(file)!.equals(readFileSync(join(t.dataDir, 'media', variants.original!))), 'the cleaned original (no EXIF or GPS), not the raw upload')
    assert.deepEqual(zipJson(entries, 'comments.json').map((c: { text: string }) => c.text), ['ana comments on ben'])
    assert.deepEqual(zipJson(entries, 'followers.json').map((f: { username: string }) => f.username), ['ben'])
    assert.deepEqual(zipJson(entries, 'following.json').map((f: { username: string }) => f.username), ['ben'])
    const conversations = zipJson(entries, 'messages.json') as { members: string[]; messages: { from: string; text: string }[] }[]
    assert.equal(conversations.length, 1)
    assert.deepEqual(conversations[0]!.messages.map((m) => `${m.from}: ${m.text}`), ['ana: hello ben from ana', 'ben: hello ana from ben'])
    assert.deepEqual(zipJson(entries, 'stories.json').stories.map((s: { text: string }) => s.text), ['ana story'])
    for (const name of ['groups.json', 'coins.json', 'live.json', 'random-chat.json']) assert.ok(entries.has(name), `every enabled plugin adds its section: ${name}`)
    assert.deepEqual([...zipJson(entries, 'export.json').sections].sort(), ['profile.json', 'posts.json', 'comments.json', 'reactions.json', 'bookmarks.json', 'followers.json', 'following.json', 'blocked.json', 'muted.json', 'passkeys.json', 'verification.json', 'messages.json', 'stories.json', 'groups.json', 'coins.json', 'live.json', 'random-chat.json'].filter((n) => entries.has(n)).sort())
    // Nobody else's private words anywhere in the archive.
    const all = [...entries.values()].map((b) => b.toString('latin1')).join('\n')
    for (const secret of ['ben followers only secret', 'cal only me secret', 'ben to cal private', 'ben story secret', 'ben@example.org', 'cal@example.org']) assert.ok(!all.includes(secret), `no "${secret}"`)
    // A real unzip reads it too, where the machine has one.
    const unzip = spawnSync('unzip', ['-v'])
    if (unzip.status === 0) {
      const path = join(t.dataDir, 'check.zip')
      writeFileSync(path, zip)
      const tested = spawnSync('unzip', ['-t', path], { encoding: 'utf8' })
      assert.equal(tested.status, 0, tested.stdout + tested.stderr)
    }

    // Told in the app and by email, with the link to the settings page.
    const n = (await api('GET', '/api/v1/notifications', ana)).body.data as { type: string; url: string }[]
    assert.ok(n.some((x) => x.type === 'export_ready' && x.url === '/settings/data'), JSON.stringify(n))
    const mail = mailsTo('ana').find((m) => /Your data from Lakeside is ready/.test(m.subject ?? ''))
    assert.ok(mail, 'an email says the export is ready')
    assert.match(mail.text ?? '', /\/settings\/data/)

    // Someone else's export answers like a missing one; the file goes when its time is up.
    assert.equal((await api('GET', latest.download_url, ben)).status, 404)
    assert.equal((await api('GET', '/api/v1/users/me/export/999999/download', ana)).status, 404)
    const row = sql<{ file: string }>('select file from account_exports where id = ?', latest.id)[0]!
    const onDisk = join(t.dataDir, 'exports', row.file)
    assert.ok(existsSync(onDisk))
    assert.equal(await t.h.account.expireExports(new Date(Date.now() + 71 * 3600_000)), 0, 'kept for the hours the setting says')
    assert.equal(await t.h.account.expireExports(new Date(Date.now() + 73 * 3600_000)), 1)
    assert.ok(!existsSync(onDisk), 'the zip is removed from disk')
    assert.equal((await api('GET', latest.download_url, ana)).status, 404)
  })

  it('makes one export at a time', async () => {
    const first = await api('POST', '/api/v1/users/me/export', u.dee)
    assert.equal(first.status, 201)
    const second = await api('POST', '/api/v1/users/me/export', u.dee)
    assert.equal(second.status, 409)
    assert.equal(second.body.error!.code, 'CONFLICT')
    await t.h.queue.drain()
    assert.equal((await api('POST', '/api/v1/users/me/export', u.dee)).status, 201, 'a new one once the last is made')
    await t.h.queue.drain()
    assert.equal(sql('select id from account_exports where user_id = ?', u.dee.id).length, 1, 'it replaced the last one')
  })

  it('deletes an account after the grace period (time moved forward), and signing in during it cancels', async () => {
    const { ana, ben } = u
    const wrong = await api('POST', '/api/v1/users/me/delete', ana, { password: 'not it' })
    assert.equal(wrong.status, 400)
    const asked = await created('POST', '/api/v1/users/me/delete', ana, { password: PASSWORD })
    assert.ok(Date.parse(asked.due_at) > Date.now() + 13 * DAY && Date.parse(asked.due_at) < Date.now() + 15 * DAY, 'the 14 days of the setting')
    assert.equal((await api('GET', '/api/v1/users/me', ana)).status, 401, 'signed out everywhere')
    const bensFollowers = () => sql<{ n: number }>('select followers_count as n from users where id = ?', ben.id)[0]!.n
    assert.equal((await api('GET', '/api/v1/users/ana', ben)).status, 404, 'hidden while the deletion waits')
    assert.equal(bensFollowers(), 0, 'out of the counts meanwhile')
    await t.h.queue.drain()
    assert.ok(mailsTo('ana').some((m) => /will be deleted on/.test(m.subject ?? '') && /What stays/.test(m.text ?? '')), 'told when, and what stays')

    // Signing in during the grace period is changing one's mind.
    const login = await api('POST', '/api/v1/users/login', null, { login: 'ana', password: PASSWORD })
    assert.equal(login.status, 200)
    u.ana = { ...ana, token: login.body.data.token }
    assert.equal(sql<{ d: string | null }>('select deletion_due_at as d from users where id = ?', ana.id)[0]!.d, null)
    assert.equal((await api('GET', '/api/v1/users/ana', ben)).status, 200, 'shown again')
    assert.equal(bensFollowers(), 1)
    assert.equal(await t.h.account.queueDueDeletions(new Date(Date.now() + 30 * DAY)), 0)

    await created('POST', '/api/v1/users/me/delete', u.ana, { password: PASSWORD })
    assert.equal(await t.h.account.queueDueDeletions(new Date(Date.now() + 13 * DAY)), 0, 'not before its day')
    const media = sql<{ id: number; variants: string }>('select id, variants from media where owner_id = ?', ana.id)
    assert.ok(media.length > 0)
    const files = media.flatMap((m) => Object.values(JSON.parse(m.variants) as Record<string, string>)).map((rel) => join(t.dataDir, 'media', rel))
    assert.ok(files.every((f) => existsSync(f)))
    t.h.store.sqlite.prepare("insert into live_keys (user_id, key_hash, settings, created_at) values (?, 'h', '{}', '2026-12-05T00:00:00.000Z')").run(ana.id)
    assert.equal(await t.h.account.queueDueDeletions(new Date(Date.now() + 15 * DAY)), 1)
    await t.h.queue.drain()
    const row = sql<{ username: string; email: string; deleted_at: string | null }>('select username, email, deleted_at from users where id = ?', ana.id)[0]!
    assert.equal(row.username, `deleted-${ana.id}`)
    assert.match(row.email, /@deleted\.invalid$/)
    assert.ok(row.deleted_at)
    assert.equal((await api('POST', '/api/v1/users/login', null, { login: 'ana', password: PASSWORD })).status, 401)
    assert.equal((await api('GET', '/api/v1/users/ana', ben)).status, 404)
    assert.equal(sql('select id from posts where author_id = ?', ana.id).length, 0, 'purged: no posts')
    assert.equal(sql('select id from comments where author_id = ?', ana.id).length, 0, 'no comments')
    assert.equal(sql('select id from media where owner_id = ?', ana.id).length, 0)
    assert.ok(files.every((f) => !existsSync(f)), 'media files removed from disk')
    assert.equal(sql('select * from follows where follower_id = ? or followee_id = ?', ana.id, ana.id).length, 0)
    assert.equal(bensFollowers(), 0, 'counts follow')
    assert.equal(sql('select id from messages_messages where sender_id = ?', ana.id).length, 0, 'the messages plugin purged its rows')
    assert.equal(sql('select id from stories_items where author_id = ?', ana.id).length, 0, 'so did stories')
    assert.equal(sql('select user_id from live_keys where user_id = ?', ana.id).length, 0, 'and live: no stream key left to go live with')
    const texts = (await api('GET', '/api/v1/messages/conversations?folder=inbox', ben)).body.data as unknown[]
    assert.ok(Array.isArray(texts))
    const actions = sql<{ action: string }>("select action from audit_log where target_type = 'user' and target_id = ? order by id", String(ana.id)).map((a) => a.action)
    assert.deepEqual(actions.filter((a) => a.startsWith('user.delete')), ['user.delete.request', 'user.delete.cancel', 'user.delete.request', 'user.delete.done'])
    await t.h.queue.drain()
    const gone = mailsTo('ana').find((m) => /is deleted/.test(m.subject ?? ''))
    assert.ok(gone, 'a last email')
    assert.match(gone.text ?? '', /What stays/)
    assert.match(gone.text ?? '', /Coin and payment records/)
    // The name is free again.
    assert.equal((await api('POST', '/api/v1/users/register', null, { username: 'ana', email: 'ana@example.org', password: PASSWORD })).status, 201)
  })

  it('takes up a deletion that failed part way, and never finishes one twice', async () => {
    const eve = { ...(await t.register('eve')), name: 'eve' }
    await created('POST', '/api/v1/posts', eve, { text: 'eve left this behind' })
    // As if the first attempt renamed the account and then died (a disk error) before removing anything else.
    t.h.store.sqlite.prepare("update users set deleted_at = '2026-12-05T00:00:00.000Z', deletion_due_at = null, username = 'deleted-' || id, email = 'deleted-' || id || '@deleted.invalid' where id = ?").run(eve.id)
    await t.h.account.runDeletion({ userId: eve.id, actorId: null })
    assert.equal(sql('select id from posts where author_id = ?', eve.id).length, 0, 'the rest is done on the next attempt')
    await t.h.account.runDeletion({ userId: eve.id, actorId: null })
    assert.equal(sql("select id from audit_log where action = 'user.delete.done' and target_id = ?", String(eve.id)).length, 1, 'done once')
    await t.h.queue.drain()
    assert.ok(!smtp.received.some((m) => /deleted\.invalid/.test(JSON.stringify(m.to))), 'no email to the nameless address')
  })

  it('anonymises when the operator says so: public posts and comments stay under “Deleted member”, the rest goes', async () => {
    const { cal, ben } = u
    await t.h.settings.write('account.deletion_policy', 'anonymise')
    try {
      const kept = await created('POST', '/api/v1/posts', cal, { text: 'cal public words stay' })
      await created('POST', '/api/v1/posts', cal, { text: 'cal followers words go', visibility: 'followers' })
      await created('POST', `/api/v1/posts/${kept.id}/comments`, cal, { text: 'cal comment stays' })
      const avatar = await upload(cal)
      await t.h.queue.drain()
      await created('PUT', '/api/v1/users/me', cal, { avatar_media_id: avatar.id })
      await created('POST', '/api/v1/users/me/delete', cal, { password: PASSWORD })
      await t.h.account.queueDueDeletions(new Date(Date.now() + 15 * DAY))
      await t.h.queue.drain()
      const post = (await api('GET', `/api/v1/posts/${kept.id}`, ben)).body.data
      assert.equal(post.text, 'cal public words stay')
      assert.equal(post.author.display_name, 'Deleted member')
      assert.equal(post.author.username, `deleted-${cal.id}`)
      const comments = (await api('GET', `/api/v1/posts/${kept.id}/comments`, ben)).body.data as { text: string }[]
      assert.deepEqual(comments.map((c) => c.text), ['cal comment stays'])
      assert.equal(sql("select id from posts where text = 'cal followers words go'").length, 0)
      assert.equal(sql('select id from media where id = ?', avatar.id).length, 0, 'the avatar went')
      assert.equal((await api('GET', `/api/v1/users/deleted-${cal.id}`, ben)).status, 404, 'nobody’s profile')
      const found = (await api('GET', `/api/v1/search?q=deleted&type=users`, ben)).body.data
      assert.ok(!JSON.stringify(found ?? '').includes(`deleted-${cal.id}`), 'not found by search')
    } finally {
      await t.h.settings.write('account.deletion_policy', 'purge')
    }
  })

  it('lets staff ban and delete, each audited, and members neither', async () => {
    const { staffer, dee, ben } = u
    assert.equal((await api('POST', `/api/v1/admin/users/${ben.id}/ban`, dee, { reason: 'x' })).status, 403)
    const banned = await api('POST', `/api/v1/admin/users/${dee.id}/ban`, staffer, { reason: 'Spam, again' })
    assert.equal(banned.status, 200)
    assert.equal((await api('POST', '/api/v1/users/login', null, { login: 'dee', password: PASSWORD })).body.error!.code, 'ACCOUNT_SUSPENDED')
    const last = () => sql<{ action: string; actor_id: number; details: string }>('select action, actor_id, details from audit_log order by id desc limit 1')[0]!
    assert.equal(last().action, 'user.ban')
    assert.equal(last().actor_id, staffer.id)

    assert.equal((await api('POST', `/api/v1/admin/users/${u.boss.id}/delete`, staffer, { reason: 'no' })).status, 409, 'not staff accounts')
    assert.equal((await api('POST', `/api/v1/admin/users/${dee.id}/delete`, staffer, { reason: '' })).status, 422)
    const del = await api('POST', `/api/v1/admin/users/${dee.id}/delete`, staffer, { reason: 'A spam account' })
    assert.equal(del.status, 200)
    assert.equal(last().action, 'user.delete')
    assert.equal(JSON.parse(last().details).reason, 'A spam account')
    await t.h.queue.drain()
    assert.ok(sql<{ d: string }>('select deleted_at as d from users where id = ?', dee.id)[0]!.d)
    const done = sql<{ actor_id: number; details: string }>("select actor_id, details from audit_log where action = 'user.delete.done' and target_id = ?", String(dee.id))[0]!
    assert.equal(done.actor_id, staffer.id)
    assert.equal(JSON.parse(done.details).policy, 'purge')
    assert.equal((await api('POST', `/api/v1/admin/users/${dee.id}/ban`, staffer, { reason: 'again' })).status, 404, 'a deleted account is missing')
    const record = (await api('GET', `/api/v1/admin/users/${dee.id}`, staffer)).body.data
    assert.equal(record.member.username, `deleted-${dee.id}`)
    assert.ok(record.member.deleted_at, 'staff see what is left, and that it was deleted')
  })
})
