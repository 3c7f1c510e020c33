// Cursor pagination (seed 002 section 4.4): opaque cursors over a stable sort key.
import type { ExpressionBuilder } from 'kysely'
import { validationFailed } from './errors.js'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** Decode a cursor made by encodeCursor; a malformed one is a VALIDATION_FAILED error. */
export function decodeCursor<T extends Record<string, string | number>>(cursor: string | undefined | null, keys: (keyof T)[]): T | null {
  if (!cursor) return null
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T
    if (parsed && typeof parsed === 'object' && keys.every((k) => k in parsed)) return parsed
  } catch {
    // fall through to the validation error
  }
  throw validationFailed({ cursor: 'This cursor is not valid; start again from the first page.' })
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
