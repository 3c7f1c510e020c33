// Bodies refused before they are read, and slow clients cut off: a real server on a port, real sockets, the process's memory watched.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { createTestApp, tempDir, type TestApp } from '../../test/harness.js'
import { resolveConfig } from '../config.js'
import { ffmpegPath } from '../media/ffmpeg.js'
import sharp from 'sharp'
import { startServer, type RunningServer } from '../server.js'
import { uploadRule } from './body.js'

const MB = 1024 * 1024
const BIG = 150 * MB
const BOUNDARY = 'hearth-test-boundary'

interface Sent {
  status: number
  /** Bytes of the body written before the answer came (or the socket closed). */
  sent: number
  /** The largest growth of the process's RSS while the request ran. */
  grew: number
  head: string
}

/**
 * POST `total` body bytes over a raw socket, as fast as the server takes them, and stop at the first answer.
 * The body is `prefix` and then filler written from one reused 64 KiB buffer, so the client holds no copy of it.
 */
function post(port: number, path: string, opts: { headers?: Record<string, string>; prefix?: string | Buffer; suffix?: string; total: number; chunked?: boolean }): Promise<Sent> {
  const prefix = Buffer.from(opts.prefix ?? '')
  const suffix = Buffer.from(opts.suffix ?? '')
  const filler = Buffer.alloc(64 * 1024, 0x61)
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...opts.headers }
  if (opts.chunked) headers['transfer-encoding'] = 'chunked'
  else headers['content-length'] = String(opts.total)
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let sent = 0
    let answer = ''
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearInterval(sampler)
      socket.destroy()
      const status = Number(answer.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0)
      if (!status) return reject(new Error(`no answer after ${sent} bytes`))
      resolve({ status, sent, grew: peak - baseline, head: answer })
    }
    socket.on('data', (d) => {
      answer += d.toString('latin1')
      if (answer.includes('\r\n\r\n')) finish()
    })
    socket.on('close', finish)
    socket.on('error', () => {}) // a reset after the answer (the server closed without reading on)
    const write = (buf: Buffer) => {
      if (!buf.length) return true // an empty chunk would end a chunked body
      const framed = opts.chunked ? Buffer.concat([Buffer.from(`${buf.length.toString(16)}\r\n`), buf, Buffer.from('\r\n')]) : buf
      sent += buf.length
      return socket.write(framed)
    }
    socket.once('connect', async () => {
      socket.write(`POST ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`)
      write(prefix)
      let left = opts.total - prefix.length - suffix.length
      while (left > 0 && !done) {
        const chunk = left >= filler.length ? filler : filler.subarray(0, left)
        left -= chunk.length
        if (!write(chunk))
          await new Promise<void>((resolve) => {
            const go = () => (socket.off('drain', go).off('close', go), resolve())
            socket.on('drain', go).on('close', go)
          })
      }
      if (done) return
      if (suffix.length) write(suffix)
      if (opts.chunked) socket.write('0\r\n\r\n')
    })
  })
}

