// The icon set: Lucide's SVGs (npm lucide-static, ISC), read from node_modules once and drawn inline, so a page
// needs no request per icon and an icon takes the text colour (light and dark alike).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../paths.js'

const DIR = join(ROOT, 'node_modules/lucide-static/icons')
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/
const FALLBACK = 'circle'

/** The icons core's layout draws; read at startup so a missing one fails the boot, not a page. */
export const CORE_ICONS = [
  'house', 'compass', 'search', 'square-plus', 'heart', 'user', 'menu', 'settings', 'bookmark', 'shield',
  'wrench', 'log-in', 'user-plus', 'log-out', 'users', 'video', 'radio', 'circle-plus', 'sparkles', FALLBACK,
] as const

const bodies = new Map<string, string>()

/** The inside of an icon's <svg> (its paths), or null when the set has no such icon. */
function read(name: string): string | null {
  if (!NAME.test(name)) return null
  try {
    const svg = readFileSync(join(DIR, `${name}.svg`), 'utf8')
    const open = svg.indexOf('>', svg.indexOf('<svg'))
    return svg.slice(open + 1, svg.lastIndexOf('</svg>')).replace(/\s*\n\s*/g, '')
  } catch {
    return null
  }
}

for (const name of CORE_ICONS) {
  const body = read(name)
  if (body === null) throw new Error(`The icon "${name}" is missing from lucide-static; run npm install.`)
  bodies.set(name, body)
}

/** An icon's paths; an unknown name (a plugin's typo) draws the plain circle rather than failing the page. */
export function iconBody(name: string): string {
  let body = bodies.get(name)
  if (body === undefined) {
    body = read(name) ?? bodies.get(FALLBACK)!
    bodies.set(name, body)
  }
  return body
}

export interface IconProps {
  /** A Lucide icon name, e.g. 'heart' (https://lucide.dev/icons). */
  name: string
  /** What the icon means when nothing else says it; without a label the icon is decorative (aria-hidden). */
  label?: string
  class?: string
}

/**
 * One icon from the Lucide set, as inline SVG in the current text colour, 1.5em square by default (CSS `.icon`).
 * Give `label` when the icon alone carries the meaning (an icon-only button); leave it out when text beside it
 * says the same.
 *
 * @example
 * <button type="submit"><Icon name="heart" /> Like</button>
 * <a href="/saved"><Icon name="bookmark" label="Saved" /></a>
 */
export function Icon({ name, label, class: cls }: IconProps) {
  const a11y = label ? { role: 'img' as const, 'aria-label': label } : { 'aria-hidden': 'true' as const }
  return (
    <svg
      class={cls ? `icon ${cls}` : 'icon'}
      xmlns="http://www.w3.org/2000/svg"
      width="24"
      height="24"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      focusable="false"
      {...a11y}
      dangerouslySetInnerHTML={{ __html: iconBody(name) }}
    />
  )
}
