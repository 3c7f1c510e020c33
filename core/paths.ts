// Where Hearth's own files live, found from this file so it works from any working directory.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder holding package.json, core/, plugins/, themes/. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const PLUGINS_DIR = join(ROOT, 'plugins')
export const THEMES_DIR = join(ROOT, 'themes')