const filePart = (name = 'files', filename = 'big.mp4') => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: video/mp4\r\n\r\n`
const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
const END = `\r\n--${BOUNDARY}--\r\n`

/** A real (tiny) MP4 grown to `size` bytes by a trailing `free` box, whose content the body's filler supplies. */
function bigMp4Head(mp4: Buffer, size: number): Buffer {
  const free = Buffer.alloc(8)
  free.writeUInt32BE(size - mp4.length)
  free.write('free', 4, 'latin1')
  return Buffer.concat([mp4, free])
}

describe('request bodies', () => {
  let t: TestApp
  let server: RunningServer
  let guest: { cookie: string; csrf: string }
  let member: { cookie: string; csrf: string }
  let mp4: Buffer
  before(async () => {
    const out = join(tempDir(), 'clip.mp4')
    await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '0.5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out])
    mp4 = readFileSync(out)
    t = await createTestApp()
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    const res = await fetch(`http://127.0.0.1:${server.port}/login`)
    const csrf = res.headers.getSetCookie().find((c) => c.startsWith('hearth_csrf='))!.split(';')[0]!.split('=')[1]!
    guest = { cookie: `hearth_csrf=${csrf}`, csrf }
    const a = t.agent('10.20.0.1')
    await a.registerViaForm('streamer')
    member = { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; '), csrf: a.cookies.get('hearth_csrf')! }
  })
  after(async () => {
    await server.close()
    await t.close()
  })

  /** Answered before the body was sent, and without the server taking anything like its size in memory. */
  const refusedEarly = (r: Sent, status: number) => {
    assert.equal(r.status, status, r.head)
    assert.ok(r.sent < BIG / 2, `answered after ${Math.round(r.sent / MB)} MB of ${BIG / MB} MB`)
    assert.ok(r.grew < 50 * MB, `memory grew by ${Math.round(r.grew / MB)} MB`)
  }

  it('refuses an anonymous 150 MB compose post from its declared length, before reading it', async () => {
    refusedEarly(await post(server.port, '/compose', { total: BIG, prefix: field('_csrf', guest.csrf) + filePart(), suffix: END, headers: { cookie: guest.cookie } }), 413)
  })

  it('refuses an anonymous chunked compose post at the login check, with its token valid, before reading the files', async () => {
    refusedEarly(await post(server.port, '/compose', { total: BIG, chunked: true, prefix: field('_csrf', guest.csrf) + filePart(), suffix: END, headers: { cookie: guest.cookie } }), 401)
  })

  it('refuses anonymous 150 MB uploads to the media API, declared or chunked, before reading them', async () => {
    refusedEarly(await post(server.port, '/api/v1/media', { total: BIG, prefix: filePart('file'), suffix: END }), 413)
    refusedEarly(await post(server.port, '/api/v1/media', { total: BIG, chunked: true, prefix: field('_csrf', guest.csrf) + filePart('file'), suffix: END, headers: { cookie: guest.cookie } }), 401)
  })

  it('refuses a member\'s large multipart post without a CSRF token before reading it', async () => {
    // Within the member's upload limit, so only the missing token can refuse it: the files come first.
    refusedEarly(await post(server.port, '/compose', { total: BIG, prefix: filePart(), suffix: END, headers: { cookie: member.cookie } }), 403)
    refusedEarly(await post(server.port, '/api/v1/media', { total: BIG, chunked: true, prefix: filePart('file'), suffix: END, headers: { cookie: member.cookie } }), 403)
    // A token that comes after the files is not looked for.
    refusedEarly(await post(server.port, '/compose', { total: BIG, prefix: filePart(), suffix: `\r\n${field('_csrf', member.csrf)}--${BOUNDARY}--\r\n`, headers: { cookie: member.cookie } }), 403)
  })

  it('cuts a chunked body off at the route\'s limit as it streams', async () => {
    const r = await post(server.port, '/api/v1/users/login', { total: BIG, chunked: true, headers: { 'content-type': 'application/json' } })
    refusedEarly(r, 413)
    assert.match(r.head, /connection: close/i)
  })

  it('streams a member\'s large compose upload through the form without JavaScript, in bounded memory', async () => {
    const total = 200 * MB
    const head = field('_csrf', member.csrf) + field('text', 'a long clip') + filePart()
    const suffix = `\r\n${field('visibility', 'public')}--${BOUNDARY}--\r\n`
    const fileSize = total - Buffer.byteLength(head) - suffix.length
    const r = await post(server.port, '/compose', {
      total,
      prefix: Buffer.concat([Buffer.from(head), bigMp4Head(mp4, fileSize)]),
      suffix,
      headers: { cookie: member.cookie },
    })
    assert.equal(r.status, 303, r.head)
    assert.equal(r.sent, total)
    // Streamed chunks are freed only when V8 next collects, which it puts off until tens of MB of buffers are
    // waiting (65-85 MB seen on Node 24, whatever the body's size): a body held whole would add all 200 MB.
    assert.ok(r.grew < 110 * MB, `memory grew by ${Math.round(r.grew / MB)} MB`)
    const id = Number(r.head.match(/location: \/p\/(\d+)/i)?.[1])
    const post_ = await t.h.db.selectFrom('posts').select('text').where('id', '=', id).executeTakeFirstOrThrow()
    assert.equal(post_.text, 'a long clip')
    const media = await t.h.db.selectFrom('media').select(['size_bytes', 'kind']).where('owner_id', '=', (await t.h.users.find('streamer'))!.id).execute()
    assert.equal(media.length, 1)
    assert.equal(media[0]!.kind, 'video')
    assert.equal(media[0]!.size_bytes, fileSize, 'the whole file was stored')
  })

  it('stores nothing from a refused compose form and shows the form again', async () => {
    const before = (await t.h.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n
    const r = await post(server.port, '/compose', {
      total: 2 * MB,
      prefix: Buffer.concat([Buffer.from(field('_csrf', member.csrf) + field('text', 'later') + filePart()), bigMp4Head(mp4, MB)]),
      suffix: `\r\n${field('publish_at', 'not a date')}--${BOUNDARY}--\r\n`,
      headers: { cookie: member.cookie },
    })
    assert.equal(r.status, 400, r.head)
    const after = (await t.h.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n
    assert.equal(after, before)
  })
})

