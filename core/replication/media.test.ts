// Media on replicas: a primary and a replica on loopback (core/replication/loopback.ts), the replica's media folder its
// own. Between them a counting proxy stands for the network, so the tests see every request the replica makes to the
// primary. What this cannot prove: FUSE, LiteFS's own streaming and lease handoff (LiteFS cannot be installed here).
import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { Hono } from 'hono'
import sharp from 'sharp'
import type { AppEnv } from '../http/env.js'
import { tempDir } from '../../test/harness.js'
import { replication } from '../../cli/doctor/checks/replication.js'
import { resolveConfig } from '../config.js'
import { parseVariants } from '../media/service.js'
import { replicationConfig } from '../config.js'
import { bootNode, callNode, loopbackNode, pos, replicateTo, until, type LoopbackNode } from '../../test/litefs.js'
import { MEDIA_SOURCE_PATH, NODE_HEADER } from './media.js'
import { sign } from './routing.js'

describe('media and backups on replicas (a primary and a replica on loopback)', () => {
  const root = tempDir('hearth-litefs-media-')
  let a: LoopbackNode
  let b: LoopbackNode
  let proxy: Server
  let txid = 1
  /** The paths of the requests the replica sent to the primary. */
  const seen: string[] = []
  const members: Record<string, { id: number; token: string }> = {}
  const fetchesOf = (rel: string) => seen.filter((p) => p === `${MEDIA_SOURCE_PATH}${rel}`).length

  async function replicate(): Promise<void> {
    txid++
    writeFileSync(join(a.mount, 'hearth.db-pos'), pos(txid))
    await replicateTo(a, b, txid)
  }

  async function register(username: string): Promise<void> {
    const res = await callNode(b, 'POST', '/api/v1/users/register', { json: { username, email: `${username}@example.org`, password: 'correct horse battery', accept_terms: true } })
    const body = await res.json()
    assert.equal(res.status, 201, JSON.stringify(body))
    members[username] = { id: body.data.user.id, token: body.data.token }
  }

  /** A photo uploaded through the replica (forwarded to the primary) and processed there; its id. */
  async function photo(owner: string, color: [number, number, number]): Promise<number> {
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: color[0], g: color[1], b: color[2] } } }).jpeg().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg')
    const res = await callNode(b, 'POST', '/api/v1/media', { token: members[owner]!.token, body: form })
    const body = await res.json()
    assert.equal(res.status, 201, JSON.stringify(body))
    const id = body.data.id as number
    // Processing is a job, and jobs run on the primary only.
    await until(async () => (await a.h.media.get(id))?.status === 'ready', `media ${id} processed on the primary`)
    return id
  }

  /** Where a variant's file lives, relative to the media folder (the same on every node). */
  async function relOf(id: number, variant: string): Promise<string> {
    return parseVariants((await a.h.media.get(id))!.variants)[variant as '640']!
  }

  before(async () => {
    a = loopbackNode(root, 'node-a')
    b = loopbackNode(root, 'node-b')
    await bootNode(a, root, 'node-a', {})
    writeFileSync(join(a.mount, 'hearth.db-pos'), pos(txid))
    writeFileSync(join(b.mount, '.primary'), 'node-a\n')
    await replicateTo(a, b, txid)
    // The replica reaches the primary through this proxy, which notes each request.
    const target = new URL(a.url)
    proxy = createServer((req, res) => {
      seen.push(req.url ?? '')
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      })
      up.on('error', () => res.destroy())
      req.pipe(up)
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    await bootNode(b, root, 'node-b', { HEARTH_PRIMARY_URLS: `node-a=http://127.0.0.1:${(proxy.address() as AddressInfo).port}` })
    await register('ana')
    await register('bob')
    await replicate()
  })
  after(async () => {
    await b?.server.close()
    await a?.server.close()
    proxy?.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('serves a photo posted through the replica from the replica, fetched from the primary once', async () => {
    const id = await photo('ana', [200, 40, 40])
    const post = await callNode(b, 'POST', '/api/v1/posts', { token: members.ana!.token, json: { text: 'a red square', visibility: 'public', media_ids: [id] } })
    assert.equal(post.status, 201)
    await replicate()
    const rel = await relOf(id, '640')
    assert.equal(existsSync(join(b.h.config.mediaDir, rel)), false, 'the replica has no file until asked')
    const first = await callNode(b, 'GET', `/media/${id}/640`)
    assert.equal(first.status, 200)
    const bytes = Buffer.from(await first.arrayBuffer())
    assert.deepEqual(bytes, readFileSync(join(a.h.config.mediaDir, rel)), 'the primary’s processed file, byte for byte')
    assert.equal(first.headers.get('content-type'), 'image/webp')
    assert.equal(fetchesOf(rel), 1)
    assert.deepEqual(readFileSync(join(b.h.config.mediaDir, rel)), bytes, 'kept on the replica')
    // Kept with the primary's time, so both nodes give one ETag and a browser's copy stays good on either.
    const fromA = await callNode(a, 'GET', `/media/${id}/640`)
    assert.equal(first.headers.get('etag'), fromA.headers.get('etag'))
    await fromA.body?.cancel()
    const again = await callNode(b, 'GET', `/media/${id}/640`, { headers: { range: 'bytes=0-9' } })
    assert.equal(again.status, 206)
    assert.equal((await again.arrayBuffer()).byteLength, 10)
    assert.equal(fetchesOf(rel), 1, 'served from the replica’s own copy afterwards')
  })

  it('answers a range of a file it lacks from the primary at once, and copies the whole file meanwhile', async () => {
    const id = await photo('ana', [30, 160, 90])
    assert.equal((await callNode(b, 'POST', '/api/v1/posts', { token: members.ana!.token, json: { text: 'a green square', visibility: 'public', media_ids: [id] } })).status, 201)
    await replicate()
    const rel = await relOf(id, '1080')
    const whole = readFileSync(join(a.h.config.mediaDir, rel))
    assert.equal(existsSync(join(b.h.config.mediaDir, rel)), false)
    // A player seeking in a video sends a range: answered from the primary's copy, not after the whole copy.
    const part = await callNode(b, 'GET', `/media/${id}/1080`, { headers: { range: 'bytes=5-14' } })
    assert.equal(part.status, 206)
    assert.equal(part.headers.get('content-range'), `bytes 5-14/${whole.length}`)
    assert.equal(part.headers.get('content-type'), 'image/webp')
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), whole.subarray(5, 15))
    // The whole file arrives in the background, once, and serves the next requests from the replica.
    await until(async () => existsSync(join(b.h.config.mediaDir, rel)), 'the whole file copied to the replica')
    assert.deepEqual(readFileSync(join(b.h.config.mediaDir, rel)), whole)
    assert.equal(fetchesOf(rel), 2, 'the range, and one whole copy')
    const next = await callNode(b, 'GET', `/media/${id}/1080`, { headers: { range: 'bytes=0-3' } })
    assert.equal(next.status, 206)
    assert.deepEqual(Buffer.from(await next.arrayBuffer()), whole.subarray(0, 4))
    assert.equal(fetchesOf(rel), 2, 'served from the copy')
  })

  it('fetches a file once for requests that ask for it at the same time', async () => {
    const id = (await b.h.db.selectFrom('media').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id
    const rel = await relOf(id, '320')
    const all = await Promise.all([1, 2, 3, 4].map(() => callNode(b, 'GET', `/media/${id}/320`)))
    assert.deepEqual(all.map((r) => r.status), [200, 200, 200, 200])
    const bodies = await Promise.all(all.map(async (r) => Buffer.from(await r.arrayBuffer())))
    for (const body of bodies) assert.deepEqual(body, readFileSync(join(a.h.config.mediaDir, rel)))
    assert.equal(fetchesOf(rel), 1)
  })

  it('keeps a private photo 404 on the replica for a stranger, and asks the primary nothing for them', async () => {
    const id = await photo('ana', [40, 40, 200])
    assert.equal((await callNode(b, 'POST', '/api/v1/posts', { token: members.ana!.token, json: { text: 'just for me', visibility: 'only_me', media_ids: [id] } })).status, 201)
    await replicate()
    const rel = await relOf(id, '640')
    for (const token of [members.bob!.token, undefined]) {
      const res = await callNode(b, 'GET', `/media/${id}/640`, { token })
      assert.equal(res.status, 404)
      assert.equal((await res.text()).includes('does not exist'), true)
      assert.equal((await callNode(b, 'GET', `/api/v1/media/${id}`, { token })).status, 404)
    }
    // Exactly as a media id that was never used.
    assert.equal((await callNode(b, 'GET', `/media/999999/640`, { token: members.bob!.token })).status, 404)
    assert.equal(fetchesOf(rel), 0, 'the access check ran on the replica, before any fetch')
    assert.equal(existsSync(join(b.h.config.mediaDir, rel)), false)
    const own = await callNode(b, 'GET', `/media/${id}/640`, { token: members.ana!.token })
    assert.equal(own.status, 200, 'its owner sees it')
    await own.body?.cancel()
    assert.equal(fetchesOf(rel), 1)
  })

  it('sends a one-time grant the primary gave to the primary, and honours one the replica gave itself', async () => {
    const id = (await b.h.db.selectFrom('media').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id
    const viaPrimary = a.h.media.grant((await a.h.media.get(id))!, members.bob!.id, 60).urls['1080']!
    const once = await callNode(b, 'GET', viaPrimary, { token: members.bob!.token })
    assert.equal(once.status, 200, 'answered by the primary, which holds the grant')
    await once.body?.cancel()
    assert.equal(seen.filter((p) => p.startsWith(`/media/${id}/1080?grant=`)).length, 1)
    assert.equal((await callNode(b, 'GET', viaPrimary, { token: members.bob!.token })).status, 404, 'used up')
    const viaReplica = b.h.media.grant((await b.h.media.get(id))!, members.bob!.id, 60).urls['150']!
    const local = await callNode(b, 'GET', viaReplica, { token: members.bob!.token })
    assert.equal(local.status, 200)
    await local.body?.cancel()
    assert.equal(seen.filter((p) => p.startsWith(`/media/${id}/150?grant=`)).length, 0, 'the replica’s own grant is honoured here')
  })

  it('answers 503 for a file it may show but cannot fetch, and fetches nothing with shared storage', async () => {
    const id = (await b.h.db.selectFrom('media').select('id').orderBy('id', 'asc').executeTakeFirstOrThrow()).id
    const rel = await relOf(id, '150')
    writeFileSync(join(b.mount, '.primary'), 'node-z\n')
    await b.h.replication.refresh()
    const lost = await callNode(b, 'GET', `/media/${id}/150`)
    assert.equal(lost.status, 503)
    assert.equal(lost.headers.get('retry-after'), '2')
    await lost.body?.cancel()
    writeFileSync(join(b.mount, '.primary'), 'node-a\n')
    await b.h.replication.refresh()
    b.h.replication.config.mediaShared = true
    try {
      assert.equal((await callNode(b, 'GET', `/media/${id}/150`)).status, 404, 'shared storage: a file that is not there is missing')
      assert.equal(fetchesOf(rel), 0)
      assert.equal((await (await callNode(b, 'GET', '/healthz')).json()).replication.media, 'shared')
    } finally {
      b.h.replication.config.mediaShared = false
    }
    assert.equal((await (await callNode(b, 'GET', '/healthz')).json()).replication.media, 'fetched')
    assert.throws(() => replicationConfig({ HEARTH_MEDIA_SHARED: 'yes' }), /HEARTH_MEDIA_SHARED must be 1 or 0/)
    const doctor = (env: Record<string, string>) => replication.run(resolveConfig({ dataDir: join(root, 'doctor') }, { HEARTH_LITEFS_DIR: b.mount, HEARTH_PRIMARY_URLS: `node-a=${a.url}`, ...env }))
    assert.match((await doctor({})).message, /; media fetched from the primary on first use$/)
    assert.match((await doctor({ HEARTH_MEDIA_SHARED: '1' })).message, /; media on shared storage$/)
  })

  it('removes its copies of a photo deleted on the primary', async () => {
    const id = await photo('bob', [40, 200, 40])
    await replicate()
    const res = await callNode(b, 'GET', `/media/${id}/640`, { token: members.bob!.token })
    assert.equal(res.status, 200)
    await res.body?.cancel()
    const rel = await relOf(id, '640')
    const others = (await b.h.db.selectFrom('media').select('id').where('id', '!=', id).orderBy('id').execute()).map((r) => r.id)
    assert.equal(await b.h.replicaMedia.sweep(), 0, 'nothing deleted yet')
    await a.h.media.remove(id)
    await replicate()
    assert.equal(existsSync(join(b.h.config.mediaDir, rel)), true)
    assert.equal(await b.h.replicaMedia.sweep(), 1)
    assert.equal(existsSync(join(b.h.config.mediaDir, rel)), false)
    for (const other of others) assert.ok(await b.h.media.get(other))
    const first = await callNode(b, 'GET', `/media/${others[0]}/640`)
    assert.equal(first.status, 200, 'other photos’ copies stay')
    await first.body?.cancel()
  })

  it('makes backups on the primary from the database in the mount; a replica’s admin sees the primary’s', async () => {
    const made = await a.h.backups.run(null)
    assert.ok(made.bytes > 0)
    a.h.store.sqlite.prepare("update users set role = 'admin' where username = 'ana'").run()
    await replicate()
    const list = await callNode(b, 'GET', '/api/v1/admin/backups', { token: members.ana!.token })
    const body = await list.json()
    assert.equal(list.status, 200, JSON.stringify(body))
    assert.deepEqual(body.data.backups.map((x: { name: string }) => x.name), [made.name], 'the list is the primary’s (the replica has none)')
    assert.ok(seen.includes('/api/v1/admin/backups'))
    const file = await callNode(b, 'GET', `/api/v1/admin/backups/${made.name}`, { token: members.ana!.token })
    assert.equal(file.status, 200)
    assert.equal((await file.arrayBuffer()).byteLength, made.bytes)
  })

  it('sends a member’s download of their data export, built by the primary’s job, to the primary', async () => {
    const asked = await callNode(b, 'POST', '/api/v1/users/me/export', { token: members.bob!.token })
    assert.equal(asked.status, 201, await asked.text())
    await until(async () => (await a.h.account.latestExport(members.bob!.id))?.status === 'ready', 'the export built on the primary')
    await replicate()
    const id = (await b.h.account.latestExport(members.bob!.id))!.id
    const zip = await callNode(b, 'GET', `/api/v1/users/me/export/${id}/download`, { token: members.bob!.token })
    assert.equal(zip.status, 200)
    assert.equal(Buffer.from(await zip.arrayBuffer()).subarray(0, 2).toString(), 'PK')
    assert.ok(seen.includes(`/api/v1/users/me/export/${id}/download`))
    const before = seen.length
    assert.equal((await callNode(b, 'GET', `/api/v1/users/me/export/${id}/download`, { token: members.ana!.token })).status, 404, 'someone else’s: 404 from the replica')
    assert.equal(seen.length, before, 'decided on the replica, nothing forwarded')
  })

  it('answers the internal endpoint only for signed requests from a node', async () => {
    const id = (await a.h.db.selectFrom('media').select('id').orderBy('id', 'asc').executeTakeFirstOrThrow()).id
    const rel = await relOf(id, '640')
    const secret = await a.h.settings.secret()
    const ask = (path: string, header?: string) => callNode(a, 'GET', `${MEDIA_SOURCE_PATH}${path}`, { headers: header ? { [NODE_HEADER]: header } : {} })
    const now = String(Date.now())
    assert.equal((await ask(rel)).status, 403, 'unsigned')
    assert.equal((await ask(rel, `node-x ${now} ${sign('not the secret', `media ${rel} ${now}`)}`)).status, 403, 'signed with another key')
    assert.equal((await ask(rel, `node-x ${now} ${sign(secret, `media other/file.webp ${now}`)}`)).status, 403, 'signed for another file')
    const old = String(Date.now() - 5 * 60_000)
    assert.equal((await ask(rel, `node-x ${old} ${sign(secret, `media ${rel} ${old}`)}`)).status, 403, 'signed too long ago')
    const ok = await ask(rel, `node-x ${now} ${sign(secret, `media ${rel} ${now}`)}`)
    assert.equal(ok.status, 200)
    assert.deepEqual(Buffer.from(await ok.arrayBuffer()), readFileSync(join(a.h.config.mediaDir, rel)))
    // Nothing outside the media folder, signed or not.
    const out = '..%2Fhearth.db'
    assert.equal((await ask(out, `node-x ${now} ${sign(secret, `media ../hearth.db ${now}`)}`)).status, 404)
    unlinkSync(join(a.h.config.mediaDir, rel))
    assert.equal((await ask(rel, `node-x ${now} ${sign(secret, `media ${rel} ${now}`)}`)).status, 404)
  })
  it('fetches a plugin’s private file (a message’s attachment) for the plugin’s route on the replica', async () => {
    const { key, size } = await a.h.media.files('messages').receive(Readable.from([Buffer.from('a voice note, say')]), { maxBytes: 1024, ext: 'bin' })
    // The plugin's own route, after its own access check, sends the file with `ctx.core.files.send`.
    const route = new Hono<AppEnv>().get('/file/:key', async (c) => (await b.h.media.files('messages').send(c, c.req.param('key'), { contentType: 'application/octet-stream' })) ?? c.text('missing', 404))
    const res = await route.request(`/file/${key}`)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'a voice note, say')
    assert.equal(seen.filter((p) => p.startsWith(`${MEDIA_SOURCE_PATH}files/messages/`)).length, 1)
    assert.equal((await stat(b.h.media.files('messages').path(key))).size, size, 'kept on the replica')
  })

  it('lets a primary that lacks a file (the lease moved to it) fetch it from another node that has it', async () => {
    // The last test removed this file from the primary's folder; the replica kept its copy.
    const id = (await a.h.db.selectFrom('media').select('id').orderBy('id', 'asc').executeTakeFirstOrThrow()).id
    const rel = await relOf(id, '640')
    assert.equal(existsSync(join(a.h.config.mediaDir, rel)), false)
    assert.equal((await callNode(a, 'GET', `/media/${id}/640`)).status, 404, 'no other node named: missing')
    a.h.replication.config.primaryUrls.set('node-b', b.url)
    try {
      const res = await callNode(a, 'GET', `/media/${id}/640`)
      assert.equal(res.status, 200)
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(join(b.h.config.mediaDir, rel)))
      assert.equal(existsSync(join(a.h.config.mediaDir, rel)), true)
    } finally {
      a.h.replication.config.primaryUrls.delete('node-b')
    }
  })
})
