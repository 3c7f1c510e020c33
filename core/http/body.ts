// Request bodies refused before they are read: each route's size limit, the multipart CSRF token read from the stream, and forms whose files stream.
import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from './env.js'
import { routePatternSource } from './route-pattern.js'
import { multipartBoundary, MultipartError, multipartParts, partText, type Part } from './multipart.js'

/**
 * Routes that take files from members, by path: each one's limit in bytes, asked per request (it comes from the
 * settings). A path may hold `:name` segments (`/groups/:id/posts`), each matching one segment.
 */
export type UploadLimits = Record<string, () => Promise<number>>

export interface BodyRules {
  /** The largest body on every other route, and on upload routes for guests and non-multipart bodies. */
  limit: number
  uploads: UploadLimits
}

/** The upload limit of a request path: an exact path first, then the patterns, or undefined. */
export function uploadRule(uploads: UploadLimits): (path: string) => (() => Promise<number>) | undefined {
  const patterns = Object.entries(uploads)
    .filter(([p]) => p.includes('/:'))
    .map(([p, limit]) => ({ re: new RegExp(`^${routePatternSource(p)}$`), limit }))
  return (path) => uploads[path] ?? patterns.find((p) => p.re.test(path))?.limit
}

/** A refused body left unread, this large or larger (or of unknown size), closes its connection rather than being drained. */
const DRAIN_MAX = 64 * 1024

const hasBody = (method: string) => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'

const mib = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KiB`)

function tooLarge(c: Context<AppEnv>, limit: number, upload: boolean): AppError {
  c.header('Connection', 'close')
  const message = upload ? `This upload is larger than the ${mib(limit)} allowed here; send fewer or smaller files.` : `The request body is larger than ${limit / 1024} KiB.`
  return new AppError(413, 'PAYLOAD_TOO_LARGE', message, { limit_bytes: limit })
}

/** Give the request a new body stream (Hono's parsers read `c.req.raw`). */
function replaceBody(c: Context<AppEnv>, body: ReadableStream<Uint8Array>): void {
  c.req.raw = new Request(c.req.raw, { body, duplex: 'half' } as RequestInit)
}

/**
 * The size rule for every request body, before anything reads it: a declared Content-Length over the
 * route's limit is answered 413 at once, and a chunked body is counted as it streams and cut off at the
 * limit. Upload routes get their larger limit only for a member's multipart body. Runs after `authenticate`
 * (it needs the viewer) and before `csrf` and every route. A body a route leaves unread (refused by
 * `requireMember`, the CSRF check, a validation error) closes the connection instead of being drained.
 */
export function bodies(rules: BodyRules): MiddlewareHandler<AppEnv> {
  const uploadOf = uploadRule(rules.uploads)
  return async function bodies(c, next) {
    if (!hasBody(c.req.method)) return next()
    const upload = uploadOf(c.req.path)
    const multipart = multipartBoundary(c.req.header('content-type')) !== null
    const limit = upload && c.get('viewer') && multipart ? await upload() : rules.limit
    const raw = c.req.header('content-length')
    const declared = raw === undefined ? NaN : Number(raw)
    if (declared > limit) throw tooLarge(c, limit, !!upload)
    // Node enforces a declared length itself; only a chunked body needs counting.
    if (!Number.isFinite(declared) && c.req.raw.body) {
      const reader = c.req.raw.body.getReader()
      let size = 0
      replaceBody(
        c,
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done, value } = await reader.read()
            if (done) return controller.close()
            size += value.byteLength
            if (size > limit) {
              controller.error(tooLarge(c, limit, !!upload))
              await reader.cancel().catch(() => {})
              return
            }
            controller.enqueue(value)
          },
          cancel: (reason) => reader.cancel(reason),
        }),
      )
    }
    await next()
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    // Only on a refusal: after a success what is left is the form's closing line, which Node drains.
    if (incoming && !incoming.readableEnded && c.res.status >= 400 && !(declared < DRAIN_MAX)) {
      try {
        c.res.headers.set('Connection', 'close')
      } catch {
        // An immutable response (a fetched one): Node's adapter still stops draining after 64 MiB.
      }
    }
  }
}

/**
 * The value of a multipart body's first part when that part is the field `name` (a short text field),
 * else null. Reads only that part from the stream and puts the bytes back, so the route still sees the
 * whole body: this is how the CSRF check finds a form's token without reading the files after it.
 */
export async function leadingField(c: Context<AppEnv>, name: string, max = 256): Promise<string | null> {
  const boundary = multipartBoundary(c.req.header('content-type'))
  const stream = c.req.raw.body
  if (!boundary || !stream) return null
  const reader = stream.getReader()
  const seen: Uint8Array[] = []
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        const r = await reader.read()
        if (!r.done) seen.push(r.value)
        return r.done ? { done: true, value: undefined } : { done: false, value: r.value }
      },
    }),
  }
  let value: string | null = null
  try {
    for await (const part of multipartParts(source, boundary)) {
      if (part.name === name && part.filename === null) value = await partText(part, max)
      break
    }
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err
  }
  // The bytes read so far first, then the rest as it arrives.
  replaceBody(
    c,
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        const replay = seen.shift()
        if (replay) return controller.enqueue(replay)
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      },
      cancel: (reason) => reader.cancel(reason),
    }),
  )
  return value
}

/** Largest text field in a streamed form (a post's text is far shorter). */
const FIELD_MAX = 64 * 1024
const FIELDS_MAX = 200

/**
 * A form's text fields (every value of each, in order), with each chosen file (its field's name, file name and
 * bytes) handed to `onFile` as it streams in: nothing is held in memory but one field at a time. Empty file inputs are skipped. When
 * `onFile` throws, the rest of the body is still read (and dropped) so the browser is shown the answer,
 * then the error is thrown: pass `fields` to keep what was typed for the page that explains it. A urlencoded form is parsed as usual (it is bounded by the default limit).
 * Call it after `requireMember` or whatever else may refuse the request.
 * @example const fields = await streamForm(c, async (file) => { ids.push((await media.uploadStream(viewer.id, file.body)).id) })
 */
export async function streamForm(c: Context<AppEnv>, onFile: (file: Part & { name: string }) => Promise<void>, fields: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
  const boundary = multipartBoundary(c.req.header('content-type'))
  if (!boundary) {
    for (const [k, v] of Object.entries(await c.req.parseBody({ all: true }))) fields[k] = ([] as unknown[]).concat(v).filter((x): x is string => typeof x === 'string')
    return fields
  }
  if (!c.req.raw.body) return fields
  let failed: { err: unknown } | null = null
  let count = 0
  try {
    for await (const part of multipartParts(c.req.raw.body, boundary)) {
      if (!part.name) continue
      if (++count > FIELDS_MAX) throw new MultipartError('This form has too many fields.')
      if (part.filename === null) {
        ;(fields[part.name] ??= []).push(await partText(part, FIELD_MAX))
        continue
      }
      if (failed) continue
      const source = part.body[Symbol.asyncIterator]()
      const first = await source.next()
      if (first.done) continue // a file input left empty
      try {
        await onFile({
          name: part.name,
          filename: part.filename,
          body: (async function* () {
            yield first.value
            for (let next = await source.next(); !next.done; next = await source.next()) yield next.value
          })(),
        })
      } catch (err) {
        failed = { err }
      }
    }
  } catch (err) {
    if (err instanceof MultipartError) throw new AppError(400, 'INVALID_REQUEST', err.message)
    throw err
  }
  if (failed) throw failed.err
  return fields
}
