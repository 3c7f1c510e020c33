// The app's PNG icons (manifest, home screen, link previews), drawn once from the theme's icon.svg with sharp and kept in memory.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'

/** The icons served at /app-icon/NAME: square PNGs; the maskable one keeps the icon inside the central 80 %. */
export const APP_ICONS = {
  '180.png': { size: 180, maskable: false },
  '192.png': { size: 192, maskable: false },
  '512.png': { size: 512, maskable: false },
  'maskable-512.png': { size: 512, maskable: true },
} as const

export type AppIconName = keyof typeof APP_ICONS

export const isAppIcon = (name: string): name is AppIconName => Object.hasOwn(APP_ICONS, name)

/** The theme's icon.svg (`assets/icon.svg` in its folder), else the default theme's. */
export function iconSource(themeDir: string, defaultDir: string): string {
  const own = join(themeDir, 'assets/icon.svg')
  return existsSync(own) ? own : join(defaultDir, 'assets/icon.svg')
}

/**
 * Draw one icon. The maskable one (Android crops it to a circle or a squircle) is the icon at 80 % on a square of
 * `background`, so nothing of it is cut away.
 */
export async function drawIcon(svgPath: string, name: AppIconName, background: string): Promise<Buffer> {
  const { size, maskable } = APP_ICONS[name]
  const svg = await readFile(svgPath)
  const inner = maskable ? Math.round(size * 0.8) : size
  // Rendered at a density that gives at least `inner` pixels, then resized: sharp draws SVG at 72 dpi by default.
  const drawn = sharp(svg, { density: 72 * Math.max(1, Math.ceil(inner / 32)) }).resize(inner, inner, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
  if (!maskable) return drawn.png().toBuffer()
  const pad = Math.floor((size - inner) / 2)
  const png = await drawn.png().toBuffer()
  return sharp(png)
    .extend({ top: pad, bottom: size - inner - pad, left: pad, right: size - inner - pad, background })
    .flatten({ background })
    .png()
    .toBuffer()
}

/** Icons drawn on first request and kept, per source file. */
export class IconCache {
  private readonly kept = new Map<string, Promise<Buffer>>()
  get(svgPath: string, name: AppIconName, background: string): Promise<Buffer> {
    const key = `${svgPath}\n${name}\n${background}`
    let icon = this.kept.get(key)
    if (!icon) {
      icon = drawIcon(svgPath, name, background)
      // A failure is not kept: the next request tries again.
      icon.catch(() => this.kept.delete(key))
      this.kept.set(key, icon)
    }
    return icon
  }
}
