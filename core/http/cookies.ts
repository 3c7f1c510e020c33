// Cookie settings shared by sessions, CSRF and flash messages: httpOnly, SameSite=Lax, Secure behind https.
import type { Context } from 'hono'
import { setCookie } from 'hono/cookie'
import type { CookieOptions } from 'hono/utils/cookie'
import type { AppEnv } from './env.js'

export function setAppCookie(c: Context<AppEnv>, name: string, value: string, options: CookieOptions = {}): void {
  setCookie(c, name, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure: c.get('https') === true, ...options })
}
