// Core's folders form layers: no circle of imports between them (decision 021). Reads the sources, not the build.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from './paths.js'

const CORE = join(ROOT, 'core')

/**
 * Files that gather the types of many folders into one contract. A type-only import of one of them, or from
 * one of them, is not a layer edge: the types are erased at build time and these files exist to name every
 * part in one place. Value imports of them still count.
 */
const TYPE_HUBS: Record<string, string> = {
  'services.ts': 'the Services interface names every service, and every route module takes it',
  'module.ts': 'the CoreModule shape takes Services, and every folder exports one',
  'db/schema.ts': 'the Database type gathers every folder\'s tables.ts',
  'hooks/types.ts': 'the hook map names the payloads of every folder\'s hooks',
  'plugins/api.ts': 'the plugin contract re-exports the types plugins see from every folder',
  'http/env.ts': 'the request context names the viewer and account of every request',
}

/**
 * Type-only edges kept on purpose, each against the direction of the layers: a service handed another at
 * construction names its type. Any other type import that closes a circle fails the test.
 */
const ALLOWED_TYPE_EDGES: Record<string, string> = {
  'users -> auth': 'the users service is handed the RateLimiter (auth/rate-limit.ts) that counts sign-up attempts',
  'posts -> social': 'createPostsService is handed the social service, to know who follows whom',
  'safety -> social': 'createSafetyService is handed the social service: a block ends a follow',
  'posts -> engagement': 'the post page shows the comment and collection shapes the engagement service makes',
  'views -> themes': 'the renderer is handed the themes the loader read (LoadedTheme)',
  'plugins -> admin': 'the plugin manager is handed the console\'s registry (AdminRegistry), where plugins add sections and tiles',
  'verification -> admin': 'the verification module adds its console section (AdminSection), and the console\'s member page shows its panel',
  'curation -> onboarding': 'createCurationService is handed the onboarding service, which keeps the default hashtags curation edits',
}

interface Edge {
  from: string
  to: string
  file: string
  typeOnly: boolean
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'client' ? [] : sources(p)
    return /\.(ts|tsx|js)$/.test(e.name) && !/\.test\./.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

const folderOf = (file: string) => relative(CORE, file).split('/')[0]!.replace(/\.(ts|tsx|js)$/, '')
const coreFile = (file: string) => relative(CORE, file).replace(/\.js$/, '.ts')

/** Every import between two core folders: `import`/`export ... from`, and dynamic `import()`. */
function edges(): Edge[] {
  const out: Edge[] = []
  for (const file of sources(CORE)) {
    const src = readFileSync(file, 'utf8')
    const found = [...src.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => ({ typeOnly: !!m[2], spec: m[3]! }))
    for (const m of src.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) found.push({ typeOnly: false, spec: m[1]! })
    for (const { typeOnly, spec } of found) {
      const target = resolve(dirname(file), spec)
      if (!target.startsWith(CORE + '/')) continue
      const [from, to] = [folderOf(file), folderOf(target)]
      if (from === to) continue
      const viaHub = typeOnly && [coreFile(file), coreFile(target).replace(/\.tsx$/, '.ts')].some((f) => f in TYPE_HUBS || f.replace(/\.ts$/, '.tsx') in TYPE_HUBS)
      if (!viaHub) out.push({ from, to, file: relative(ROOT, file), typeOnly })
    }
  }
  return out
}

/** The circles of a graph (strongly connected components of more than one folder), each with the edges inside it. */
function circles(list: Edge[]): string[] {
  const next = new Map<string, Set<string>>()
  for (const e of list) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to))
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        c.push(w)
      } while (w !== v)
      if (c.length > 1) found.push(c)
    }
  }
  for (const v of next.keys()) if (!index.has(v)) visit(v)
  return found.map((c) => {
    const inside = list.filter((e) => c.includes(e.from) && c.includes(e.to)).map((e) => `  ${e.from} -> ${e.to} (${e.typeOnly ? 'type' : 'value'}, ${e.file})`)
    return `${c.sort().join(' ')}:\n${[...new Set(inside)].sort().join('\n')}`
  })
}

describe('core layers', () => {
  it('refuses a circle of value imports between core folders', () => {
    assert.deepEqual(circles(edges().filter((e) => !e.typeOnly)), [])
  })

  it('refuses a circle of type imports between core folders, outside the listed hubs and edges', () => {
    assert.deepEqual(circles(edges().filter((e) => !(e.typeOnly && `${e.from} -> ${e.to}` in ALLOWED_TYPE_EDGES))), [])
  })

  it('lists no allowed type edge that is gone or has become a value import', () => {
    const all = edges()
    for (const edge of Object.keys(ALLOWED_TYPE_EDGES)) {
      const found = all.filter((e) => `${e.from} -> ${e.to}` === edge)
      assert.ok(found.length > 0, `${edge} is no longer imported: take it off ALLOWED_TYPE_EDGES`)
      assert.deepEqual(found.filter((e) => !e.typeOnly).map((e) => e.file), [], `${edge} must stay type-only`)
    }
  })

  it('finds a circle when there is one (the check itself works)', () => {
    const c = circles([
      { from: 'users', to: 'auth', file: 'core/users/service.ts', typeOnly: false },
      { from: 'auth', to: 'users', file: 'core/auth/service.ts', typeOnly: false },
    ])
    assert.equal(c.length, 1)
    assert.match(c[0]!, /^auth users:/)
  })
})
