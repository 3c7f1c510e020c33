// Before each run: the cached community back to its seeded state, and every plugin enabled on it (their migrations
// run now, as `hearth plugin enable` would), so a plugin in progress costs no rebuild of the seeded rows.
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { createHearth } from '../../core/app.js'
import { resolveConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import type { SeedMeta } from './seed.js'
import { freePort } from './servers.js'

/**
 * Put the database back to its seeded state: what a previous run wrote goes (posts, comments, notifications, media
 * above the seed's watermarks, and everything that points at them; reactions made after the seed), counts are
 * recomputed where they changed, sessions and jobs are emptied. Foreign keys are off while it runs and children
 * are deleted first by the same rule.
 */
export function resetToSeed(meta: SeedMeta): void {
  const db = new SQLite(meta.dbFile)
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = OFF')
  const w = meta.watermarks
  const marks: Record<string, number> = { posts: w.posts, comments: w.comments, notifications: w.notifications, media: w.media }
  const tables = (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and sql not like '%virtual table%'`).pluck().all() as string[]).filter((t) => !t.includes('_fts'))
  db.transaction(() => {
    const authors = db.prepare('select distinct author_id from posts where id > ?').pluck().all(w.posts) as number[]
    const touched = new Set<number>([
      ...(db.prepare('select distinct post_id from reactions where created_at > ?').pluck().all(w.at) as number[]),
      ...(db.prepare('select distinct post_id from comments where id > ?').pluck().all(w.comments) as number[]),
    ])
    // Fan-out rows of new posts, member by member along the primary key (user_id, published_at, post_id). Rows a
    // run's trimming took from the seed are not put back: a feed is a few dozen rows shorter after a run (its
    // horizon moved), which pages past it pull; --fresh rebuilds.
    const feed = db.prepare('delete from feed_items where user_id = ? and published_at >= ? and post_id > ?')
    for (const u of db.prepare('select id from users').pluck().all() as number[]) feed.run(u, w.at, w.posts)
    for (const t of tables) {
      if (t === 'feed_items') continue
      for (const fk of db.prepare(`select "table" parent, "from" col from pragma_foreign_key_list(?)`).all(t) as { parent: string; col: string }[]) {
        const mark = marks[fk.parent]
        if (mark !== undefined && t !== fk.parent) db.prepare(`delete from "${t}" where "${fk.col}" > ?`).run(mark)
      }
    }
    for (const [t, mark] of Object.entries(marks)) db.prepare(`delete from "${t}" where id > ?`).run(mark)
    db.prepare('delete from reactions where created_at > ?').run(w.at)
    db.exec('delete from sessions; delete from jobs')
    const recount = db.prepare(`update posts set likes_count = (select count(*) from reactions where post_id = posts.id and kind = 'like'),
      dislikes_count = (select count(*) from reactions where post_id = posts.id and kind = 'dislike'),
      comments_count = (select count(*) from comments where post_id = posts.id) where id = ?`)
    for (const p of touched) if (p <= w.posts) recount.run(p)
    const posts = db.prepare(`update users set posts_count = (select count(*) from posts where author_id = users.id and status = 'published') where id = ?`)
    for (const a of authors) posts.run(a)
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  // Seeded media rows have no files: whatever is in the folder came from a run's uploads.
  rmSync(join(meta.dataDir, 'media'), { recursive: true, force: true })
  mkdirSync(join(meta.dataDir, 'media'), { recursive: true })
}

/**
 * Before a run: back to the seeded state, then every plugin found enabled (its migrations run now). Plugins that
 * cannot be enabled (one being written, say) are reported, not fatal.
 */
export async function prepareRun(meta: SeedMeta): Promise<{ enabled: string[]; failed: { name: string; error: string }[] }> {
  resetToSeed(meta)
  const config = resolveConfig({ dataDir: meta.dataDir, logLevel: 'silent' }, {})
  const h = await createHearth({ config, log: createLogger({ level: 'silent' }), plugins: false })
  const enabled: string[] = []
  const failed: { name: string; error: string }[] = []
  try {
    // Dependencies first: try until a pass enables nothing more.
    for (let pass = 0; pass < 5; pass++) {
      let progress = false
      failed.length = 0
      for (const s of await h.plugins.status()) {
        if (s.enabled) {
          if (!enabled.includes(s.name)) enabled.push(s.name)
          continue
        }
        try {
          await h.plugins.setEnabled(s.name, true, null)
          enabled.push(s.name)
          progress = true
        } catch (err) {
          failed.push({ name: s.name, error: err instanceof Error ? err.message : String(err) })
        }
      }
      if (!progress) break
    }
    // The live plugin's RTMP port: a free one, not the default 1935, which another server on the machine may hold.
    if (enabled.includes('live')) await h.settings.write('plugin.live.rtmp_port', await freePort())
  } finally {
    await h.close()
  }
  return { enabled, failed }
}
