// What a page tells link previews (OpenGraph, Twitter cards) and the colour scheme it is drawn in.
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { ColorScheme } from '../db/schema.js'
import type { AppEnv } from '../http/env.js'

/**
 * A page's link preview. Only pages a guest may see give one (a public post, a public profile): anything else
 * gets the site's generic preview, the same as a missing page (decision 017, hidden == missing).
 */
export interface ShareMeta {
  title: string
  description: string
  /** Absolute URL of the page. */
  url: string
  type: 'article' | 'profile'
  image?: { url: string; alt: string; width?: number | null; height?: number | null }
  card: 'summary' | 'summary_large_image'
}

/** The preview every page without its own gives: the site's name, description and icon, no URL. */
export interface SiteMeta {
  siteName: string
  description: string
  /** Absolute URL of the site's 512 px icon. */
  icon: string
  /** The site's 1200×630 preview image (uploaded in Admin → Site settings, else drawn): every page without its own shows it. */
  image?: { url: string; alt: string; width: number; height: number }
}

/** The site's public base URL, without a trailing slash: HEARTH_PUBLIC_URL, else the scheme and host of the request. */
export function baseUrl(c: Context<AppEnv>, publicUrl: string | null): string {
  return publicUrl ?? `${c.get('https') ? 'https' : 'http'}://${c.get('host')}`
}

/** Text for a description: whitespace folded, at most `max` characters (cut at a word, with an ellipsis). */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= max) return flat
  const cut = flat.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`
}

/** The guest's choice of colours, kept in a cookie (a member's is in their row). */
export const COLOR_SCHEME_COOKIE = 'hearth_scheme'
export const COLOR_SCHEMES: readonly ColorScheme[] = ['system', 'light', 'dark']

export const isColorScheme = (v: unknown): v is ColorScheme => typeof v === 'string' && (COLOR_SCHEMES as readonly string[]).includes(v)

/** The colour scheme to draw the page in: the member's setting, else the guest's cookie, else the device's. */
export function colorSchemeOf(c: Context<AppEnv>): ColorScheme {
  const account = c.get('account')
  if (account) return account.color_scheme
  const cookie = getCookie(c, COLOR_SCHEME_COOKIE)
  return isColorScheme(cookie) ? cookie : 'system'
}
