// The display-name fallback: one function, and no hand-written copies of it in core or plugins.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from '../paths.js'
import { displayName } from './display-name.js'

function sourcesUnder(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...sourcesUnder(p))
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

describe('displayName', () => {
  it('falls back to the username when no display name is set', () => {
    assert.equal(displayName({ display_name: '', username: 'ann' }), 'ann')
    assert.equal(displayName({ display_name: null, username: 'ann' }), 'ann')
    assert.equal(displayName({ display_name: 'Ann', username: 'ann' }), 'Ann')
  })

  it('is the only place in core and plugins that writes the fallback by hand', () => {
    const own = join(ROOT, 'core', 'users', 'display-name.ts')
    const copies = [join(ROOT, 'core'), join(ROOT, 'plugins')]
      .flatMap(sourcesUnder)
      .filter((f) => f !== own && /display_name\s*(\|\||\?\?)\s*\w*\.?\w*username/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f))
    assert.deepEqual(copies, [], 'use displayName from core/users/display-name (plugins: core/plugins/api)')
  })
})
