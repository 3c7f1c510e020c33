// The store: pragmas, migrations from empty, and one migration table per owner.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { tempDir } from '../../test/harness.js'
import SQLite from 'better-sqlite3'
import { cachingDatabase, openStore } from './connect.js'
import { CORE_MIGRATIONS, migrateOwner, migrationStatus } from './migrate.js'

describe('database', () => {
  const dir = tempDir()
  const store = openStore(join(dir, 'hearth.db'))
  after(() => store.close())

  it('opens with WAL, foreign keys, a busy timeout and synchronous=NORMAL', () => {
    assert.equal(store.sqlite.pragma('journal_mode', { simple: true }), 'wal')
    assert.equal(store.sqlite.pragma('foreign_keys', { simple: true }), 1)
    assert.equal(store.sqlite.pragma('busy_timeout', { simple: true }), 5000)
    assert.equal(store.sqlite.pragma('synchronous', { simple: true }), 1)
    const plain = new SQLite(':memory:')
    assert.equal(store.sqlite.pragma('cache_size', { simple: true }), plain.pragma('cache_size', { simple: true }), 'SQLite’s default unless a cache is asked for')
    plain.close()
    const cached = openStore(join(dir, 'cached.db'), { cacheMb: 64 })
    assert.equal(cached.sqlite.pragma('cache_size', { simple: true }), -64 * 1024)
    void cached.close()
  })

  it('migrates core from an empty database and reports the status', async () => {
    const before = await migrationStatus(store.db, 'core', CORE_MIGRATIONS)
    assert.ok(before.length > 0 && before.every((m) => m.executedAt === null))
    const applied = await migrateOwner(store.db, 'core', CORE_MIGRATIONS)
    assert.deepEqual(applied, before.map((m) => m.name))
    const afterStatus = await migrationStatus(store.db, 'core', CORE_MIGRATIONS)
    assert.ok(afterStatus.every((m) => m.executedAt !== null))
    assert.deepEqual(await migrateOwner(store.db, 'core', CORE_MIGRATIONS), [], 'a second run applies nothing')
    const tables = store.sqlite.prepare("select name from sqlite_master where type='table'").all().map((r: any) => r.name)
    for (const t of ['users', 'sessions', 'settings', 'plugins', 'audit_log', 'hearth_migrations']) assert.ok(tables.includes(t), `${t} exists`)
  })

  it('tracks a plugin’s migrations in its own table, and names a failing migration', async () => {
    const folder = join(dir, 'plugin-migrations')
    mkdirSync(folder)
    writeFileSync(join(folder, '2026_11_21_1000_one.ts'), "export async function up(db) { await db.schema.createTable('demo_things').addColumn('id', 'integer').execute() }\n")
    assert.deepEqual(await migrateOwner(store.db, 'demo', folder), ['2026_11_21_1000_one'])
    const rows = store.sqlite.prepare('select name from hearth_migrations_demo').all()
    assert.deepEqual(rows, [{ name: '2026_11_21_1000_one' }])
    writeFileSync(join(folder, '2026_11_21_1100_broken.ts'), "export async function up(db) { await db.schema.createTable('demo_things').addColumn('id', 'integer').execute() }\n")
    await assert.rejects(migrateOwner(store.db, 'demo', folder), /Migration "2026_11_21_1100_broken" of demo failed: .*already exists/)
    assert.equal((store.sqlite.prepare('select count(*) n from hearth_migrations').get() as { n: number }).n, (await migrationStatus(store.db, 'core', CORE_MIGRATIONS)).length, 'core’s table is untouched')
  })

  it('enforces foreign keys', async () => {
    assert.throws(() => store.sqlite.prepare("insert into sessions (id, user_id, kind, last_seen_at, expires_at) values ('x', 999, 'web', '', '')").run(), /FOREIGN KEY/)
  })

  it('keeps statements prepared by SQL text, and prepares a fresh one while the kept one is iterating', () => {
    const sqlite = new SQLite(':memory:')
    const cached = cachingDatabase(sqlite, 2)
    const a = cached.prepare('select 1 as n union all select 2')
    assert.equal(cached.prepare('select 1 as n union all select 2'), a, 'the same SQL answers the same statement')
    const rows = a.iterate()
    rows.next()
    const during = cached.prepare('select 1 as n union all select 2')
    assert.notEqual(during, a, 'a busy statement is not shared')
    assert.deepEqual(during.all(), [{ n: 1 }, { n: 2 }])
    rows.return?.()
    assert.equal(cached.prepare('select 1 as n union all select 2'), a, 'the kept one again once it is done')
    cached.prepare('select 3')
    cached.prepare('select 4')
    assert.notEqual(cached.prepare('select 1 as n union all select 2'), a, 'the least recently used goes when the cache is full')
    cached.close()
    assert.equal(sqlite.open, false)
  })
})

describe('the checkpoint thread', () => {
  it('copies the WAL into the database off the writing thread, with a backstop while it runs', async () => {
    const { startCheckpointer, BACKSTOP_PAGES } = await import('./checkpointer.js')
    const { createLogger } = await import('../logger.js')
    const dir = tempDir()
    const file = join(dir, 'hearth.db')
    const store = openStore(file)
    try {
      store.sqlite.exec('create table t (x text)')
      const checkpointer = startCheckpointer(store.sqlite, file, createLogger({ level: 'silent' }), { intervalMs: 20 })
      assert.equal(store.sqlite.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES, 'commits leave checkpoints to the thread')
      const insert = store.sqlite.prepare('insert into t values (?)')
      for (let i = 0; i < 200; i++) insert.run('x'.repeat(4000)) // about 200 WAL pages, none checkpointed by a commit
      const seen = checkpointer.stats().checkpoints
      for (let i = 0; i < 200 && checkpointer.stats().checkpoints < seen + 2; i++) await new Promise((r) => setTimeout(r, 20))
      const stats = checkpointer.stats()
      assert.ok(stats.checkpoints >= seen + 2, 'the thread checkpoints on its own')
      assert.ok(stats.walPages >= 200, `the WAL it checkpointed holds the writes (${stats.walPages} pages)`)
      assert.equal(stats.lastError, null)
      // Its copy is in the database file: a second connection without the WAL's help would need it; here the
      // next write starts the WAL over from its beginning, which SQLite does only once every frame is copied.
      insert.run('after')
      assert.equal((store.sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log, 1, 'the WAL restarted: everything before was checkpointed')
      await checkpointer.stop()
      assert.equal(store.sqlite.pragma('wal_autocheckpoint', { simple: true }), 1000, 'stopped, commits checkpoint again')
    } finally {
      await store.close()
    }
  })
})

describe('transactions and other writers', () => {
  it('a Kysely transaction takes the write lock when it begins, so another connection’s commit cannot make its later write fail', async () => {
    const dir = tempDir()
    const file = join(dir, 'hearth.db')
    const store = openStore(file)
    const other = new SQLite(file)
    other.pragma('busy_timeout = 0')
    try {
      store.sqlite.exec('create table t (x integer)')
      await store.db.transaction().execute(async (trx) => {
        await trx.selectFrom('t' as any).selectAll().execute()
        // Deferred, the other connection would commit here and this transaction's write below would fail at once
        // with SQLITE_BUSY_SNAPSHOT; immediate, the other connection is the one that must wait.
        assert.throws(() => other.prepare('insert into t values (1)').run(), /database is locked/)
        await trx.insertInto('t' as any).values({ x: 2 }).execute()
      })
      assert.deepEqual(other.prepare('select x from t').pluck().all(), [2])
    } finally {
      other.close()
      await store.close()
    }
  })
})