describe('form uploads of plugins and the profile, without JavaScript', () => {
  let t: TestApp
  let server: RunningServer
  let member: { cookie: string; csrf: string }
  let mp4: Buffer
  let groupId: number
  const mediaCount = async () => Number((await t.h.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  before(async () => {
    const out = join(tempDir(), 'clip.mp4')
    await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '0.5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out])
    mp4 = readFileSync(out)
    t = await createTestApp({ enable: ['groups', 'stories'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    const a = t.agent('10.20.0.2')
    await a.registerViaForm('formfiles')
    const made = await a.post('/groups', { name: 'Big files', privacy: 'public' })
    groupId = Number(made.headers.get('location')?.match(/\/groups\/(\d+)/)?.[1])
    assert.ok(groupId > 0, `the group was made (${made.status} ${made.headers.get('location')})`)
    member = { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; '), csrf: a.cookies.get('hearth_csrf')! }
  })
  after(async () => {
    await server.close()
    await t.close()
  })

  /** A form with `fields` first, then one file part of `size` bytes (an MP4 padded with a free box), then `after`. */
  const form = (path: string, name: string, size: number, fields: Record<string, string>, after: Record<string, string> = {}) => {
    const head = field('_csrf', member.csrf) + Object.entries(fields).map(([k, v]) => field(k, v)).join('') + filePart(name)
    const suffix = `\r\n${Object.entries(after).map(([k, v]) => field(k, v)).join('')}--${BOUNDARY}--\r\n`
    const fileSize = size
    return post(server.port, path, { total: Buffer.byteLength(head) + fileSize + suffix.length, prefix: Buffer.concat([Buffer.from(head), bigMp4Head(mp4, fileSize)]), suffix, headers: { cookie: member.cookie } })
  }

  it('takes a 20 MB video in a group post and a story, past the 1 MiB of other forms', async () => {
    const group = await form(`/groups/${groupId}/posts`, 'files', 20 * MB, { text: 'group clip' })
    assert.equal(group.status, 303, group.head)
    const post_ = await t.h.db.selectFrom('posts').select('id').where('text', '=', 'group clip').executeTakeFirst()
    assert.ok(post_, 'the group post was made')
    const story = await form('/stories', 'file', 20 * MB, { text: 'story clip' })
    assert.equal(story.status, 303, story.head)
    assert.match(story.head, /location: \/stories\/formfiles\/\d+/i)
    const sizes = (await t.h.db.selectFrom('media').select('size_bytes').execute()).map((m) => m.size_bytes)
    assert.deepEqual(sizes, [20 * MB, 20 * MB], 'both files stored whole')
  })

  it('takes a profile picture over 1 MiB, and refuses a video as one, storing nothing', async () => {
    const noise = await sharp(Buffer.from(Array.from({ length: 900 * 900 * 3 }, () => Math.floor(Math.random() * 256))), { raw: { width: 900, height: 900, channels: 3 } }).png().toBuffer()
    assert.ok(noise.length > 1.5 * MB, `the picture is ${noise.length} bytes`)
    const head = Buffer.from(field('_csrf', member.csrf) + field('display_name', 'Form Files') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="avatar"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n`)
    const r = await post(server.port, '/settings/profile', { total: head.length + noise.length + END.length, prefix: Buffer.concat([head, noise]), suffix: END, headers: { cookie: member.cookie } })
    assert.equal(r.status, 303, r.head)
    const user = await t.h.db.selectFrom('users').select(['avatar_media_id', 'display_name']).where('username', '=', 'formfiles').executeTakeFirstOrThrow()
    assert.equal(user.display_name, 'Form Files')
    const avatar = await t.h.db.selectFrom('media').select(['size_bytes', 'kind']).where('id', '=', user.avatar_media_id!).executeTakeFirstOrThrow()
    assert.deepEqual(avatar, { size_bytes: noise.length, kind: 'image' })

    const before = await mediaCount()
    const video = await form('/settings/profile', 'avatar', 2 * MB, { display_name: 'Form Files' })
    assert.equal(video.status, 400, video.head)
    assert.equal(await mediaCount(), before, 'the refused video was removed')
  })

  it('removes every file of a refused group post or story, and keeps what was typed', async () => {
    const before = await mediaCount()
    // A good file, then a second one that is not a photo or video: the first is removed again.
    const head = field('_csrf', member.csrf) + field('text', 'kept text') + filePart('files')
    const junk = `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nnot a picture\r\n--${BOUNDARY}--\r\n`
    const res = await fetch(`http://127.0.0.1:${server.port}/groups/${groupId}/posts`, {
      method: 'POST',
      headers: { cookie: member.cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: Buffer.concat([Buffer.from(head), mp4, Buffer.from(junk)]),
    })
    assert.equal(res.status, 400)
    const page = await res.text()
    assert.match(page, /notes\.txt: /, 'the refused file is named')
    assert.match(page, />kept text</, 'the text is shown again')
    assert.equal(await mediaCount(), before, 'the good file was removed with the refused post')
    // A story whose other fields are wrong, beside a good file.
    const story = await form('/stories', 'file', 2 * MB, { text: 'x'.repeat(5000) })
    assert.equal(story.status, 400, story.head)
    assert.equal(await mediaCount(), before)
  })

  it('matches upload routes by exact path, then by pattern, one segment per parameter', () => {
    const limit = async () => 1
    const rule = uploadRule({ '/compose': limit, '/groups/:id/posts': limit })
    assert.equal(rule('/compose'), limit)
    assert.equal(rule('/groups/12/posts'), limit)
    assert.equal(rule('/groups/12/posts/3'), undefined)
    assert.equal(rule('/groups/12/3/posts'), undefined)
    assert.equal(rule('/groups//posts'), undefined)
    assert.equal(rule('/settings'), undefined)
  })
})

describe('slow clients', () => {
  let t: TestApp
  let server: RunningServer
  before(async () => {
    t = await createTestApp()
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    await server.close()
    await t.close()
  })

  it('closes sockets that send their headers a byte at a time (default timeouts)', { timeout: 60_000 }, async () => {
    const header = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(10_000))
    const sockets: Socket[] = []
    const closed = Array.from({ length: 50 }, () =>
      new Promise<void>((resolve) => {
        const s = connect(server.port, '127.0.0.1')
        sockets.push(s)
        let i = 0
        const drip = setInterval(() => {
          if (s.destroyed || i >= header.length) return
          s.write(header.subarray(i, ++i))
        }, 200)
        s.on('error', () => {})
        s.on('close', () => {
          clearInterval(drip)
          resolve()
        })
      }),
    )
    await Promise.all(closed)
    assert.ok(sockets.every((s) => s.destroyed))
  })

  it('reads its timeouts from the environment and refuses nonsense', () => {
    assert.deepEqual(resolveConfig({}, {}).timeouts, { headers: 10, request: 600, keepAlive: 5, idle: 60 })
    assert.equal(resolveConfig({}, { HEARTH_HEADERS_TIMEOUT: '4' }).timeouts.headers, 4)
    assert.throws(() => resolveConfig({}, { HEARTH_IDLE_TIMEOUT: 'soon' }), /HEARTH_IDLE_TIMEOUT must be a whole number of seconds/)
    assert.throws(() => resolveConfig({}, { HEARTH_HEADERS_TIMEOUT: '700' }), /must not be longer than HEARTH_REQUEST_TIMEOUT/)
  })
})
