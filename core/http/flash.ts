// One-shot messages carried across a redirect in a cookie, shown on the next page.
import type { Context } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import { setAppCookie } from './cookies.js'
import type { AppEnv } from './env.js'

export interface Flash {
  kind: 'ok' | 'error' | 'info'
  text: string
}

const COOKIE = 'hearth_flash'

export function flash(c: Context<AppEnv>, kind: Flash['kind'], text: string): void {
  const list = [...readFlash(c), { kind, text }].slice(-3)
  setAppCookie(c, COOKIE, Buffer.from(JSON.stringify(list)).toString('base64url'), { maxAge: 60 })
}

function readFlash(c: Context): Flash[] {
  const raw = getCookie(c, COOKIE)
  if (!raw) return []
  try {
    const list = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (!Array.isArray(list)) return []
    return list
      .filter((f): f is Flash => !!f && typeof f.text === 'string' && ['ok', 'error', 'info'].includes(f.kind))
      .map((f) => ({ kind: f.kind, text: f.text.slice(0, 300) }))
  } catch {
    return []
  }
}

/** Read and clear the pending messages. */
export function takeFlash(c: Context): Flash[] {
  const list = readFlash(c)
  if (list.length) deleteCookie(c, COOKIE, { path: '/' })
  return list
}
