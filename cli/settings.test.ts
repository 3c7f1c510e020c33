// `hearth settings` as a real subprocess: list, set with checks, reset.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { ROOT } from '../core/paths.js'
import { tempDir } from '../test/harness.js'

const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/hearth.js', ...args], { cwd: ROOT, env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('hearth settings', () => {
  const data = tempDir()
  after(() => rmSync(data, { recursive: true, force: true }))

  it('sets a value, refuses bad ones with one sentence, lists and resets', async () => {
    const set = await run(['settings', 'set', 'site.name', 'Riverside', '--data', data])
    assert.equal(set.code, 0, set.stderr)
    assert.equal(set.stdout.trim(), 'site.name is now "Riverside".')
    const bad = await run(['settings', 'set', 'auth.session_days', 'forever', '--data', data])
    assert.equal(bad.code, 2)
    assert.equal(bad.stderr, 'error: Session lifetime (days): enter a number.\n')
    const unknown = await run(['settings', 'set', 'nope', '1', '--data', data])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /^error: There is no setting "nope"\.\nhint: See `hearth settings list`\.\n$/)
    const list = JSON.parse((await run(['settings', 'list', '--json', '--data', data])).stdout) as { key: string; value: unknown }[]
    assert.equal(list.find((r) => r.key === 'site.name')!.value, 'Riverside')
    assert.equal(list.find((r) => r.key === 'auth.session_days')!.value, 30)
    const reset = await run(['settings', 'reset', 'site.name', '--json', '--data', data])
    assert.deepEqual(JSON.parse(reset.stdout), { 'site.name': 'Hearth' })
    // A secret is taken, never printed back.
    const secret = await run(['settings', 'set', 'rtc.turn_secret', 'hush-hush-123', '--data', data])
    assert.equal(secret.stdout.trim(), 'rtc.turn_secret is now "(set)".')
    const listed = (await run(['settings', 'list', '--data', data])).stdout
    assert.match(listed, /rtc\.turn_secret\s+"\(set\)"/)
    assert.doesNotMatch(listed, /hush-hush/)
  })
})
