// Backups: a live database and media into one archive and back, keeping what a restore replaces.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { tempDir } from '../test/harness.js'
import { createBackup, restoreBackup } from './backup.js'
import { openStore } from './db/connect.js'

describe('backup and restore', () => {
  it('copies a database that is open and mid-write, with media, and restores it keeping the old files and their WAL', async () => {
    const live = tempDir()
    const store = openStore(join(live, 'hearth.db'))
    store.sqlite.exec('create table notes (body text)')
    store.sqlite.prepare('insert into notes values (?)').run('before backup')
    mkdirSync(join(live, 'media/ab'), { recursive: true })
    writeFileSync(join(live, 'media/ab/photo.webp'), 'pixels')
    const archive = join(tempDir(), 'nested/backup.tar.gz')
    const made = await createBackup({ dataDir: live, dbFile: join(live, 'hearth.db') }, archive, '9.9.9')
    assert.equal(made.media, true)
    assert.ok(made.bytes > 0)
    store.sqlite.prepare('insert into notes values (?)').run('after backup')

    // Restore over a data directory whose database still has an open WAL.
    const target = tempDir()
    const other = openStore(join(target, 'hearth.db'))
    other.sqlite.pragma('wal_autocheckpoint = 0')
    other.sqlite.exec("create table old (x text); insert into old values ('only in the WAL')")
    assert.ok(existsSync(join(target, 'hearth.db-wal')))
    const { manifest, keptAs } = await restoreBackup(archive, target)
    await other.close()
    assert.equal(manifest.hearth_version, '9.9.9')
    const restored = openStore(join(target, 'hearth.db'))
    assert.deepEqual(restored.sqlite.prepare('select body from notes').all(), [{ body: 'before backup' }])
    await restored.close()
    assert.equal(readFileSync(join(target, 'media/ab/photo.webp'), 'utf8'), 'pixels')
    assert.ok(keptAs.some((k) => k.endsWith('-wal')), 'the WAL is kept with its database')
    const oldStore = openStore(keptAs.find((k) => /hearth\.db\.before-restore-[\dT-]+Z$/.test(k))!)
    assert.deepEqual(oldStore.sqlite.prepare('select x from old').all(), [{ x: 'only in the WAL' }], 'nothing committed is lost')
    await oldStore.close()
    await store.close()
    assert.ok(!readdirSync(live).some((f) => f.startsWith('.backup-')), 'no staging folder is left behind')
  })

  it('writes archives readable by their owner only, and a restore without media leaves no stale media', async () => {
    const live = tempDir()
    const store = openStore(join(live, 'hearth.db'))
    store.sqlite.exec('create table t (x)')
    await store.close()
    const archive = join(tempDir(), 'b.tar.gz')
    assert.equal((await createBackup({ dataDir: live, dbFile: join(live, 'hearth.db') }, archive, '1')).media, false)
    assert.equal(statSync(archive).mode & 0o777, 0o600)
    const target = tempDir()
    mkdirSync(join(target, 'media'))
    writeFileSync(join(target, 'media/old.webp'), 'old')
    const { keptAs } = await restoreBackup(archive, target)
    assert.deepEqual(readdirSync(join(target, 'media')), [])
    assert.ok(keptAs.some((k) => /media\.before-restore-/.test(k)))
  })

  it('backs up the database where the config says it is (LiteFS’s mount), with the data folder’s media', async () => {
    const data = tempDir()
    const mount = tempDir()
    const store = openStore(join(mount, 'hearth.db'))
    store.sqlite.exec("create table notes (body text); insert into notes values ('in the mount')")
    mkdirSync(join(data, 'media/cd'), { recursive: true })
    writeFileSync(join(data, 'media/cd/clip.mp4'), 'frames')
    const archive = join(tempDir(), 'b.tar.gz')
    assert.equal((await createBackup({ dataDir: data, dbFile: join(mount, 'hearth.db') }, archive, '1')).media, true)
    await store.close()
    assert.deepEqual(readdirSync(mount).filter((n) => !n.startsWith('hearth.db')), [], 'nothing staged in the mount')
    const target = tempDir()
    await restoreBackup(archive, target)
    const restored = openStore(join(target, 'hearth.db'))
    assert.deepEqual(restored.sqlite.prepare('select body from notes').all(), [{ body: 'in the mount' }])
    await restored.close()
    assert.equal(readFileSync(join(target, 'media/cd/clip.mp4'), 'utf8'), 'frames')
    await assert.rejects(createBackup({ dataDir: data, dbFile: join(data, 'hearth.db') }, archive, '1'), /There is no database at .*hearth\.db to back up/)
  })

  it('refuses a file that is not a backup, changing nothing', async () => {
    const target = tempDir()
    const junk = join(target, 'junk.tar.gz')
    writeFileSync(junk, 'not an archive')
    await assert.rejects(restoreBackup(junk, target), /is not a Hearth backup/)
    assert.ok(!existsSync(join(target, 'hearth.db')))
    await assert.rejects(restoreBackup(join(target, 'missing.tar.gz'), target), /There is no file/)
  })
})
