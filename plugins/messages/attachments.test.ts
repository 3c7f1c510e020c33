// Attachments of messages over a real server, real SQLite, real sharp and ffmpeg and real WebSockets: photos (and
// their processing placeholder), files always downloaded, the size limit and blocked types (nothing stored), voice
// notes converted with a duration and a waveform, view-once items opened once, unsend removing files, and every
// file and media address refused (404, like missing) to a stranger, a blocked member, a removed member and a guest.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import sharp from 'sharp'
import { tempDir } from '../../test/harness.js'
import { messagesTest, type Json, type User } from './test-setup.js'

/** Every file under a folder (recursively). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

describe('messages: attachments', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee', 'eve'], server: true })
  const { u, api, direct } = mt
  const settings = () => mt.settings()
  const store = () => join(mt.t.dataDir, 'media', 'files', 'messages')
  const count = (sql: string, ...args: unknown[]) => (mt.t.h.store.sqlite.prepare(sql).get(...args) as { n: number }).n
  let jpeg: Buffer
  let voice: Buffer

  before(async () => {
    jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#0ea5e9' } }).jpeg().toBuffer()
    // A recording as a browser's MediaRecorder makes one: Opus in WebM, two seconds of a tone.
    const dir = tempDir('hearth-voice-')
    await mt.t.h.media.ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libopus', join(dir, 'voice.webm')], { timeoutMs: 30_000 })
    voice = readFileSync(join(dir, 'voice.webm'))
  })

  type Part = { field: 'media' | 'file' | 'voice'; bytes: Uint8Array; name: string; type?: string }
  const form = (parts: Part[], fields: Record<string, string> = {}) => {
    const f = new FormData()
    for (const [k, v] of Object.entries(fields)) f.append(k, v)
    for (const p of parts) f.append(p.field, new Blob([new Uint8Array(p.bytes)], { type: p.type ?? 'application/octet-stream' }), p.name)
    return f
  }
  const sendFiles = async (who: User, id: number, parts: Part[], fields: Record<string, string> = {}) => {
    const res = await mt.t.request('POST', `/api/v1/messages/conversations/${id}/messages`, { token: who.token, body: form(parts, fields) })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const get = (path: string, who?: User, headers: Record<string, string> = {}) => mt.t.request('GET', path, { token: who?.token, headers })
  const messageOf = async (who: User, id: number, mid: number) => {
    const r = await api('GET', `/conversations/${id}/messages?limit=100`, who)
    return (r.body.data as any[]).find((m) => m.id === mid)
  }
  const socket = async (who: User, id: number) => {
    const s = await mt.socket(who)
    assert.equal((await mt.join(s, id)).op, 'joined')
    return s
  }
  const photo = (name = 'beach.jpg'): Part => ({ field: 'media', bytes: jpeg, name, type: 'image/jpeg' })

  it('creates its tables', () => {
    for (const name of ['messages_attachments', 'messages_opens']) assert.equal(count("select count(*) n from sqlite_master where type = 'table' and name = ?", name), 1, name)
  })

  it('sends a photo with a caption; the member sees the placeholder, then the processed photo, and the notification says only "a photo"', async () => {
    const id = await direct(u.ana!, u.ben!)
    const ben = await socket(u.ben!, id)
    const sent = await sendFiles(u.ana!, id, [photo()], { text: 'Look at this', client_id: 'photo-000001' })
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    const m = sent.body.data
    assert.equal(m.kind, 'media')
    assert.equal(m.text, 'Look at this')
    assert.equal(m.attachments.length, 1)
    const item = m.attachments[0]
    assert.equal(item.kind, 'photo')
    assert.equal(item.status, 'processing')
    // While sharp works, the page's picture is core's placeholder.
    const placeholder = await get(`/media/${item.media.id}/640`, u.ben)
    assert.equal(placeholder.status, 200)
    assert.match(placeholder.headers.get('content-type') ?? '', /svg/)
    await mt.t.h.queue.drain()
    const live = await ben.next((f) => f.event === 'attachments' && f.data.id === m.id)
    assert.equal(live.data.attachments[0].status, 'ready', 'the thread hears the photo is ready')
    const seen = await messageOf(u.ben!, id, m.id)
    assert.equal(seen.attachments[0].status, 'ready')
    const url = seen.attachments[0].media.urls['640'] as string
    const res = await get(url, u.ben)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'image/webp')
    assert.equal((await get(url, u.ana)).status, 200, 'the sender sees it too')
    const notes = await mt.notes(u.ben!)
    assert.equal(notes[0]?.text, 'ana sent you a photo')
    assert.doesNotMatch(JSON.stringify(notes[0]), /Look at this/, 'never the caption')
    // A retry with the same client id answers the stored message and keeps none of the new upload.
    const media = count('select count(*) n from media')
    const again = await sendFiles(u.ana!, id, [photo()], { text: 'Look at this', client_id: 'photo-000001' })
    assert.equal(again.status, 200)
    assert.equal(again.body.data.id, m.id)
    assert.equal(count('select count(*) n from media'), media)
  })

  it('sends a file that is always downloaded: attachment with its name, nosniff, a safe content type', async () => {
    const id = await direct(u.ana!, u.ben!)
    const html = new TextEncoder().encode('<script>alert(1)</script>')
    const sent = await sendFiles(u.ana!, id, [{ field: 'file', bytes: html, name: 'notes été.html', type: 'text/html' }, { field: 'file', bytes: new TextEncoder().encode('%PDF-1.4'), name: 'plan.pdf' }])
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    const [a, b] = sent.body.data.attachments
    assert.equal(sent.body.data.kind, 'file')
    assert.deepEqual([a.kind, a.name, a.size], ['file', 'notes été.html', html.length])
    const res = await get(a.url, u.ben)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/octet-stream', 'never text/html')
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="notes _t_.html"; filename*=UTF-8''notes%20%C3%A9t%C3%A9.html`)
    assert.equal(await res.text(), '<script>alert(1)</script>')
    const pdf = await get(b.url, u.ana)
    assert.equal(pdf.headers.get('content-type'), 'application/pdf')
    assert.match(pdf.headers.get('content-disposition') ?? '', /^attachment; filename="plan.pdf"/)
    const notes = await mt.notes(u.ben!)
    assert.ok(notes.length > 0)
  })

  it('refuses a file over the size limit, and a blocked type, storing nothing', async () => {
    const id = await direct(u.ana!, u.ben!)
    await settings().set('max_file_mb', 1)
    try {
      const before = { files: filesUnder(store()).length, messages: count('select count(*) n from messages_messages'), media: count('select count(*) n from media') }
      const big = new Uint8Array(1024 * 1024 + 10)
      // A photo before the big file: it was stored as the form streamed, and goes again with the refusal.
      const r = await sendFiles(u.ana!, id, [photo(), { field: 'file', bytes: big, name: 'big.bin' }], { text: 'too big' })
      assert.equal(r.status, 413)
      assert.equal(r.body.error?.code, 'PAYLOAD_TOO_LARGE')
      assert.equal(r.body.error?.message, 'Files may be at most 1 MB.')
      const exe = await sendFiles(u.ana!, id, [{ field: 'file', bytes: new Uint8Array([77, 90, 1, 2]), name: 'setup.EXE' }])
      assert.equal(exe.status, 400)
      assert.equal(exe.body.error?.details.fields?.file, '.exe files cannot be sent here.')
      assert.deepEqual({ files: filesUnder(store()).length, messages: count('select count(*) n from messages_messages'), media: count('select count(*) n from media') }, before, 'nothing stored')
      // The page form shows the same error on the thread.
      const page = await mt.t.request('POST', `/messages/${id}`, { token: u.ana!.token, body: form([{ field: 'file', bytes: big, name: 'big.bin' }], { text: 'from the page' }) })
      assert.equal(page.status, 413)
      const html = await page.text()
      assert.match(html, /Files may be at most 1 MB\./)
      assert.match(html, /from the page/, 'what was typed stays')
      assert.equal(filesUnder(store()).length, before.files)
    } finally {
      await settings().set('max_file_mb', 25)
    }
  })

  it('converts a voice message to Opus and AAC with a duration and a waveform, and serves both to members', async () => {
    const id = await direct(u.ana!, u.ben!)
    // ben has read what came before (one notification per conversation until it is read: this one is new).
    assert.equal((await api('POST', `/conversations/${id}/read`, u.ben, {})).status, 200)
    const sent = await sendFiles(u.ana!, id, [{ field: 'voice', bytes: voice, name: 'voice.webm', type: 'audio/webm' }])
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    const m = sent.body.data
    assert.equal(m.kind, 'voice')
    assert.equal(m.attachments[0].status, 'processing')
    await mt.t.h.queue.drain()
    const item = (await messageOf(u.ben!, id, m.id)).attachments[0]
    assert.equal(item.status, 'ready')
    assert.ok(item.duration_ms >= 1800 && item.duration_ms <= 2200, `about two seconds: ${item.duration_ms}`)
    assert.equal(item.waveform.length, 48)
    assert.ok(item.waveform.every((v: number) => v >= 0 && v <= 100) && Math.max(...item.waveform) === 100)
    assert.deepEqual(item.sources.map((s: { type: string }) => s.type), ['audio/webm; codecs=opus', 'audio/mp4'])
    for (const s of item.sources as { url: string; type: string }[]) {
      const res = await get(s.url, u.ben)
      assert.equal(res.status, 200, s.url)
      const bytes = Buffer.from(await res.arrayBuffer())
      const dir = tempDir('hearth-voice-out-')
      const file = join(dir, s.type.includes('mp4') ? 'a.m4a' : 'a.webm')
      writeFileSync(file, bytes)
      // Playable: ffmpeg decodes the whole file.
      await mt.t.h.media.ffmpeg(['-v', 'error', '-i', file, '-f', 'null', '-'], { timeoutMs: 30_000 })
    }
    const ranged = await get(item.sources[0].url, u.ben, { range: 'bytes=0-9' })
    assert.equal(ranged.status, 206, 'players seek with ranges')
    const notes = await mt.notes(u.ben!)
    assert.equal(notes.find((n) => n.url === `/messages/${id}`)?.text, 'ana sent you a voice message')

    const bad = await sendFiles(u.ana!, id, [{ field: 'voice', bytes: new Uint8Array(5000).fill(7), name: 'voice.webm' }])
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error?.message, 'This voice message could not be read; record it again.')
  })

  it('opens a view-once photo once: then its address is refused, and the sender sees "opened" live', async () => {
    const id = await direct(u.ana!, u.ben!)
    const ana = await socket(u.ana!, id)
    const sent = await sendFiles(u.ana!, id, [photo()], { view_once: '1' })
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    // While it is processed it does not open, and trying does not spend the opening.
    const early = sent.body.data.attachments[0]
    assert.equal(early.status, 'processing')
    const tooSoon = await api('POST', `/conversations/${id}/attachments/${early.id}/open`, u.ben)
    assert.equal(tooSoon.status, 409, JSON.stringify(tooSoon.body))
    assert.equal(tooSoon.body.error?.code, 'NOT_READY')
    const benEarly = await (await mt.t.request('GET', `/messages/${id}`, { token: u.ben!.token })).text()
    assert.doesNotMatch(benEarly, new RegExp(`data-open="${early.id}"`), 'no button yet')
    assert.match(benEarly, /view once · processing/)
    await mt.t.h.queue.drain()
    const item = (await messageOf(u.ben!, id, sent.body.data.id)).attachments[0]
    assert.equal(item.view_once, true)
    assert.equal(item.media, null, 'no address in the message')
    const mediaId = count('select media_id n from messages_attachments where id = ?', item.id)
    assert.equal((await get(`/media/${mediaId}/1080`, u.ben)).status, 404, 'the plain address is refused')
    assert.equal((await api('POST', `/conversations/${id}/attachments/${item.id}/open`, u.ana)).status, 404, 'the sender does not open their own')
    assert.equal((await get(`/media/${mediaId}/1080`, u.ana)).status, 404)

    const opened = await api('POST', `/conversations/${id}/attachments/${item.id}/open`, u.ben)
    assert.equal(opened.status, 200, JSON.stringify(opened.body))
    const url = opened.body.data.media.urls['1080'] as string
    assert.match(url, /\?grant=/)
    assert.equal((await get(url, u.cal)).status, 404, 'the address is the opener’s alone')
    assert.equal((await get(url, u.ben)).status, 200)
    assert.equal((await get(url, u.ben)).status, 404, 'loaded once')
    assert.equal((await api('POST', `/conversations/${id}/attachments/${item.id}/open`, u.ben)).status, 404, 'opened once')
    assert.equal((await get(`/media/${mediaId}/1080`, u.ben)).status, 404)
    const told = await ana.next((f) => f.event === 'opened' && f.data.attachment === item.id)
    assert.equal(told.data.userId, u.ben!.id)
    assert.deepEqual((await messageOf(u.ana!, id, sent.body.data.id)).attachments[0].opened_by, [u.ben!.id])
    // The page: the sender sees "Opened"; the recipient sees "Opened", no button.
    const anaPage = await (await mt.t.request('GET', `/messages/${id}`, { token: u.ana!.token })).text()
    assert.match(anaPage, new RegExp(`data-once="${item.id}" data-opened="1"`))
    const benPage = await (await mt.t.request('GET', `/messages/${id}`, { token: u.ben!.token })).text()
    assert.doesNotMatch(benPage, new RegExp(`data-open="${item.id}"`))
  })

  it('opens a view-once photo from the page without JavaScript, once', async () => {
    const id = await direct(u.ana!, u.ben!)
    const sent = await sendFiles(u.ana!, id, [photo()], { view_once: 'on' })
    await mt.t.h.queue.drain()
    const aid = sent.body.data.attachments[0].id
    const ben = mt.t.agent()
    await ben.loginViaForm('ben')
    assert.match(await ben.text(`/messages/${id}`), /Photo, tap to view/)
    const first = await ben.post(`/messages/${id}/attachments/${aid}/open`, {})
    assert.equal(first.status, 200)
    const src = /<img src="([^"]+grant=[^"]+)"/.exec(await first.text())?.[1]?.replace(/&amp;/g, '&')
    assert.ok(src)
    assert.equal((await ben.post(`/messages/${id}/attachments/${aid}/open`, {})).status, 404)
  })

  describe('who reaches files and media', () => {
    let id: number
    let fileUrl: string
    let mediaUrl: string
    let voiceUrl: string
    before(async () => {
      // A group of ana, ben and eve; ana sends a photo, a file and a voice message; then eve is removed.
      const g = await api('POST', '/conversations', u.ana, { name: 'Trip', members: ['ben', 'eve'] })
      id = g.body.data.id
      const sent = await sendFiles(u.ana!, id, [photo(), { field: 'file', bytes: new Uint8Array([1, 2, 3]), name: 'a.bin' }])
      const v = await sendFiles(u.ana!, id, [{ field: 'voice', bytes: voice, name: 'v.webm' }])
      await mt.t.h.queue.drain()
      const [p, f] = (await messageOf(u.ben!, id, sent.body.data.id)).attachments
      mediaUrl = p.media.urls['640']
      fileUrl = f.url
      voiceUrl = (await messageOf(u.ben!, id, v.body.data.id)).attachments[0].sources[0].url
      for (const url of [mediaUrl, fileUrl, voiceUrl]) assert.equal((await get(url, u.eve)).status, 200, `eve, while in: ${url}`)
      assert.equal((await api('DELETE', `/conversations/${id}/members/${u.eve!.id}`, u.ana)).status, 200)
    })

    it('refuses a stranger, a removed member and a guest exactly like a missing file', async () => {
      const missing = await get(`/messages/${id}/files/999999`, u.ben)
      assert.equal(missing.status, 404)
      for (const url of [mediaUrl, fileUrl, voiceUrl]) {
        assert.equal((await get(url, u.ben)).status, 200, `ben: ${url}`)
        for (const who of [u.cal, u.eve, undefined]) assert.equal((await get(url, who)).status, 404, `${who?.name ?? 'guest'}: ${url}`)
      }
      // The removed member keeps the text of what was sent while in, not the files.
      const page = await (await mt.t.request('GET', `/messages/${id}`, { token: u.eve!.token })).text()
      assert.match(page, /Attachments are only for members of the conversation\./)
      assert.doesNotMatch(page, /\/files\//)
    })

    it('refuses both members of a direct conversation after a block', async () => {
      const dm = await direct(u.dee!, u.ana!)
      const sent = await sendFiles(u.dee!, dm, [photo(), { field: 'file', bytes: new Uint8Array([4, 5]), name: 'b.txt' }])
      await mt.t.h.queue.drain()
      const [p, f] = (await messageOf(u.ana!, dm, sent.body.data.id)).attachments
      assert.equal((await get(f.url, u.ana)).status, 200)
      assert.equal((await mt.t.request('POST', `/api/v1/users/ana/block`, { token: u.dee!.token })).status < 300, true)
      for (const who of [u.ana, u.dee]) {
        assert.equal((await get(f.url, who)).status, 404, `${who!.name}: file`)
        assert.equal((await get(p.media.urls['640'], who)).status, 404, `${who!.name}: photo`)
      }
    })
  })

  it('unsend removes the message’s photos, files and voice note for good', async () => {
    const id = await direct(u.ana!, u.ben!)
    const sent = await sendFiles(u.ana!, id, [photo(), { field: 'file', bytes: new Uint8Array([9, 9, 9]), name: 'c.bin' }])
    const v = await sendFiles(u.ana!, id, [{ field: 'voice', bytes: voice, name: 'v.webm' }])
    await mt.t.h.queue.drain()
    const [p, f] = (await messageOf(u.ben!, id, sent.body.data.id)).attachments
    const keys = mt.t.h.store.sqlite.prepare('select file_key, alt_key from messages_attachments where message_id in (?, ?)').all(sent.body.data.id, v.body.data.id) as { file_key: string | null; alt_key: string | null }[]
    const paths = keys.flatMap((k) => [k.file_key, k.alt_key]).filter((k): k is string => !!k).map((k) => join(store(), k.slice(0, 2), k))
    assert.equal(paths.length, 3, 'the file, and the voice note’s two versions')
    for (const path of paths) assert.ok(existsSync(path), path)
    for (const mid of [sent.body.data.id, v.body.data.id]) assert.equal((await api('DELETE', `/conversations/${id}/messages/${mid}`, u.ana)).status, 200)
    for (const path of paths) assert.ok(!existsSync(path), `gone: ${path}`)
    assert.equal(count('select count(*) n from media where id = ?', p.media.id), 0, 'the photo is gone from core’s media')
    assert.equal((await get(f.url, u.ben)).status, 404)
    assert.equal((await get(p.media.urls['640'], u.ben)).status, 404)
    const m = await messageOf(u.ben!, id, sent.body.data.id)
    assert.deepEqual([m.unsent, m.attachments], [true, []])
  })

  it('a disappearing message takes its photo and file with it when its purge job runs', async () => {
    const id = await direct(u.cal!, u.dee!)
    const sent = await sendFiles(u.cal!, id, [photo(), { field: 'file', bytes: new Uint8Array([7, 7, 7]), name: 'gone.bin' }], { text: 'vanishing papaya', disappear_seconds: '3600' })
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    const mid = sent.body.data.id as number
    await mt.t.h.queue.drain()
    const [p, f] = (await messageOf(u.dee!, id, mid)).attachments
    const key = mt.t.h.store.sqlite.prepare('select file_key from messages_attachments where message_id = ? and file_key is not null').pluck().get(mid) as string
    const path = join(store(), key.slice(0, 2), key)
    assert.ok(existsSync(path))
    // Its time comes: the job queued with it purges it (after a restart too: disappearing.test.ts).
    const past = new Date(Date.now() - 1000).toISOString()
    mt.t.h.store.sqlite.prepare('update messages_messages set expires_at = ? where id = ?').run(past, mid)
    mt.t.h.store.sqlite.prepare('update jobs set run_at = ? where key = ?').run(past, `messages:disappear:${mid}`)
    await mt.t.h.queue.drain()
    assert.equal(count('select count(*) n from messages_messages where id = ?', mid), 0)
    assert.equal(count('select count(*) n from messages_attachments where message_id = ?', mid), 0)
    assert.ok(!existsSync(path), 'the file is gone from disk')
    assert.equal(count('select count(*) n from media where id = ?', p.media.id), 0, 'the photo is gone from core’s media')
    assert.equal((await get(f.url, u.dee)).status, 404)
    assert.equal((await api('GET', '/search?q=papaya', u.dee!)).body.data.length, 0)
  })

  it('sends a photo from the thread’s form without JavaScript', async () => {
    const id = await direct(u.ana!, u.ben!)
    const ana = mt.t.agent()
    await ana.loginViaForm('ana')
    const page = await ana.text(`/messages/${id}`)
    assert.match(page, /enctype="multipart\/form-data"/)
    assert.match(page, /name="media" accept="image\/\*,video\/\*"/)
    assert.match(page, /name="voice" accept="audio\/\*"/)
    const res = await mt.t.request('POST', `/messages/${id}`, { token: u.ana!.token, body: form([photo()], { text: 'From the form' }) })
    assert.equal(res.status, 303)
    await mt.t.h.queue.drain()
    const html = await (await mt.t.request('GET', `/messages/${id}`, { token: u.ben!.token })).text()
    assert.match(html, /class="msg-photo"/)
    assert.match(html, /From the form/)
  })

  it('lets staff open a reported message\'s photo, view-once photo, file and voice note, also after unsend, and nobody else', async () => {
    const [ana, ben, cal] = [u.ana!, u.ben!, u.cal!]
    const mod = { ...(await mt.t.register('mod')), name: 'mod' }
    mt.t.h.store.sqlite.prepare("update users set role = 'moderator' where id = ?").run(mod.id)
    const id = await direct(ana, ben)
    const shown = await sendFiles(ana, id, [photo(), { field: 'file', bytes: new TextEncoder().encode('evidence'), name: 'threat.txt', type: 'text/plain' }], { text: 'look' })
    const once = await sendFiles(ana, id, [photo()], { view_once: '1' })
    const note = await sendFiles(ana, id, [{ field: 'voice', bytes: voice, name: 'v.webm' }])
    for (const r of [shown, once, note]) assert.equal(r.status, 201, JSON.stringify(r.body))
    await mt.t.h.queue.drain()
    const mediaOf = (aid: number) => count('select media_id n from messages_attachments where id = ?', aid)
    const [photoItem, fileItem] = shown.body.data.attachments as { id: number }[]
    const onceItem = once.body.data.attachments[0] as { id: number }
    const voiceItem = note.body.data.attachments[0] as { id: number }
    const photoMedia = mediaOf(photoItem!.id)
    const onceMedia = mediaOf(onceItem.id)

    const filed = await api('POST', `/conversations/${id}/messages/${shown.body.data.id}/report`, ben, { reason: 'harassment' })
    assert.equal(filed.status, 201, JSON.stringify(filed.body))
    const reportId = filed.body.data.report_id as number
    const snapshot = JSON.parse(String(mt.t.h.store.sqlite.prepare('select snapshot from reports where id = ?').pluck().get(reportId)))
    // The reported message and those around it (earlier tests' photos too): each one's media, view-once included.
    assert.ok(snapshot.media_ids.includes(photoMedia) && snapshot.media_ids.includes(onceMedia), JSON.stringify(snapshot.media_ids))
    const lines = snapshot.transcript as { id: number; files: { url: string; label: string }[]; text: string }[]
    assert.deepEqual(lines.find((l) => l.id === shown.body.data.id)!.files.map((f) => f.url), [`/messages/reported/${fileItem!.id}`])
    assert.match(lines.find((l) => l.id === note.body.data.id)!.files[0]!.label, /^Voice message \(0:02\)$/)
    assert.match(lines.find((l) => l.id === once.body.data.id)!.text, /view-once/)

    // The sender unsends the reported message: gone for members, held for the report.
    assert.equal((await api('DELETE', `/conversations/${id}/messages/${shown.body.data.id}`, ana)).status, 200)
    assert.equal((await get(`/media/${photoMedia}/1080`, ana)).status, 404, 'not even the sender at its plain address')
    assert.equal((await get(`/media/${photoMedia}/1080`, ben)).status, 404)

    // Staff: the report's page shows both photos through one-time grants, and links the file and the voice note.
    const page = await (await get(`/admin/reports/${reportId}`, mod)).text()
    for (const m of [photoMedia, onceMedia]) {
      const src = new RegExp(`data-media="${m}" src="([^"]+)"`).exec(page)?.[1]
      assert.ok(src && src.includes('?grant='), `media ${m} shown to staff`)
      assert.equal((await get(src!, cal)).status, 404, 'a grant is the staff member\'s alone')
      assert.equal((await get(src!, mod)).status, 200)
    }
    assert.match(page, new RegExp(`href="/messages/reported/${fileItem!.id}"`))
    const file = await get(`/messages/reported/${fileItem!.id}`, mod)
    assert.equal(file.status, 200)
    assert.match(file.headers.get('content-disposition') ?? '', /^attachment; filename="threat.txt"/)
    assert.equal(await file.text(), 'evidence')
    const played = await get(`/messages/reported/${voiceItem.id}`, mod)
    assert.equal(played.status, 200)
    assert.equal(played.headers.get('content-type'), 'audio/mp4')
    // Nobody else: not the reporter, not the sender, not a stranger, not a guest.
    for (const who of [ben, ana, cal, undefined]) {
      assert.equal((await get(`/messages/reported/${fileItem!.id}`, who)).status, 404)
      assert.equal((await get(`/messages/reported/${voiceItem.id}`, who)).status, 404)
    }
    // Staff looking did not open the view-once photo for its recipient.
    assert.equal((await api('POST', `/conversations/${id}/attachments/${onceItem.id}/open`, ben)).status, 200)

    // A decision releases the holds: what the unsent message had is deleted now; what still exists stays with it.
    const resolved = await mt.t.request('POST', `/api/v1/reports/${reportId}/resolve`, { token: mod.token, json: { outcome: 'dismiss' } })
    assert.equal(resolved.status, 200, await resolved.text())
    assert.equal((await get(`/messages/reported/${fileItem!.id}`, mod)).status, 404)
    assert.equal(count('select count(*) n from media where id = ?', photoMedia), 0, 'the unsent photo is gone')
    assert.equal(count('select count(*) n from media where id = ?', onceMedia), 1, 'the view-once photo stays with its message')
    assert.equal(count('select count(*) n from messages_report_holds where report_id = ?', reportId), 0)
  })
})
