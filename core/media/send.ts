// Sends one file with what players and browsers expect: a strong ETag, 304s, and single byte ranges (206, 416) so video seeking works.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Context } from 'hono'
import type { AppEnv } from '../http/env.js'

export type ByteRange = { start: number; end: number }

/**
 * The one range of a `Range` header against a file of `size` bytes: a range, 'unsatisfiable', or
 * null to send the whole file (no header, a syntax we ignore, or several ranges, which we may answer in full).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null
  const m = header.trim().match(/^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i)
  if (!m || (m[1] === '' && m[2] === '')) return null
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (m[2] !== '' && Number(m[2]) < start) return null // invalid: ignored
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}

export interface SendOptions {
  contentType: string
  cacheControl: string
}

/** Send a file, or null when it is missing. */
export async function sendFile(c: Context<AppEnv>, path: string, options: SendOptions): Promise<Response | null> {
  const s = await stat(path).catch(() => null)
  if (!s?.isFile()) return null
  const size = s.size
  // Files are written once under their name (renamed into place), so size and time identify a version.
  const etag = `"${size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`
  c.header('ETag', etag)
  c.header('Last-Modified', s.mtime.toUTCString())
  c.header('Cache-Control', options.cacheControl)
  c.header('Accept-Ranges', 'bytes')
  const inm = c.req.header('if-none-match')
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*')) return c.body(null, 304)
  let range = parseRange(c.req.header('range'), size)
  // If-Range: the range only applies to the version the client already has part of.
  const ifRange = c.req.header('if-range')
  if (range && ifRange && ifRange.trim() !== etag) range = null
  if (range === 'unsatisfiable') {
    c.header('Content-Range', `bytes */${size}`)
    return c.body(null, 416)
  }
  c.header('Content-Type', options.contentType)
  const head = c.req.method === 'HEAD'
  if (range) {
    c.header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
    c.header('Content-Length', String(range.end - range.start + 1))
    if (head) return c.body(null, 206)
    return c.body(Readable.toWeb(createReadStream(path, { start: range.start, end: range.end })) as ReadableStream, 206)
  }
  c.header('Content-Length', String(size))
  if (head) return c.body(null, 200)
  return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200)
}

/**
 * A byte range of a file that is not here yet, answered from where it is while the whole file is brought here (a
 * LiteFS replica asks the primary): null when it cannot be, and the file is then fetched whole first.
 */
export type RangeOfMissing = (path: string, range: string, options: SendOptions) => Promise<Response | null>

/**
 * The same, first bringing a missing file here with `fetchMissing` (a LiteFS replica fetches it from the primary). A
 * range of a missing file (a video a player seeks in) is answered at once by `rangeOfMissing` when given, rather than
 * after the whole file has been copied.
 */
export async function sendFetched(
  c: Context<AppEnv>,
  path: string,
  options: SendOptions,
  fetchMissing: (path: string) => Promise<boolean>,
  rangeOfMissing?: RangeOfMissing,
): Promise<Response | null> {
  const here = await sendFile(c, path, options)
  if (here) return here
  const range = c.req.header('range')
  if (range && rangeOfMissing && c.req.method === 'GET' && !c.req.header('if-range')) {
    const passed = await rangeOfMissing(path, range, options)
    if (passed) return passed
  }
  return (await fetchMissing(path)) ? sendFile(c, path, options) : null
}
