// Path parameters: an id in a URL is a whole number from 1; anything else is a page that does not exist.
import type { Context } from 'hono'
import { notFound } from '../errors.js'
import type { AppEnv } from './env.js'

/**
 * A numeric id from the path. Not a whole number from 1 is 404 NOT_FOUND, like an id that names nothing (an
 * address that cannot exist is a missing page, not a validation problem).
 * @example const postId = idParam(c, 'id', 'That post')
 */
export function idParam(c: Context<AppEnv>, name = 'id', what = 'That page'): number {
  const raw = c.req.param(name) ?? ''
  const n = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(n) || n < 1) throw notFound(what)
  return n
}
