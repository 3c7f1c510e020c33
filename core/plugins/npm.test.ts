// Plugins installed as npm packages: known by their manifest's name, whatever the package is called.
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { ROOT } from '../paths.js'

// A throwaway package in node_modules, as `npm install` would leave it; removed afterwards.
const PKG = 'hearth-test-npm-plugin'
const dir = join(ROOT, 'node_modules', PKG)

describe('npm plugins', () => {
  let t: TestApp
  before(async () => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: PKG, version: '2.0.0', type: 'module', main: 'index.js' }))
    writeFileSync(
      join(dir, 'index.js'),
      `export default {
  manifest: { name: 'shouty', version: '2.0.0', description: 'From npm' },
  register(ctx) { ctx.routes.get('/shouty', (c) => c.text('HELLO FROM NPM')) },
}\n`,
    )
    t = await createTestApp()
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers a package under its manifest name, enables it, and loads it after a restart', async () => {
    const found = await t.h.plugins.addNpm(PKG)
    assert.equal(found.name, 'shouty')
    assert.equal((await t.h.plugins.addNpm(PKG)).name, 'shouty', 'adding twice is harmless')
    await t.h.plugins.setEnabled('shouty', true, null)
    await t.restart()
    const status = (await t.h.plugins.status()).find((p) => p.name === 'shouty')!
    assert.deepEqual([status.enabled, status.loaded, status.source, status.error], [true, true, 'npm', null])
    assert.equal(await (await t.request('GET', '/shouty')).text(), 'HELLO FROM NPM')
    assert.equal((await t.h.db.selectFrom('plugins').select('name').where('source', '=', 'npm').execute()).length, 1, 'one row, not two')
  })

  it('refuses a package that is not a Hearth plugin', async () => {
    await assert.rejects(t.h.plugins.addNpm('kysely'), /plugin\.ts must `export default definePlugin/)
    await assert.rejects(t.h.plugins.addNpm('hearth-no-such-package'), /could not be loaded/)
  })
})
