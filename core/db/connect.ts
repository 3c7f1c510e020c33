// Opens the SQLite database with the pragmas Hearth relies on, wrapped in a typed Kysely instance.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely } from 'kysely'
import { HearthDialect } from './compiler.js'
import type { Database } from './schema.js'
import { auditHashSql } from '../audit-chain.js'

export type Db = Kysely<Database>

export interface Store {
  db: Db
  sqlite: SQLite.Database
  /** SQLite's `data_version`: changes when another connection commits (see core/settings/service.ts). */
  dataVersion(): number
  close(): Promise<void>
}

/** Statements kept prepared, by SQL text: the hot paths repeat a few hundred shapes. */
const STATEMENT_CACHE = 1000

/**
 * What Kysely's SQLite driver sees of the database: `prepare` answers a cached statement for SQL it has seen,
 * because the driver prepares every query anew and SQLite's parsing and planning of a large query (a feed
 * with its visibility rules) costs more than running it. A statement still iterating (a stream) is busy and
 * cannot be shared: a fresh one is prepared for that call.
 *
 * Kysely's transactions begin IMMEDIATE: other connections write too (the fan-out thread), and a deferred
 * transaction that reads first and writes later fails at once with SQLITE_BUSY(_SNAPSHOT) when another connection
 * committed in between, where an immediate one takes the write lock at its start, waiting for it as any write does.
 */
export function cachingDatabase(sqlite: SQLite.Database, size = STATEMENT_CACHE): Pick<SQLite.Database, 'prepare' | 'close'> {
  const cache = new Map<string, SQLite.Statement>()
  return {
    prepare(source: string) {
      if (source === 'begin') source = 'begin immediate'
      const cached = cache.get(source)
      if (cached && !cached.busy) {
        // Least recently used goes first: touching moves the entry to the end.
        cache.delete(source)
        cache.set(source, cached)
        return cached
      }
      const stmt = sqlite.prepare(source)
      if (!cached) {
        cache.set(source, stmt)
        if (cache.size > size) cache.delete(cache.keys().next().value!)
      }
      return stmt
    },
    close() {
      cache.clear()
      return sqlite.close()
    },
  } as Pick<SQLite.Database, 'prepare' | 'close'>
}

/**
 * Open (creating if needed) the database file. WAL, foreign keys, busy timeout, synchronous=NORMAL, and a page
 * cache of `cacheMb` (better-sqlite3's SQLite keeps 16 MB by default). The cache fills only as pages are read; on
 * machines that drop file pages from the OS's cache once they go unread for a while, it is what keeps a large
 * community's hot pages (feeds, recent posts) in memory.
 */
export function openStore(file: string, options: { readonly?: boolean; cacheMb?: number } = {}): Store {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true })
  const sqlite = new SQLite(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  if (!options.readonly) sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  if (options.cacheMb) sqlite.pragma(`cache_size = -${Math.floor(options.cacheMb * 1024)}`)
  // The audit log's trigger chains each row with this (core/audit-chain.ts).
  sqlite.function('hearth_audit_hash', { deterministic: true, varargs: false }, auditHashSql)
  const db = new Kysely<Database>({ dialect: new HearthDialect({ database: cachingDatabase(sqlite) as SQLite.Database }) })
  const version = sqlite.prepare('pragma data_version').pluck()
  let closed = false
  return {
    db,
    sqlite,
    dataVersion: () => version.get() as number,
    async close() {
      if (closed) return
      closed = true
      await db.destroy() // closes the better-sqlite3 handle too
    },
  }
}
