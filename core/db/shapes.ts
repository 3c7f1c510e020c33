// Queries built and compiled once per shape, their values bound at each call: for the hot paths, where building
// a query with Kysely (a feed with its visibility rules) costs as much as SQLite running it.
import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type { Db } from './connect.js'

/** A value bound when the query runs; stands in for it while the query is built. */
export class Slot {
  constructor(readonly name: string) {}
}

/**
 * Where a slot used as a LIMIT stands in a shape's SQL: a LIMIT is written into the text, not bound (core/db/compiler.ts),
 * so each run writes its whole number there (a shape has a few statements then, one per limit in use).
 */
export const limitMark = (name: string) => `/*limit:${name}*/`
const LIMIT_MARK = /\/\*limit:([^*]+)\*\//g

/**
 * A stand-in for a value given at each run, typed as the value it stands for. The query built with it must not
 * look at the value (compare it, branch on it): it is the same for every run of the shape.
 * @example shapes.all('home:2', (s) => db.selectFrom('posts').selectAll().where('author_id', '=', s<number>('author')), { author: 7 })
 */
export type SlotOf = <T>(name: string) => T

/**
 * Shapes kept by key (least recently used goes first). The key must name everything the build depends on
 * besides the slots: how many items a list has, which optional conditions are present. A run goes through `db`,
 * or through `on` when given: a transaction of the caller's (the shape's SQL is the same on either).
 */
export function queryShapes(db: Db, size = 500) {
  const kept = new Map<string, CompiledQuery>()
  const slot: SlotOf = <T>(name: string) => new Slot(name) as unknown as T
  return {
    async all<R>(key: string, build: (slot: SlotOf) => Compilable<R>, values: Record<string, unknown>, on: Kysely<any> = db): Promise<R[]> {
      let compiled = kept.get(key)
      if (compiled) kept.delete(key)
      else {
        compiled = build(slot).compile()
        if (kept.size >= size) kept.delete(kept.keys().next().value!)
      }
      kept.set(key, compiled)
      const text = compiled.sql.includes('/*limit:')
        ? compiled.sql.replace(LIMIT_MARK, (_, name: string) => {
            const n = values[name]
            if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`The limit ${name} in query shape ${key} must be a whole number`)
            return String(n)
          })
        : compiled.sql
      const parameters = compiled.parameters.map((p) => {
        if (!(p instanceof Slot)) return p
        if (!(p.name in values)) throw new Error(`No value for ${p.name} in query shape ${key}`)
        return values[p.name]
      })
      return (await on.executeQuery<R>({ ...compiled, sql: text, parameters })).rows
    },
  }
}
