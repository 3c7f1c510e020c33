// The log is written asynchronously, so nothing is lost when the process ends right after logging.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { tempDir } from '../test/harness.js'
import { ROOT } from './paths.js'

describe('logger', () => {
  it('writes every line to the file, in order, even when the process exits at once', () => {
    const file = join(tempDir(), 'logs', 'hearth.log')
    const script = `
      import { createLogger } from ${JSON.stringify(pathToFileURL(join(ROOT, 'core/logger.ts')).href)}
      const log = createLogger({ level: 'info', destination: ${JSON.stringify(file)} })
      for (let i = 0; i < 2000; i++) log.info({ i }, 'line')
      process.exit(3)`
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(run.status, 3, run.stderr)
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { i: number; msg: string })
    assert.deepEqual(lines.map((l) => l.i), Array.from({ length: 2000 }, (_, i) => i))
  })
})
