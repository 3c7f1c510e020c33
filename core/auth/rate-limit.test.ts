// The limiter keeps its counts in SQLite: another limiter on the same database (a restart) sees them.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openStore, type Store } from '../db/connect.js'
import { CORE_MIGRATIONS, migrateOwner } from '../db/migrate.js'
import { RateLimiter } from './rate-limit.js'

describe('rate limiter', () => {
  let dir: string
  let store: Store
  let now = 1_800_000_000_000
  const clock = () => now
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-limits-'))
    store = openStore(join(dir, 'hearth.db'))
    await migrateOwner(store.db, 'core', CORE_MIGRATIONS)
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a key over its limit in a new limiter on the same database, until the window ends', () => {
    const first = new RateLimiter({ sqlite: store.sqlite, clock })
    for (let i = 0; i < 3; i++) first.hit('next:user:1', 3, 60)
    assert.throws(() => first.hit('next:user:1', 3, 60), /Too many attempts\. Try again in 60 s/)
    first.close()
    const second = new RateLimiter({ sqlite: store.sqlite, clock })
    now += 30_000
    assert.throws(() => second.hit('next:user:1', 3, 60), /Try again in 30 s/)
    assert.doesNotThrow(() => second.hit('next:user:2', 3, 60), 'other owners are not affected')
    now += 30_000
    assert.doesNotThrow(() => second.hit('next:user:1', 3, 60), 'a new window starts afresh')
    second.close()
  })

  it('writes hits in batches, adds them to what another limiter stored, and forgets a reset key everywhere', () => {
    const a = new RateLimiter({ sqlite: store.sqlite, clock, flushMs: 60_000 })
    const b = new RateLimiter({ sqlite: store.sqlite, clock, flushMs: 60_000 })
    a.hit('login:user:5', 10, 900)
    b.hit('login:user:5', 10, 900)
    const stored = () => store.sqlite.prepare("select count from rate_limits where key = 'login:user:5'").pluck().get()
    assert.equal(stored(), undefined, 'nothing is written per hit')
    a.flush()
    b.flush()
    assert.equal(stored(), 2)
    a.release('login:user:5')
    a.flush()
    assert.equal(stored(), 1, 'a released hit is given back')
    b.reset('login:user:5')
    assert.equal(stored(), undefined)
    assert.equal(new RateLimiter({ sqlite: store.sqlite, clock }).blockedFor('login:user:5', 1), 0)
  })

  it('forgets every key under a prefix', () => {
    const l = new RateLimiter({ sqlite: store.sqlite, clock })
    l.hit('random-chat:start:user:1', 1, 60)
    l.hit('random-chat:next:user:1', 1, 60)
    l.hit('post:user:1', 1, 60)
    l.close()
    l.forget('random-chat:')
    const fresh = new RateLimiter({ sqlite: store.sqlite, clock })
    assert.equal(fresh.blockedFor('random-chat:start:user:1', 1), 0)
    assert.equal(l.blockedFor('random-chat:next:user:1', 1), 0)
    assert.ok(fresh.blockedFor('post:user:1', 1) > 0)
  })
})
