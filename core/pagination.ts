// Cursor pagination (seed 002 section 4.4): opaque cursors over a stable sort key, one decoder that checks every value.
import type { ExpressionBuilder } from 'kysely'
import { validationFailed } from './errors.js'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/**
 * The scalar a cursor key must hold: `id` a whole number from 1, `count` a whole number from 0 (an offset, a
 * tally, a tier), `time` an ISO-8601 timestamp as the database stores them, `text` a short string (at most 64
 * characters). Anything else in a cursor is VALIDATION_FAILED, never a value handed to SQL.
 */
export type CursorScalar = 'id' | 'count' | 'time' | 'text'
export type CursorSpec = Record<string, CursorScalar>
export type CursorOf<S extends CursorSpec> = { [K in keyof S]: S[K] extends 'time' | 'text' ? string : number }

const CURSOR_MAX_CHARS = 1024
const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/

const badCursor = () => validationFailed({ cursor: 'This cursor is not valid; start again from the first page.' })

function scalarOk(kind: CursorScalar, value: unknown): boolean {
  switch (kind) {
    case 'id':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
    case 'count':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    case 'time':
      return typeof value === 'string' && TIME.test(value) && !Number.isNaN(Date.parse(value))
    case 'text':
      return typeof value === 'string' && value.length <= 64
  }
}

/**
 * Make an opaque cursor from the sort key of a page's last row.
 * @example encodeCursor({ at: last.created_at, id: last.id })
 */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * Decode a cursor made by encodeCursor, checking that each key of `spec` holds its scalar (extra keys are
 * dropped). No cursor is null; anything else (not base64url JSON, not an object, a missing key, an object, array,
 * wrong type or out-of-range number) is 400 VALIDATION_FAILED with `details.fields.cursor`.
 * @example const after = decodeCursor(c.req.query('cursor'), { at: 'time', id: 'id' }) // { at: string; id: number } | null
 */
export function decodeCursor<const S extends CursorSpec>(cursor: string | undefined | null, spec: S): CursorOf<S> | null {
  if (cursor === undefined || cursor === null || cursor === '') return null
  if (cursor.length > CURSOR_MAX_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor()
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw badCursor()
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badCursor()
  const out: Record<string, string | number> = {}
  for (const [key, kind] of Object.entries(spec)) {
    const value = (parsed as Record<string, unknown>)[key]
    if (!scalarOk(kind, value)) throw badCursor()
    out[key] = value as string | number
  }
  return out as CursorOf<S>
}

/**
 * The tail of a keyset query: fetch `limit + 1` rows, and this gives the page of `limit` and the cursor of its
 * last row when there is more.
 * @example
 * const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
 * return pageOf(rows, limit, (r) => ({ at: r.created_at, id: r.id }))
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => Record<string, string | number>): Page<T> {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null }
}

/** A page size from a query string: default 20, at most 100. */
export function parseLimit(raw: string | undefined | null, fallback = 20, max = 100): number {
  if (raw === undefined || raw === null || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > max) throw validationFailed({ limit: `The limit must be a whole number from 1 to ${max}.` })
  return n
}

/**
 * The keyset condition "older than the cursor" for lists sorted by a time column then an id, both descending.
 * @example q.where(olderThan('posts.published_at', 'posts.id', after))
 */
export function olderThan(timeColumn: string, idColumn: string, after: { at: string; id: number }) {
  return (eb: ExpressionBuilder<any, any>) =>
    eb.or([eb(timeColumn, '<', after.at), eb.and([eb(timeColumn, '=', after.at), eb(idColumn, '<', after.id)])])
}
