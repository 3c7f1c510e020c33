// The icon set: Lucide's SVGs (npm lucide-static, ISC), read from node_modules once and drawn in the page (in a page
// render, as references to one <symbol> each), so a page needs no request per icon and an icon takes the text colour.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../paths.js'
import { h, type VNode } from 'preact'
import { escapeValue, raw } from './html.js'

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

/** What the layout's CSS may change (fill, stroke width) sits on the outer <svg>: a <use>'s copy inherits it. */
const FRAME = 'viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false"'

/**
 * The icons of the page being rendered, while a page render runs (withIconSprite): its icons are drawn by reference
 * to one <symbol> each, written once at the end of the page. Null elsewhere (htmx fragments, HTML sent over a socket):
 * those draw their icons whole, as they may land in a page whose symbols lack them. `written`: the symbols are out,
 * so an icon after them is drawn whole.
 */
let sprite: { used: Set<string>; written: boolean } | null = null

/** Drawn icons by name and class, without a label (a label is free text: not kept). */
const drawn = new Map<string, { whole: string; ref: string }>()

function markup(name: string, label: string | undefined, cls: string | undefined, ref: boolean): string {
  const a11y = label ? `role="img" aria-label="${escapeValue(label)}"` : 'aria-hidden="true"'
  const body = ref ? `<use href="#icon-${name}"/>` : iconBody(name)
  return `<svg class="${cls ? `icon ${escapeValue(cls)}` : 'icon'}" ${FRAME} ${a11y}>${body}</svg>`
}

function symbolsOf(used: Set<string>): string {
  if (!used.size) return ''
  // In a hidden <div>: `hidden` on an <svg> hides nothing (an SVG element), and the CSP forbids a style attribute.
  let out = '<div hidden><svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
  for (const name of used) out += `<symbol id="icon-${name}" viewBox="0 0 24 24">${iconBody(name)}</symbol>`
  return out + '</svg></div>'
}

/** The symbols of the icons the page drew so far: the layout puts it last in <body> (LayoutProps.icons). */
function IconSymbols() {
  if (!sprite || sprite.written) return null
  sprite.written = true
  return raw(symbolsOf(sprite.used))
}

/**
 * Render a page with its icons by reference: `render` is given the node of the symbols, for the layout's end of
 * <body>, and answers the page's HTML. A layout that leaves the node out has the symbols written before its </body>.
 * An icon is ~400 bytes of paths drawn inline; by reference it is its frame and a <use>: the home page's 137 core
 * icons draw 22 symbols (docs/benchmarks.md).
 */
export function withIconSprite(render: (symbols: VNode) => string): string {
  const outer = sprite
  const page = (sprite = { used: new Set<string>(), written: false })
  let html: string
  try {
    html = render(h(IconSymbols, {}))
  } finally {
    sprite = outer
  }
  if (page.written || !page.used.size) return html
  const end = html.lastIndexOf('</body>')
  return end < 0 ? html + symbolsOf(page.used) : html.slice(0, end) + symbolsOf(page.used) + html.slice(end)
}

/**
 * One icon from the Lucide set, in the current text colour, 1.5em square by default (CSS `.icon`): in a page, a
 * reference to the page's symbol of it; elsewhere inline SVG. Give `label` when the icon alone carries the meaning
 * (an icon-only button); leave it out when text beside it says the same.
 *
 * @example
 * <button type="submit"><Icon name="heart" /> Like</button>
 * <a href="/saved"><Icon name="bookmark" label="Saved" /></a>
 */
export function Icon(props: IconProps) {
  return draw(props, sprite !== null && !sprite.written)
}

/**
 * The same icon, always drawn whole: plugins' `Icon` (core/plugins/api.ts). A plugin may send what it draws over a
 * socket as HTML too and expect the page's copy to be the same markup (live's gifts are), so its icons do not
 * depend on where they are drawn.
 */
export function InlineIcon(props: IconProps) {
  return draw(props, false)
}

function draw({ name, label, class: cls }: IconProps, ref: boolean) {
  // An unknown name (a plugin's typo) is the fallback circle, under its id: only the set's names reach the markup.
  if (iconBody(name) === bodies.get(FALLBACK)) name = FALLBACK
  if (ref) sprite!.used.add(name)
  let html: string
  if (label) html = markup(name, label, cls, ref)
  else {
    const key = cls ? `${name} ${cls}` : name
    let hit = drawn.get(key)
    if (!hit) drawn.set(key, (hit = { whole: markup(name, undefined, cls, false), ref: markup(name, undefined, cls, true) }))
    html = ref ? hit.ref : hit.whole
  }
  // Written as is by the serializer (core/views/html.ts): no attribute work.
  return raw(html)
}
