// Request-wide middleware: client IP, logging, who is asking (cookie or bearer), and CSRF protection.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import { getConnInfo } from '@hono/node-server/conninfo'
import { deleteSession, findSession, SESSION_COOKIE } from '../users/sessions.js'
import type { Db } from '../db/connect.js'
import { AppError, unauthenticated } from '../errors.js'
import type { Logger } from '../logger.js'
import { setAppCookie } from './cookies.js'
import type { AppEnv } from './env.js'
import { leadingField } from './body.js'
import { displayName } from '../users/display-name.js'
import { allows, permissionsOf, refusal, type Permission, type Requirement } from '../users/permissions.js'
import type { UserRow } from '../db/schema.js'

export const CSRF_COOKIE = 'hearth_csrf'
export const CSRF_HEADER = 'x-csrf-token'
export const CSRF_FIELD = '_csrf'

/** The last value of a comma-separated forwarding header: the one our own proxy added. */
const lastHop = (value: string | undefined) => value?.split(',').pop()?.trim() || undefined

/**
 * The client's address: the proxy's last hop when trusted, else the one a worker thread handed along with the
 * request (core/workers/proxy.ts), else the socket's. Also used where a WebSocket upgrade is relayed (core/replication).
 */
export function clientAddress(forwardedFor: string | undefined, peer: string | undefined, socket: () => string | undefined, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastHop(forwardedFor) : undefined
  if (forwarded) return forwarded
  if (peer) return peer
  try {
    return socket() ?? '127.0.0.1'
  } catch {
    // In-process requests (app.request in tests) have no socket.
    return '127.0.0.1'
  }
}

/**
 * Sets `ip`, `https` and `host`, trusting X-Forwarded-* only when the proxy is trusted (one hop: the
 * proxy's own entry is the last one, so a client cannot choose its IP), and logs each request as one JSON line.
 */
export function requestContext(log: Logger, trustProxy: boolean): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const incoming = (c.env as { incoming?: { hearthPeer?: string } } | undefined)?.incoming
    c.set('ip', clientAddress(c.req.header('x-forwarded-for'), incoming?.hearthPeer, () => getConnInfo(c).remote.address, trustProxy))
    // The URL's scheme and the Host header, without parsing the URL (twice) on every request.
    c.set('https', /^https:/i.test(c.req.url) || (trustProxy && lastHop(c.req.header('x-forwarded-proto')) === 'https'))
    c.set('host', (trustProxy && lastHop(c.req.header('x-forwarded-host'))) || c.req.header('host') || new URL(c.req.url).host)
    const started = performance.now()
    await next()
    const ms = Math.round((performance.now() - started) * 10) / 10
    log.info({ req_id: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms, user: c.get('viewer')?.id ?? null }, 'request')
  }
}

/** Resolves the viewer from `Authorization: Bearer` or the session cookie. Suspended members are logged out. */
export function authenticate(db: Db): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    c.set('viewer', null)
    c.set('account', null)
    c.set('sessionToken', null)
    c.set('authVia', null)
    const header = c.req.header('authorization')
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1]
    const cookie = getCookie(c, SESSION_COOKIE)
    const token = bearer ?? cookie
    if (token) {
      const found = await findSession(db, token)
      if (found && !found.user.suspended_at) {
        const u = found.user
        c.set('viewer', { id: u.id, username: u.username, display_name: displayName(u), role: u.role, permissions: await staffPermissions(db, u) })
        c.set('account', u)
        c.set('sessionToken', token)
        c.set('authVia', bearer ? 'bearer' : 'cookie')
      } else {
        if (found) await deleteSession(db, token)
        if (bearer) throw new AppError(401, 'UNAUTHENTICATED', 'This token is not valid or has expired. Log in again.')
        deleteCookie(c, SESSION_COOKIE, { path: '/' })
      }
    }
    await next()
  }
}

/** A member's staff permissions: their role's, and their custom role's when they hold one (one small read, staff only). */
async function staffPermissions(db: Db, u: UserRow): Promise<Permission[]> {
  if (u.staff_role_id === null) return permissionsOf(u.role)
  const custom = await db.selectFrom('staff_roles').select('permissions').where('id', '=', u.staff_role_id).executeTakeFirst()
  return permissionsOf(u.role, custom ? (JSON.parse(custom.permissions) as string[]) : [])
}

/** False when the request names an Origin that is not this site (no Origin: a non-browser client, allowed). */
export function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin')
  if (!origin) return true
  try {
    return new URL(origin).host === c.get('host')
  } catch {
    return false // "null" and other opaque origins
  }
}

