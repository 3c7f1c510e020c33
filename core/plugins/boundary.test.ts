// The plugin import boundary: a file under plugins/ reaches core only through core/plugins/api.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from '../paths.js'

const CORE = join(ROOT, 'core')
const API = join(CORE, 'plugins', 'api')
const SOURCE = /\.(ts|tsx|js|mjs|cjs|jsx)$/

function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(p))
    else if (SOURCE.test(e.name)) out.push(p)
  }
  return out
}

/** Every module a source file names: static imports and re-exports, `import()` and `require()`. */
export function specifiersOf(source: string): string[] {
  const found: string[] = []
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g]
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!)
  return found
}

/** Where a specifier of `file` leads, as a path without extension, or null for a package or a browser URL. */
export function targetOf(file: string, specifier: string, imports: Record<string, string>): string | null {
  let path: string | null = null
  if (specifier.startsWith('.')) path = resolve(dirname(file), specifier)
  else if (specifier.startsWith('#')) {
    // package.json "imports": '#core/*' style subpath patterns.
    for (const [pattern, target] of Object.entries(imports)) {
      const star = pattern.indexOf('*')
      if (star < 0 ? specifier === pattern : specifier.startsWith(pattern.slice(0, star)) && specifier.endsWith(pattern.slice(star + 1))) {
        const middle = star < 0 ? '' : specifier.slice(star, specifier.length - (pattern.length - star - 1))
        path = resolve(ROOT, target.replace('*', middle))
      }
    }
    path ??= join(ROOT, '#unresolved', specifier)
  } else if (specifier.startsWith('file:')) path = new URL(specifier).pathname
  else if (specifier.startsWith(ROOT)) path = specifier
  return path === null ? null : path.replace(/\.(ts|tsx|js|mjs|cjs|jsx)$/, '')
}

/** The imports of files under `dir` that reach into core anywhere but core/plugins/api, as "file: specifier". */
export function boundaryViolations(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { imports?: Record<string, string | { default?: string }> }
  const imports = Object.fromEntries(Object.entries(pkg.imports ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : (v.default ?? '')]))
  const out: string[] = []
  for (const file of filesUnder(dir)) {
    for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
      const target = targetOf(file, specifier, imports)
      if (target === null) continue
      const unresolvedHash = target.startsWith(join(ROOT, '#unresolved'))
      if (unresolvedHash || ((target === CORE || target.startsWith(CORE + sep)) && target !== API)) out.push(`${relative(ROOT, file)}: ${specifier}`)
    }
  }
  return out
}

describe('the plugin import boundary', () => {
  it('lets files under plugins/ import from core only core/plugins/api', () => {
    assert.deepEqual(boundaryViolations(join(ROOT, 'plugins')), [], 'import these through core/plugins/api (add them to the kit) instead')
  })

  it('refuses relative paths, #core imports and dynamic imports that reach other core files', () => {
    const file = join(ROOT, 'plugins', 'x', 'routes.ts')
    const imports = { '#core/*': './core/*' }
    const reaches = (spec: string) => {
      const t = targetOf(file, spec, imports)
      return t !== null && t.startsWith(CORE + sep) && t !== API
    }
    assert.ok(reaches('../../core/errors.js'))
    assert.ok(reaches('#core/posts/service.js'))
    assert.ok(!reaches('../../core/plugins/api.js'))
    assert.ok(!reaches('#core/plugins/api.js'))
    assert.ok(!reaches('zod'))
    assert.deepEqual(specifiersOf(`import a from '../../core/a.js'\nexport { b } from "../../core/b.js"\nconst c = await import('../../core/c.js')\nimport '../../core/d.js'\nimport type {\n  E,\n} from '../../core/e.js'`).sort(), [
      '../../core/a.js',
      '../../core/b.js',
      '../../core/c.js',
      '../../core/d.js',
      '../../core/e.js',
    ])
  })
})
