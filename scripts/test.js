// Runs every test file (*.test.ts, *.test.tsx) under core/, cli/, plugins/, themes/ and test/ with node:test and tsx.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['core', 'cli', 'plugins', 'themes', 'test']
const files = []
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) walk(p)
    else if (/\.test\.tsx?$/.test(e.name)) files.push(p)
  }
}
for (const r of roots) walk(r)
// Filter by substring: `npm test -- auth cli` runs only files whose path contains one of the words.
const only = process.argv.slice(2)
const selected = only.length ? files.filter((f) => only.some((w) => f.includes(w))) : files
if (!selected.length) {
  console.error('No test files matched.')
  process.exit(1)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...selected.sort()], {
  stdio: 'inherit',
  env: { ...process.env, HEARTH_LOG_LEVEL: process.env.HEARTH_LOG_LEVEL ?? 'silent' },
})
process.exit(result.status ?? 1)
