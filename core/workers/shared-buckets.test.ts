// Rate-limit windows in shared memory: limiters on the same memory (as threads are) count against one number, keep
// it in the table, forget by prefix whatever limiter counted, and stay bounded when the table is full.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Worker } from 'node:worker_threads'
import { openStore, type Store } from '../db/connect.js'
import { CORE_MIGRATIONS, migrateOwner } from '../db/migrate.js'
import { RateLimiter } from '../auth/rate-limit.js'
import { SharedBuckets, sharedBucketsMemory } from './shared-buckets.js'

describe('shared rate-limit windows', () => {
  let dir: string
  let store: Store
  let now = 1_800_000_000_000
  const clock = () => now
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-shared-limits-'))
    store = openStore(join(dir, 'hearth.db'))
    await migrateOwner(store.db, 'core', CORE_MIGRATIONS)
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('counts two limiters’ hits against one limit, writes them once, and forgets a prefix for both', () => {
    const memory = sharedBucketsMemory(64)
    const a = new RateLimiter({ sqlite: store.sqlite, clock, buckets: new SharedBuckets(memory) })
    const b = new RateLimiter({ sqlite: store.sqlite, clock, buckets: new SharedBuckets(memory) })
    a.hit('login:user:1', 3, 60)
    b.hit('login:user:1', 3, 60)
    a.hit('login:user:1', 3, 60)
    assert.throws(() => b.hit('login:user:1', 3, 60), /Too many attempts/)
    a.flush()
    b.flush()
    const stored = () => store.sqlite.prepare("select count from rate_limits where key = 'login:user:1'").pluck().get()
    assert.equal(stored(), 3, 'each hit is written once, whichever limiter flushes')
    b.forget('login:')
    assert.equal(a.blockedFor('login:user:1', 3), 0, 'forgotten for the other limiter too')
    assert.equal(stored(), undefined)
    a.close()
    b.close()
  })

  it('keeps long keys apart and stays bounded: a full neighbourhood gives up the window ending soonest', () => {
    const limiter = new RateLimiter({ clock, buckets: new SharedBuckets(sharedBucketsMemory(8)) })
    const long = (n: number) => `requests:ip:${'x'.repeat(200)}:${n}`
    limiter.hit(long(1), 1, 60)
    assert.equal(limiter.blockedFor(long(2), 1), 0, 'two long keys sharing their start are different keys')
    assert.ok(limiter.blockedFor(long(1), 1) > 0)
    // Eight slots: ten keys, the first with the shortest window; it is the one given up.
    limiter.hit('k:0', 1, 1)
    for (let i = 1; i < 10; i++) limiter.hit(`k:${i}`, 1, 600)
    assert.equal(limiter.blockedFor('k:0', 1), 0)
    assert.ok(limiter.blockedFor('k:9', 1) > 0)
  })

  it('never lets two threads both take the last hit', async () => {
    const memory = sharedBucketsMemory(1024)
    // Four threads, started together, each try 500 hits on one key limited to 1,000.
    const gate = new SharedArrayBuffer(4)
    const script = new URL('./shared-buckets.race.js', import.meta.url)
    const counts = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<number>((resolve, reject) => {
            const w = new Worker(script, { workerData: { memory, gate, threads: 4 } })
            w.once('message', resolve)
            w.once('error', reject)
          }),
      ),
    )
    assert.equal(counts.reduce((s, n) => s + n, 0), 1000)
  })
})
