// Idempotency-Key for requests that start purchases: the same key with the same request answers what the first
// answered (and does nothing again); the same key with another request is 409. Keys are a member's own, kept a day.
import { createHash } from 'node:crypto'
import { AppError, type PluginDb } from '../../core/plugins/api.js'
import { claimIdempotencyKey, releaseIdempotencyKey, storeIdempotentAnswer } from './purchases-queries.js'

/** What a request answered, as stored: an API's status and JSON text, or a form's 303 and its Location. */
export interface Answer {
  status: number
  body: string
}

const KEY = /^[\x21-\x7e]{1,255}$/

/** JSON with object keys sorted: the same request written in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

/**
 * Run `run` once per (member, key): a repeat with the same `request` gets the stored answer and `replayed: true`.
 * Without a key, `run` runs. A failure stores nothing, so the same key may try again.
 * @example const { answer } = await idempotent(ctx.db, me.id, c.req.header('idempotency-key'), { path, body }, () => start())
 */
export async function idempotent(db: PluginDb, userId: number, key: string | undefined, request: unknown, run: () => Promise<Answer>): Promise<{ answer: Answer; replayed: boolean }> {
  if (key === undefined) return { answer: await run(), replayed: false }
  if (!KEY.test(key)) throw new AppError(400, 'VALIDATION_FAILED', 'The Idempotency-Key must be 1 to 255 printable characters without spaces.', { fields: { idempotency_key: 'Use 1 to 255 printable characters without spaces.' } })
  const fingerprint = createHash('sha256').update(canonical(request)).digest('hex')
  const seen = await claimIdempotencyKey(db, userId, key, fingerprint)
  if (seen) {
    if (seen.fingerprint !== fingerprint) throw new AppError(409, 'IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used for a different request. Use a new key for a new request.')
    if (seen.status === null || seen.body === null) throw new AppError(409, 'IDEMPOTENCY_IN_PROGRESS', 'The first request with this Idempotency-Key is still running. Try again in a moment.')
    return { answer: { status: seen.status, body: seen.body }, replayed: true }
  }
  let answer: Answer
  try {
    answer = await run()
  } catch (err) {
    await releaseIdempotencyKey(db, userId, key)
    throw err
  }
  await storeIdempotentAnswer(db, userId, key, answer.status, answer.body)
  return { answer, replayed: false }
}
