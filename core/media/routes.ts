// Media routes: POST /api/v1/media (upload), GET /api/v1/media/:id (info), GET /media/:id/:variant (the file, with ranges).
import { extname } from 'node:path'
import { Hono, type Context } from 'hono'
import { AppError, notFound, PrimaryOnlyRead } from '../errors.js'
import { ok } from '../http/envelope.js'
import type { AppEnv } from '../http/env.js'
import { MULTIPART_SLACK } from '../http/limits.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import type { Viewer } from '../users/types.js'
import { multipartBoundary, MultipartError, readFilePart } from '../http/multipart.js'
import { VARIANTS } from './service.js'
import { unsupported } from './storage.js'
import type { MediaRow } from './tables.js'

/** Whether a viewer may see a media item: decided by what it is attached to (a post, an avatar). */
export type MediaAccess = (viewer: Viewer | null, media: MediaRow) => Promise<boolean>

const CONTENT_TYPES: Record<string, string> = {
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
}

/** Media may be private (a followers-only post): only the viewer's own browser may cache it, and not for long. */
const CACHE_CONTROL = 'private, max-age=3600'

const FIELD = 'file'

/** The variants a page shows in an <img>: while processing they answer the placeholder below. */
const PLACEHOLDER_VARIANTS = new Set(['1080', '640', '320', '150', 'poster'])
/** A soft grey square with a clock, drawn at any size. */
const PLACEHOLDER = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><title>Processing</title><rect width="100" height="100" fill="#d4d4d8"/><circle cx="50" cy="50" r="18" fill="none" stroke="#71717a" stroke-width="5"/><path d="M50 40v11l7 5" fill="none" stroke="#71717a" stroke-width="5" stroke-linecap="round"/></svg>'

export function mediaRoutes(s: Services, canView: MediaAccess): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  /** The item if the viewer may see it; otherwise NOT_FOUND, exactly as if it did not exist. */
  async function visible(c: Context<AppEnv>, what: string): Promise<MediaRow> {
    const raw = c.req.param('id') ?? ''
    const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null
    const row = id === null ? undefined : await s.media.get(id)
    if (!row || !(await canView(c.get('viewer'), row))) throw notFound(what)
    return row
  }

  /**
   * The item when the request carries a grant (`?grant=`, from the act of opening something such as a view-once
   * story) that lets this viewer read this variant now; a whole read uses the variant's grant up. Else undefined,
   * and the plain rule (`visible`) decides.
   */
  async function grantedRow(c: Context<AppEnv>, variant: string): Promise<MediaRow | undefined> {
    const grant = c.req.query('grant')
    const raw = c.req.param('id') ?? ''
    if (!grant || !/^[1-9]\d{0,15}$/.test(raw)) return undefined
    const row = await s.media.get(Number(raw))
    const whole = c.req.method === 'GET' && !c.req.header('range')
    if (row && s.media.granted(grant, row, c.get('viewer')?.id ?? null, variant, whole)) return row
    // Grants live in the memory of the node that gave them. One this replica does not hold was given by the primary
    // (opening a view-once story is a write, answered there): the primary answers for it.
    if (s.replication.role.role !== 'primary') throw new PrimaryOnlyRead()
    return undefined
  }

  app.post('/api/v1/media', requireMember, async (c) => {
    const viewer = c.get('viewer')!
    const limits = await s.media.limits()
    // Its size was checked against the route's limit before the body was read (core/http/body.ts); the
    // declared size lets the media service refuse a file too large for its kind before storing it.
    const declared = Number(c.req.header('content-length'))
    const declaredSize = Number.isFinite(declared) && declared > 0 ? Math.max(0, declared - MULTIPART_SLACK) : undefined
    const request = c.req.raw
    const boundary = multipartBoundary(c.req.header('content-type'))
    if (!boundary || !request.body) throw new AppError(400, 'INVALID_REQUEST', 'Send the file as multipart/form-data, in a field named "file".')
    try {
      const info = await readFilePart(request.body, boundary, FIELD, (part) => s.media.uploadStream(viewer.id, part.body, { declaredSize, limits }))
      if (!info) throw unsupported('Choose a file to upload (the form field "file").')
      return ok(c, info, 201)
    } catch (err) {
      // Refused before the body was read to its end: do not keep reading the rest on this connection.
      c.header('Connection', 'close')
      if (err instanceof MultipartError) throw new AppError(400, 'INVALID_REQUEST', err.message)
      throw err
    }
  })

  app.get('/api/v1/media/:id', async (c) => {
    const row = await visible(c, 'That media')
    return ok(c, s.media.info(row))
  })

  app.on(['GET', 'HEAD'], '/media/:id/:variant', async (c) => {
    const variant = c.req.param('variant')
    if (!(VARIANTS as readonly string[]).includes(variant)) throw notFound('That file')
    const viaGrant = await grantedRow(c, variant)
    const row = viaGrant ?? (await visible(c, 'That file'))
    // A picture still being made (a new avatar seen right after saving) shows a neutral placeholder, never a broken image.
    if (row.status === 'processing' && PLACEHOLDER_VARIANTS.has(variant)) {
      return c.body(PLACEHOLDER, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store', 'Retry-After': '2' })
    }
    const path = s.media.file(row, variant)
    const contentType = path ? CONTENT_TYPES[extname(path)] : undefined
    if (!path || !contentType) throw notFound('That file')
    // A granted file is for this one look: no cache keeps it for another.
    const res = await s.media.send(c, path, { contentType, cacheControl: viaGrant ? 'private, no-store' : CACHE_CONTROL })
    if (!res) {
      s.log.warn({ media: row.id, variant, path }, 'a media file is missing from the media folder')
      throw notFound('That file')
    }
    return res
  })

  return app
}
