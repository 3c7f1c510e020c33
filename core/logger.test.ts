// The log is written asynchronously, so nothing is lost when the process ends right after logging.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { tempDir } from '../test/harness.js'
import { logFormatFor, prettyLine } from './logger.js'
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

describe('log format', () => {
  it('writes readable lines for a terminal and JSON for everything else, unless HEARTH_LOG_FORMAT says', () => {
    assert.equal(logFormatFor(99, {}), 'json', 'not a terminal')
    assert.equal(logFormatFor(99, { HEARTH_LOG_FORMAT: 'pretty' }), 'pretty')
    assert.equal(logFormatFor(99, { HEARTH_LOG_FORMAT: 'JSON' }), 'json')
  })

  it('turns a JSON line into one a person reads: time, level, plugin, message, fields, the stack below', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: '2026-12-04T12:04:05.120Z', app: 'hearth', plugin: 'groups', msg: 'slow request', path: '/g/1', ms: 812, q: 'a b' }))
    assert.equal(line, '12:04:05.120 WARN  [groups] slow request  path=/g/1 ms=812 q="a b"')
    const err = prettyLine(JSON.stringify({ level: 50, time: '2026-12-04T12:04:05.120Z', msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:1)' } }))
    assert.equal(err, '12:04:05.120 ERROR failed\n    Error: boom\n        at x (y.ts:1:1)')
    assert.equal(prettyLine('not json\n'), 'not json')
  })

  it('writes pretty lines through the logger when asked, flushed at exit like JSON ones', () => {
    const file = join(tempDir(), 'pretty.log')
    const script = `
      import { openSync } from 'node:fs'
      import { createLogger } from ${JSON.stringify(pathToFileURL(join(ROOT, 'core/logger.ts')).href)}
      const log = createLogger({ level: 'info', destination: openSync(${JSON.stringify(file)}, 'a'), format: 'pretty' })
      log.child({ plugin: 'hello' }).info({ port: 3000 }, 'listening')
      process.exit(0)`
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    assert.match(readFileSync(file, 'utf8'), /^\d\d:\d\d:\d\d\.\d{3} INFO  \[hello\] listening  port=3000\n$/)
  })
})
