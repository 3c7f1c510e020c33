// Two real servers on loopback, a primary and a replica, each with a folder standing in for LiteFS's mount: the test
// writes `.primary` and `-pos` files there as LiteFS would, and copies the primary's database into the replica's with
// SQLite's backup API where LiteFS would stream it. What this cannot prove: FUSE, LiteFS's own streaming and its
// lease handoff, and Fly's replay (each needs LiteFS itself, which cannot be installed here).
import assert from 'node:assert/strict'
import { rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { resolveConfig } from '../config.js'
import { tempDir } from '../../test/harness.js'
import { replication } from '../../cli/doctor/checks/replication.js'
import { replicationConfig } from '../config.js'
import { readPosition, readRole } from './litefs.js'
import { bootNode, callNode, loopbackNode, pos, replicateTo, type CallInit, type LoopbackNode as Node } from '../../test/litefs.js'
import { healthzClaim } from './health.js'
import { NODE_HEADER } from './media.js'
import { READ_WAIT_MS, sign, TXID_COOKIE } from './routing.js'

describe('replicas with LiteFS (a primary and a replica on loopback)', () => {
  const root = tempDir('hearth-litefs-')
  let a: Node
  let b: Node
  let txid = 1
  let token = ''

  const node = (name: string) => loopbackNode(root, name)
  const boot = (n: Node, name: string, env: Record<string, string>) => bootNode(n, root, name, env)
  /** What LiteFS does after a write on the primary: the replica's copy brought up to date, both positions moved on. */
  const replicate = () => replicateTo(a, b, txid)
  /** The primary commits: its position moves on (the replica's does not until `replicate`). */
  function commit(): void {
    txid++
    writeFileSync(join(a.mount, 'hearth.db-pos'), pos(txid))
  }
  const call = (n: Node, method: string, path: string, init: CallInit = {}) => callNode(n, method, path, { token, ...init })

  before(async () => {
    a = node('node-a')
    b = node('node-b')
    await boot(a, 'node-a', {})
    writeFileSync(join(a.mount, 'hearth.db-pos'), pos(txid))
    writeFileSync(join(b.mount, '.primary'), 'node-a\n')
    await replicate()
    // The replica trusts its proxy's X-Forwarded-For, so a test can be a visitor from any address.
    await boot(b, 'node-b', { HEARTH_PRIMARY_URLS: `node-a=${a.url}`, HEARTH_TRUST_PROXY: '1' })
  })
  after(async () => {
    await b?.server.close()
    await a?.server.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('reads the role from .primary and the position from -pos, and says both in /healthz', async () => {
    assert.deepEqual(readRole(a.mount, true), { role: 'primary', primary: null })
    assert.deepEqual(readRole(a.mount, false), { role: 'unknown', primary: null }, 'a node that may not hold the lease cannot tell')
    assert.deepEqual(readRole(b.mount, true), { role: 'replica', primary: 'node-a' })
    assert.equal(readPosition(join(b.mount, 'hearth.db')), 1)
    const ha = await (await call(a, 'GET', '/healthz')).json()
    assert.equal(ha.role, 'primary')
    assert.deepEqual({ mode: ha.replication.mode, role: ha.replication.role, position: ha.replication.position, lag: ha.replication.lag }, { mode: 'litefs', role: 'primary', position: 1, lag: 0 })
    const hb = await (await call(b, 'GET', '/healthz')).json()
    assert.deepEqual({ mode: hb.replication.mode, role: hb.replication.role, primary: hb.replication.primary, position: hb.replication.position }, { mode: 'litefs', role: 'replica', primary: 'node-a', position: 1 })
    assert.equal(a.h.primary.isPrimary(), true)
    assert.equal(b.h.primary.isPrimary(), false, 'no jobs or schedules on the replica')
  })

  it('tells the public the role only, and the primary, positions and lag to this machine, the internal network and other nodes', async () => {
    const from = (ip: string, headers: Record<string, string> = {}) => call(b, 'GET', '/healthz', { headers: { 'x-forwarded-for': ip, ...headers } })
    const outside = await from('203.0.113.7')
    assert.equal(outside.status, 200)
    const text = await outside.text()
    assert.equal(JSON.parse(text).role, 'replica')
    assert.equal(JSON.parse(text).replication, undefined)
    assert.doesNotMatch(text, /node-a/, 'the primary’s hostname stays inside')
    for (const ip of ['127.0.0.1', '10.0.0.8', '192.168.1.20', 'fdaa:0:1::3', '::ffff:172.16.0.9']) {
      assert.equal((await (await from(ip)).json()).replication?.primary, 'node-a', `from ${ip}`)
    }
    // Another node of the cluster, from any address, signs with the instance secret (a replica asking for the lag).
    const secret = await b.h.settings.secret()
    assert.equal((await (await from('203.0.113.7', { [NODE_HEADER]: healthzClaim(secret, 'node-c') })).json()).replication?.primary, 'node-a')
    assert.equal((await (await from('203.0.113.7', { [NODE_HEADER]: healthzClaim('not the secret', 'node-c') })).json()).replication, undefined)
    const old = String(Date.now() - 5 * 60_000)
    assert.equal((await (await from('203.0.113.7', { [NODE_HEADER]: `node-c ${old} ${sign(secret, `healthz ${old}`)}` })).json()).replication, undefined, 'a captured claim goes stale')
    // The replica asks the primary for its position as a node: the claim it sends opens the details from anywhere.
    const asked: string[] = []
    const primary = createServer((req, res) => {
      asked.push(String(req.headers[NODE_HEADER] ?? ''))
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ role: 'primary', replication: { position: 42 } }))
    })
    await new Promise<void>((r) => primary.listen(0, '127.0.0.1', r))
    b.h.replication.config.primaryUrls.set('node-x', `http://127.0.0.1:${(primary.address() as AddressInfo).port}`)
    writeFileSync(join(b.mount, '.primary'), 'node-x\n')
    try {
      for (let i = 0; i < 5 && !asked.length; i++) await b.h.replication.refresh()
      assert.equal(b.h.replication.state().primaryPosition, 42)
      assert.match(asked[0]!, /^node-b \d+ \S+$/)
      assert.equal((await (await from('203.0.113.7', { [NODE_HEADER]: asked[0]! })).json()).replication?.primary, 'node-x')
    } finally {
      writeFileSync(join(b.mount, '.primary'), 'node-a\n')
      b.h.replication.config.primaryUrls.delete('node-x')
      await b.h.replication.refresh()
      primary.close()
    }
    assert.equal(replicationConfig({ HEARTH_HEALTHZ_PUBLIC: '1' }).healthzPublic, true)
    assert.throws(() => replicationConfig({ HEARTH_HEALTHZ_PUBLIC: 'yes' }), /HEARTH_HEALTHZ_PUBLIC must be 1 or 0/)
  })

  it('says the role, position and where writes go in `hearth doctor`', async () => {
    const check = (n: Node, env: Record<string, string> = {}) => replication.run(resolveConfig({ dataDir: join(root, 'doctor') }, { HEARTH_LITEFS_DIR: n.mount, HEARTH_NODE_NAME: 'x', ...env }))
    assert.match((await check(a)).message, /this node \(x\) is the primary, position 1/)
    assert.deepEqual(await check(b), { status: 'fail', message: `LiteFS at ${b.mount}: a replica of node-a, but HEARTH_PRIMARY_URLS has no address for it`, hint: 'Add node-a=http://its-internal-address:port to HEARTH_PRIMARY_URLS; until then writes answer 503.' })
    assert.match((await check(b, { HEARTH_PRIMARY_URLS: `node-a=${a.url}` })).message, new RegExp(`a replica of node-a, position 1; writes go to ${a.url}`))
    assert.equal((await check({ mount: join(root, 'nowhere') } as Node)).status, 'fail')
  })

  it('refuses a bad HEARTH_PRIMARY_URLS with one sentence', () => {
    assert.throws(() => replicationConfig({ HEARTH_PRIMARY_URLS: 'node-a' }), /HEARTH_PRIMARY_URLS takes host=http:\/\/address:port pairs/)
    assert.throws(() => replicationConfig({ HEARTH_LITEFS_CANDIDATE: 'yes' }), /HEARTH_LITEFS_CANDIDATE must be 1 or 0/)
  })

  it('forwards a write made on the replica to the primary, which stores it; the replica shows it once replicated', async () => {
    commit()
    const reg = await call(b, 'POST', '/api/v1/users/register', { json: { username: 'ana', email: 'ana@example.org', password: 'correct horse battery', accept_terms: true } })
    const body = await reg.json()
    assert.equal(reg.status, 201, JSON.stringify(body))
    token = body.data.token
    assert.equal(a.h.store.sqlite.prepare("select count(*) from users where username = 'ana'").pluck().get(), 1, 'stored on the primary')
    assert.equal(b.h.store.sqlite.prepare("select count(*) from users where username = 'ana'").pluck().get(), 0, 'not yet on the replica')
    await replicate()
    assert.equal(b.h.store.sqlite.prepare("select count(*) from users where username = 'ana'").pluck().get(), 1)
    const post = await call(b, 'POST', '/api/v1/posts', { json: { text: 'written through the replica', visibility: 'public' } })
    assert.equal(post.status, 201)
    assert.equal(a.h.store.sqlite.prepare("select count(*) from posts where text = 'written through the replica'").pluck().get(), 1)
  })

  it('holds a read on the replica until the member’s last write has arrived (read-your-writes)', async () => {
    commit()
    const res = await call(b, 'POST', '/api/v1/posts', { json: { text: 'read me back', visibility: 'public' } })
    assert.equal(res.status, 201)
    const id = (await res.json()).data.id as number
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${TXID_COOKIE}=`))
    assert.equal(cookie?.split(';')[0], `${TXID_COOKIE}=${txid}`, 'the primary says which position the write reached')
    // Replicated a moment later: the read waits for it and is answered by the replica.
    setTimeout(() => void replicate(), 300)
    const read = await call(b, 'GET', `/api/v1/posts/${id}`, { cookie: cookie!.split(';')[0] })
    assert.equal(read.status, 200)
    assert.equal((await read.json()).data.text, 'read me back')
    // Never replicated in time: the read goes to the primary rather than answer without the write.
    commit()
    const late = await call(b, 'POST', '/api/v1/posts', { json: { text: 'not here yet', visibility: 'public' } })
    const lateId = (await late.json()).data.id as number
    const lateCookie = late.headers.getSetCookie().find((c) => c.startsWith(`${TXID_COOKIE}=`))!.split(';')[0]
    const fromPrimary = await call(b, 'GET', `/api/v1/posts/${lateId}`, { cookie: lateCookie })
    assert.equal(fromPrimary.status, 200, `answered by the primary after ${READ_WAIT_MS} ms`)
    assert.equal((await call(b, 'GET', `/api/v1/posts/${lateId}`)).status, 404, 'without the cookie the replica answers from what it has')
    await replicate()
  })

  it('sends a read that turns out to write (a session seen again after a minute) to the primary, which writes it', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString()
    a.h.store.sqlite.prepare('update sessions set last_seen_at = ?').run(old)
    commit()
    await replicate()
    const res = await call(b, 'GET', '/api/v1/users/me')
    assert.equal(res.status, 200)
    assert.equal((await res.json()).data.username, 'ana')
    const seen = a.h.store.sqlite.prepare('select max(last_seen_at) from sessions').pluck().get() as string
    assert.ok(seen > old, 'the primary recorded the visit')
  })

  it('never forwards a forwarded request again (the loop guard)', async () => {
    const res = await call(b, 'POST', '/api/v1/posts', { json: { text: 'loop' }, headers: { 'x-hearth-forwarded': 'node-c' } })
    assert.equal(res.status, 503)
    assert.equal((await res.json()).error.code, 'PRIMARY_UNAVAILABLE')
  })

  it('answers a write with 503 and Retry-After when the primary is unknown', async () => {
    writeFileSync(join(b.mount, '.primary'), 'node-z\n')
    await b.h.replication.refresh()
    const res = await call(b, 'POST', '/api/v1/posts', { json: { text: 'nowhere', visibility: 'public' } })
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '2')
    assert.match((await res.json()).error.message, /cannot be reached/)
    assert.equal((await call(b, 'GET', '/healthz')).status, 200, 'reads still answer')
    writeFileSync(join(b.mount, '.primary'), 'node-a\n')
    await b.h.replication.refresh()
  })

  it('moves the primary-only work with the lease: the old primary stops it, the new one starts it and writes', async (t) => {
    const runs = { a: false, b: false }
    const leaveA = a.h.primary.onPrimary('test work', () => void (runs.a = true), () => void (runs.a = false))
    const leaveB = b.h.primary.onPrimary('test work', () => void (runs.b = true), () => void (runs.b = false))
    assert.deepEqual(runs, { a: true, b: false })
    // The lease moves to node-b.
    writeFileSync(join(a.mount, '.primary'), 'node-b\n')
    unlinkSync(join(b.mount, '.primary'))
    await a.h.replication.refresh()
    await b.h.replication.refresh()
    assert.deepEqual(runs, { a: false, b: true })
    assert.equal((await (await call(b, 'GET', '/healthz')).json()).role, 'primary')
    const local = await call(b, 'POST', '/api/v1/posts', { json: { text: 'written on the new primary', visibility: 'public' } })
    assert.equal(local.status, 201)
    assert.equal(b.h.store.sqlite.prepare("select count(*) from posts where text = 'written on the new primary'").pluck().get(), 1)
    // The old primary refuses to write itself now (LiteFS would too) and has no URL for node-b: 503.
    assert.throws(() => a.h.store.sqlite.prepare("insert into settings (key, value) values ('x', '1')").run(), /readonly/)
    assert.equal((await call(a, 'POST', '/api/v1/posts', { json: { text: 'old primary' } })).status, 503)
    await leaveA()
    await leaveB()
    t.diagnostic('not proven here (LiteFS cannot be installed): FUSE, LiteFS’s streaming and lease handoff, Fly’s replay')
  })
})
