// Full-text search: FTS5 indexes over members (username, display name, bio), post text and hashtags,
// kept in step with their tables by triggers. Suspension, visibility and blocks apply at query time.
import { sql, type Kysely } from 'kysely'

/** Each index reads its text from the table it indexes (external content), so nothing is stored twice. */
const INDEXES = [
  { table: 'users', columns: ['username', 'display_name', 'bio'] },
  { table: 'posts', columns: ['text'] },
  { table: 'hashtags', columns: ['tag'] },
] as const

export async function up(db: Kysely<any>): Promise<void> {
  for (const { table, columns } of INDEXES) {
    const fts = `${table}_fts`
    const cols = columns.join(', ')
    const newValues = columns.map((c) => `new.${c}`).join(', ')
    const oldValues = columns.map((c) => `old.${c}`).join(', ')
    // remove_diacritics 2: "cafe" finds "café"; prefix indexes keep two- and three-letter autocomplete fast.
    await sql
      .raw(`create virtual table ${fts} using fts5(${cols}, content='${table}', content_rowid='id', tokenize="unicode61 remove_diacritics 2", prefix='2 3')`)
      .execute(db)
    await sql.raw(`insert into ${fts}(${fts}) values ('rebuild')`).execute(db)
    await sql.raw(`create trigger ${fts}_insert after insert on ${table} begin insert into ${fts}(rowid, ${cols}) values (new.id, ${newValues}); end`).execute(db)
    await sql
      .raw(`create trigger ${fts}_delete after delete on ${table} begin insert into ${fts}(${fts}, rowid, ${cols}) values ('delete', old.id, ${oldValues}); end`)
      .execute(db)
    // Only when an indexed column changes: counters on these rows are updated far more often than their text.
    await sql
      .raw(
        `create trigger ${fts}_update after update of ${cols} on ${table} begin ` +
          `insert into ${fts}(${fts}, rowid, ${cols}) values ('delete', old.id, ${oldValues}); ` +
          `insert into ${fts}(rowid, ${cols}) values (new.id, ${newValues}); end`,
      )
      .execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of INDEXES) {
    for (const t of ['insert', 'delete', 'update']) await sql.raw(`drop trigger if exists ${table}_fts_${t}`).execute(db)
    await sql.raw(`drop table if exists ${table}_fts`).execute(db)
  }
}
