// The JSON API's envelope (seed 002 sections 4.3 and 4.4).
import type { Context } from 'hono'
import type { AppError } from '../errors.js'
import type { Page } from '../pagination.js'
import type { AppEnv } from './env.js'

const meta = () => ({ timestamp: new Date().toISOString() })

/** `{"status":"success","data":...,"meta":{"timestamp"}}` */
export function ok(c: Context<AppEnv>, data: unknown, status: 200 | 201 | 202 = 200): Response {
  return c.json({ status: 'success', data, meta: meta() }, status)
}

/** A page of results with `pagination: { next_cursor, has_more }`. */
export function paginated<T>(c: Context<AppEnv>, page: Page<T>): Response {
  return c.json({
    status: 'success',
    data: page.items,
    pagination: { next_cursor: page.nextCursor, has_more: page.nextCursor !== null },
    meta: meta(),
  })
}

export function errorBody(err: Pick<AppError, 'code' | 'message' | 'details'>, requestId: string | undefined) {
  return {
    status: 'error' as const,
    error: { code: err.code, message: err.message, details: err.details },
    meta: { ...meta(), request_id: requestId ?? null },
  }
}
