// Cookie settings shared by sessions, CSRF and flash messages: httpOnly, SameSite=Lax, Secure behind https.
import type { Context } from 'hono'
import { setCookie } from 'hono/cookie'
import type { CookieOptions } from 'hono/utils/cookie'

export function isHttps(c: Context, trustProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  return trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https'
}

export function setAppCookie(c: Context, name: string, value: string, trustProxy: boolean, options: CookieOptions = {}): void {
  setCookie(c, name, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c, trustProxy), ...options })
}
