// Requests on a replica (docs/operators.md, "Replicas with LiteFS"): writes go to the primary through a streaming
// proxy (or `fly-replay` on Fly.io, or 503 when the primary is unknown); reads are answered here, after waiting
// for the member's last write to arrive (read-your-writes); a GET that turns out to write is retried on the primary.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { AppError, PrimaryOnlyRead } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import type { Replication } from './litefs.js'

/** The loop guard: a request forwarded once is never forwarded again. */
export const FORWARDED_HEADER = 'x-hearth-forwarded'
/** The member's address, signed with the instance secret so only another node can claim it. */
export const CLIENT_HEADER = 'x-hearth-client'
/** The position of a member's last write, set by the primary, waited for by a replica. */
export const TXID_COOKIE = 'hearth_txid'
/** How long a replica holds a read for the member's last write before sending the read to the primary. */
export const READ_WAIT_MS = 2000
/**
 * The largest body forwarded. The body streams through (never held here) and the primary applies each route's own
 * limit, so this only bounds what one request may push through a replica.
 */
export const FORWARD_MAX_BYTES = 4 * 1024 ** 3
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']

const isRead = (method: string) => method === 'GET' || method === 'HEAD'

/** What one node says to another, signed with the instance secret (only nodes of this instance hold it). */
export function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(`forwarded:${text}`).digest('base64url')
}

/** The value of CLIENT_HEADER for an address: `ADDRESS TIME MAC`, fresh for a minute (acceptForwarded checks it). */
export function clientClaim(secret: string, ip: string): string {
  const at = String(Date.now())
  return `${ip} ${at} ${sign(secret, `${ip} ${at}`)}`
}

/** Whether `mac` signs `text`, compared in constant time. */
export function signedBy(secret: string, text: string, mac: string | undefined): boolean {
  const expected = sign(secret, text)
  return !!mac && mac.length === expected.length && timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
}

/** A signature's time is within a minute of this node's clock (a captured request cannot be replayed for long). */
export const fresh = (at: string | undefined) => Math.abs(Date.now() - Number(at)) < 60_000

/** A write that fails because this node may not write (LiteFS refuses writes on a replica). */
export function isReadOnlyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code.startsWith('SQLITE_IOERR'))
}


export interface RoutingOptions {
  replication: Replication
  secret: () => Promise<string>
  maxBodyBytes: number
  /**
   * Paths whose state lives in the primary's memory (core/plugins/pinned.ts: the console, the report form, plugins
   * that did not declare `threads: 'any'`): a replica sends even their reads to the primary, which holds that state.
   */
  pinned?: (url: string) => boolean
}

/**
 * On the primary: a request another node forwarded carries the member's address, signed; it replaces the
 * forwarding node's own. Runs right after the request context, before address blocks are checked.
 */
export function acceptForwarded(options: RoutingOptions): MiddlewareHandler<AppEnv> {
  return async function acceptForwarded(c, next) {
    const claim = c.req.header(CLIENT_HEADER)
    if (claim && options.replication.enabled) {
      const [ip, at, mac] = claim.split(' ')
      if (ip && at && fresh(at) && signedBy(await options.secret(), `${ip} ${at}`, mac)) c.set('ip', ip)
    }
    await next()
  }
}

export function routeWrites(options: RoutingOptions): MiddlewareHandler<AppEnv> {
  const { replication } = options
  return async function routeWrites(c, next) {
    if (!replication.enabled) return next()
    const role = replication.role.role
    const method = c.req.method
    if (role === 'primary') {
      await next()
      // The position this write reached, so the member's next read on a replica waits for it.
      if (!isRead(method) && c.res.status < 400) {
        const at = replication.position()
        if (at !== null) setCookie(c, TXID_COOKIE, String(at), { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 60, secure: c.get('https') })
      }
      return
    }
    if (c.req.header(FORWARDED_HEADER)) {
      // Forwarded to a node that is not the primary (the lease moved on the way): never bounced again.
      return unavailable(c, 'This request reached a node that is not the primary; try again in a moment.')
    }
    if (!isRead(method) || options.pinned?.(c.req.path)) return toPrimary(c, options)
    const wanted = Number(getCookie(c, TXID_COOKIE) ?? NaN)
    if (Number.isSafeInteger(wanted) && wanted > 0 && role === 'replica' && !(await replication.reached(wanted, READ_WAIT_MS))) return toPrimary(c, options)
    await next()
    // A read that tried to write (a link that confirms an address, say): nothing was written here; the primary does it.
    if (c.error && (isReadOnlyError(c.error) || c.error instanceof PrimaryOnlyRead)) {
      c.error = undefined
      c.res = await toPrimary(c, options)
    }
  }
}

function unavailable(c: Context<AppEnv>, message: string): Response {
  return c.json({ status: 'error', error: { code: 'PRIMARY_UNAVAILABLE', message } }, 503, { 'Retry-After': '2' })
}

async function toPrimary(c: Context<AppEnv>, options: RoutingOptions): Promise<Response> {
  const { replication } = options
  const url = replication.primaryUrl()
  const role = replication.role
  if (!url && role.role === 'replica' && replication.config.fly) {
    // Fly's proxy replays the whole request on the primary's machine (bodies under 1 MB, Fly only).
    return c.body(null, 409, { 'fly-replay': `instance=${role.primary}` })
  }
  if (!url) return unavailable(c, 'The server that takes writes cannot be reached just now; try again in a moment.')
  const length = Number(c.req.header('content-length') ?? 0)
  if (length > options.maxBodyBytes) return c.json({ status: 'error', error: { code: 'PAYLOAD_TOO_LARGE', message: 'This request is too large.' } }, 413)
  const headers = new Headers()
  for (const [k, v] of c.req.raw.headers) if (!HOP_BY_HOP.includes(k)) headers.append(k, v)
  // The member's host (links and origin checks on the primary), and no compression the proxy would have to undo.
  headers.set('x-forwarded-host', c.get('host'))
  headers.set('x-forwarded-proto', c.get('https') ? 'https' : 'http')
  headers.set('accept-encoding', 'identity')
  headers.set(FORWARDED_HEADER, replication.config.nodeName)
  headers.set(CLIENT_HEADER, clientClaim(await options.secret(), c.get('ip')))
  const source = new URL(c.req.url)
  let res: Response
  try {
    res = await fetch(`${url}${source.pathname}${source.search}`, {
      method: c.req.method,
      headers,
      body: isRead(c.req.method) ? undefined : capped(c.req.raw.body, options.maxBodyBytes),
      redirect: 'manual',
      // @ts-expect-error Node's fetch streams a request body only with duplex: 'half' (not in the DOM types).
      duplex: 'half',
    })
  } catch {
    return unavailable(c, 'The server that takes writes did not answer; try again in a moment.')
  }
  const out = new Headers()
  for (const [k, v] of res.headers) if (!HOP_BY_HOP.includes(k) && k !== 'set-cookie') out.append(k, v)
  for (const cookie of res.headers.getSetCookie()) out.append('set-cookie', cookie)
  return new Response(res.body, { status: res.status, headers: out })
}

/** The body as it streams, stopped once it passes the cap (a body without a length is counted as it comes). */
function capped(body: ReadableStream<Uint8Array> | null, max: number): ReadableStream<Uint8Array> | null {
  if (!body) return null
  let seen = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength
        if (seen > max) controller.error(new Error('The request body is larger than the forwarding cap.'))
        else controller.enqueue(chunk)
      },
    }),
  )
}
