// Kysely's SQLite dialect with LIMIT written into the SQL text instead of bound as a parameter. SQLite (3.53, as
// better-sqlite3 bundles it) reads a bound LIMIT's value while planning, so a statement whose LIMIT is a parameter is
// prepared again each time it is run: the page of reposts' counts took 0.53 ms of which 0.47 was that (decision 060).
import { LimitNode, sql, SqliteDialect, SqliteQueryCompiler, ValueNode, type QueryCompiler } from 'kysely'
import { limitMark, Slot } from './shapes.js'

class HearthQueryCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    const value = ValueNode.is(node.limit) && !node.limit.immediate ? node.limit.value : undefined
    // A whole number is safe to write as text; a shape's slot is written at each run (core/db/shapes.ts).
    if (typeof value === 'number' && Number.isSafeInteger(value)) this.append(`limit ${value}`)
    else if (value instanceof Slot) this.append(`limit ${limitMark(value.name)}`)
    else super.visitLimit(node)
  }
}

export class HearthDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new HearthQueryCompiler()
  }
}

/**
 * A LIMIT for SQL written with Kysely's `sql` template, written into the text as the compiler does (a bound LIMIT
 * makes SQLite prepare the statement again at each run).
 * @example sql`select id from posts order by id desc limit ${sqlLimit(page + 1)}`
 */
export function sqlLimit(n: number) {
  if (!Number.isSafeInteger(n)) throw new Error(`A limit must be a whole number, not ${n}`)
  return sql.lit(n)
}
