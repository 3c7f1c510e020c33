// Finds themes under themes/ (each a folder with theme.ts) and resolves the active one.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Logger } from '../logger.js'
import type { ThemeDefinition } from '../views/theme.js'

export interface LoadedTheme {
  definition: ThemeDefinition
  dir: string
}

export interface ThemeProblem {
  name: string
  error: string
}

/** Load every theme in `dirs` (the first folder that has a name wins). */
export async function loadThemes(dirs: string[], log?: Logger): Promise<{ themes: Map<string, LoadedTheme>; problems: ThemeProblem[] }> {
  const themes = new Map<string, LoadedTheme>()
  const problems: ThemeProblem[] = []
  const folders = dirs.flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => ({ name: d.name, dir })) : [],
  )
  for (const folder of folders) {
    if (themes.has(folder.name) || problems.some((p) => p.name === folder.name)) continue
    const themeDir = join(folder.dir, folder.name)
    const entry = ['theme.ts', 'theme.tsx', 'theme.js'].map((f) => join(themeDir, f)).find(existsSync)
    if (!entry) continue
    try {
      const mod = (await import(pathToFileURL(entry).href)) as { default?: ThemeDefinition }
      const def = mod.default
      if (!def || typeof def.name !== 'string' || !Array.isArray(def.styles) || typeof def.templates !== 'object') {
        throw new Error('theme.ts must export default defineTheme({ name, description, styles, templates })')
      }
      if (def.name !== folder.name) throw new Error(`the folder is "${folder.name}" but the theme calls itself "${def.name}"`)
      themes.set(def.name, { definition: def, dir: themeDir })
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      problems.push({ name: folder.name, error })
      log?.error({ theme: folder.name, err }, `theme ${folder.name} could not be loaded: ${error}`)
    }
  }
  if (!themes.has('default')) throw new Error(`The default theme is missing from ${dirs[0]}; reinstall Hearth.`)
  return { themes, problems }
}
