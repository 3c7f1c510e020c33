// Opens the SQLite database with the pragmas Hearth relies on, wrapped in a typed Kysely instance.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './schema.js'

export type Db = Kysely<Database>

export interface Store {
  db: Db
  sqlite: SQLite.Database
  close(): Promise<void>
}

/** Open (creating if needed) the database file. WAL, foreign keys, busy timeout, synchronous=NORMAL. */
export function openStore(file: string, options: { readonly?: boolean } = {}): Store {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true })
  const sqlite = new SQLite(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  if (!options.readonly) sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  let closed = false
  return {
    db,
    sqlite,
    async close() {
      if (closed) return
      closed = true
      await db.destroy() // closes the better-sqlite3 handle too
    },
  }
}