/** Random bytes for new CSRF tokens, drawn from the system's generator 6 KiB at a time rather than 24 bytes a request. */
let tokenBytes = Buffer.alloc(0)
let tokenBytesUsed = 0
function newCsrfToken(): string {
  if (tokenBytesUsed + 24 > tokenBytes.length) {
    tokenBytes = randomBytes(24 * 256)
    tokenBytesUsed = 0
  }
  tokenBytesUsed += 24
  return tokenBytes.toString('base64url', tokenBytesUsed - 24, tokenBytesUsed)
}

const sameToken = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * CSRF protection, double-submit style: a random token in an httpOnly cookie, echoed by forms as `_csrf`
 * (in a multipart form, its FIRST field: docs/decisions/016) and by scripts as `X-CSRF-Token`. Required on
 * state-changing requests that a browser could forge: any carrying the session cookie, and any body a
 * cross-site form could send. Bearer-token requests need none.
 */
export function csrf(): MiddlewareHandler<AppEnv> {
  return async function csrf(c, next) {
    let cookieToken = getCookie(c, CSRF_COOKIE)
    const hadToken = !!cookieToken && /^[A-Za-z0-9_-]{32,64}$/.test(cookieToken)
    if (!hadToken) cookieToken = newCsrfToken()
    c.set('csrfToken', cookieToken!)
    const method = c.req.method
    const give = () => setAppCookie(c, CSRF_COOKIE, cookieToken!, { maxAge: 60 * 60 * 24 * 365 })
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      await next()
      // Given with a page or a redirect (which leads to one), whose forms and scripts carry it; not with every file,
      // playlist or JSON a cookieless client fetches: a cookie header cost a guest's live playlist a quarter of its time.
      const redirect = c.res.status >= 300 && c.res.status < 400 && c.res.status !== 304
      if (!hadToken && (redirect || (c.res.headers.get('content-type') ?? '').startsWith('text/html'))) give()
      return
    }
    if (!hadToken) give()
    if (c.get('authVia') === 'bearer') return next()
    // One-click unsubscribe (RFC 8058): mail programs POST it without a token; its signed URL is its authority,
    // and it only turns emails off.
    if (c.req.path === '/email/unsubscribe') return next()

    if (!sameOrigin(c)) throw new AppError(403, 'CSRF_FAILED', 'This request came from another site and was refused.')
    const type = (c.req.header('content-type') ?? '').toLowerCase()
    // Without the session cookie a request carries no ambient authority, except the body types a
    // cross-site HTML form can send (login CSRF): those always need the token.
    const formType = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].some((t) => type.startsWith(t))
    const needsToken = getCookie(c, SESSION_COOKIE) !== undefined || formType
    if (!needsToken) return next()
    let sent = c.req.header(CSRF_HEADER)
    // Never the whole body: a multipart form carries its token as its first part (read from the stream,
    // before any file), a urlencoded one is parsed within the default body limit.
    if (!sent && type.startsWith('multipart/form-data')) sent = (await leadingField(c, CSRF_FIELD)) ?? undefined
    else if (!sent && type.startsWith('application/x-www-form-urlencoded')) {
      const field = (await c.req.parseBody())[CSRF_FIELD]
      if (typeof field === 'string') sent = field
    }
    if (!hadToken || !sent || !sameToken(sent, cookieToken!)) {
      throw new AppError(403, 'CSRF_FAILED', 'This form has expired or was not sent from Hearth. Reload the page and try again.')
    }
    return next()
  }
}

/** Only logged-in members pass. Pages redirect to the login page; the API answers UNAUTHENTICATED. */
export const requireMember: MiddlewareHandler<AppEnv> = async function requireMember(c, next) {
  if (c.get('viewer')) return next()
  if (c.req.path.startsWith('/api/') || c.req.method !== 'GET') throw unauthenticated()
  return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`)
}

/**
 * Only staff of at least `role` pass: 'moderator' means whoever may moderate content (a moderator, an admin, a custom
 * role with that permission), 'admin' the admins.
 */
export function requireRole(role: 'moderator' | 'admin'): MiddlewareHandler<AppEnv> {
  return requirePermission(role === 'admin' ? 'admin' : 'moderate_content')
}

/** Only members whose permissions meet `need` pass (core/users/permissions.ts); guests are sent to log in first. */
export function requirePermission(need: Requirement): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    const viewer = c.get('viewer')
    if (!viewer) return requireMember(c, next)
    if (!allows(viewer, need)) throw new AppError(403, 'FORBIDDEN', refusal(need))
    return next()
  }
}

/**
 * A same-site redirect target from `?next=`, or the fallback. The path is resolved as a browser
 * would (which drops tabs and newlines and reads `\` as `/`), and only a path on this site survives.
 */
export function safeNext(next: string | undefined | null, fallback = '/'): string {
  if (!next || next.length > 2000 || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return fallback
  try {
    const url = new URL(next, 'http://hearth.invalid')
    if (url.origin !== 'http://hearth.invalid') return fallback
    return url.pathname + url.search + url.hash
  } catch {
    return fallback
  }
}
