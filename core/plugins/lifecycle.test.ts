// Plugin lifecycle: onClose order and error isolation, route prefixes checked at start, optional dependencies.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, tempDir, type TestApp } from '../../test/harness.js'
import { closed } from '../../test/fixtures/lifecycle/closed.js'
import { ROOT } from '../paths.js'
import { orderByDependencies } from './loader.js'
import { CORE_PREFIXES, prefixesOf, prefixProblem, SHARED_ROOTS, under } from './prefixes.js'

const FIXTURES = join(ROOT, 'test/fixtures/lifecycle')

describe('onClose', () => {
  it('runs close functions newest first across plugins, logs a failing or hanging one with its plugin’s name, and runs the rest', async () => {
    const logFile = join(tempDir(), 'hearth.log')
    const t = await createTestApp({ pluginDirs: [FIXTURES], enable: ['closer-a', 'closer-b', 'closer-c', 'outsider'], logFile })
    assert.deepEqual([...t.h.plugins.loaded.keys()], ['closer-a', 'closer-b', 'closer-c'])
    closed.length = 0
    await t.close()
    // closer-c registered last and closes first, with the database still open; a2 hangs and is left behind.
    assert.deepEqual(closed, ['c (closer-c)', 'b', 'a2 (hangs)', 'a1'])
    // Log lines are written asynchronously: wait (bounded) for the last one to reach the file.
    for (let i = 0; i < 100 && !readFileSync(logFile, 'utf8').includes('closer-a: onClose did not finish'); i++) await new Promise((r) => setTimeout(r, 20))
    const log = readFileSync(logFile, 'utf8')
    assert.match(log, /"plugin":"closer-b".*closer-b: onClose failed: the socket was already gone/)
    assert.match(log, /"plugin":"closer-a".*closer-a: onClose did not finish within 50 ms/)
    assert.doesNotMatch(log, /an unloaded plugin’s onClose must not run/)
  })
})

describe('route prefixes', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ pluginDirs: [FIXTURES], enable: ['outsider', 'board-one', 'board-two', 'big-uploads', 'far-owner'] })
  })
  after(() => t.close())

  it('refuses at start a plugin with a route outside its prefixes, saying which, and keeps core’s page', async () => {
    const outsider = (await t.h.plugins.status()).find((p) => p.name === 'outsider')!
    assert.equal(outsider.loaded, false)
    assert.equal(outsider.enabled, false)
    assert.match(outsider.error!, /its routes must stay under its prefixes \(\/outsider, \/api\/v1\/outsider, \/plugins\/outsider, \/realtime\/outsider; declare others in manifest\.routePrefixes\), but it mounts GET \/explore/)
    assert.doesNotMatch(await (await t.request('GET', '/explore')).text(), /hijacked/)
    assert.equal((await t.request('GET', '/outsider')).status, 404, 'nothing of a refused plugin is served')
  })

  it('refuses a plugin that takes files on a path outside its prefixes', async () => {
    const big = (await t.h.plugins.status()).find((p) => p.name === 'big-uploads')!
    assert.equal(big.loaded, false)
    assert.match(big.error!, /but it mounts POST \/u\/:name\/photos/)
  })

  it('refuses a plugin that declares a path outside its prefixes as served by the primary', async () => {
    const far = (await t.h.plugins.status()).find((p) => p.name === 'far-owner')!
    assert.equal(far.loaded, false)
    assert.match(far.error!, /but it mounts GET \/u\/:name\/\*/)
  })

  it('refuses the second of two plugins claiming one prefix, naming both', async () => {
    const status = await t.h.plugins.status()
    assert.equal(status.find((p) => p.name === 'board-one')!.loaded, true)
    const two = status.find((p) => p.name === 'board-two')!
    assert.equal(two.loaded, false)
    assert.match(two.error!, /plugins board-one and board-two both claim \/board; disable one of them/)
    assert.equal(await (await t.request('GET', '/board')).text(), 'board-one')
  })

  it('refuses prefixes of core’s, of core’s shared roots, of another plugin’s namespace, and malformed ones', () => {
    assert.equal(prefixProblem('meet', prefixesOf('meet', ['/meet-live'])), null)
    assert.match(prefixProblem('x', prefixesOf('x', ['/u']))!, /"\/u" collides with core's "\/u"/)
    assert.match(prefixProblem('x', prefixesOf('x', ['/settings/extra']))!, /collides with core's "\/settings"/)
    assert.match(prefixProblem('search', prefixesOf('search'))!, /"\/search" collides with core's/)
    assert.match(prefixProblem('x', prefixesOf('x', ['/api']))!, /would take all of "\/api"/)
    assert.match(prefixProblem('x', prefixesOf('x', ['/plugins/y']))!, /another plugin's/)
    assert.match(prefixProblem('x', prefixesOf('x', ['/a/:id']))!, /must be a path of lowercase words/)
  })

  it('knows every route core mounts (so a new core route is protected from plugins too)', () => {
    const pluginPrefixes = [...t.h.plugins.loaded.keys()].flatMap((n) => prefixesOf(n, t.h.plugins.loaded.get(n)!.definition.manifest.routePrefixes))
    const stray = t.h.app.routes
      .map((r) => r.path)
      .filter((p) => p !== '/*' && p !== '/api/*' && !SHARED_ROOTS.includes(p as never) && p !== '/realtime/:owner/:channel')
      .filter((p) => ![...CORE_PREFIXES, ...pluginPrefixes].some((c) => under(p, c)))
    assert.deepEqual(stray, [], 'add these to CORE_PREFIXES in core/plugins/prefixes.ts')
  })
})

describe('optional dependencies', () => {
  it('orders a plugin after its optional dependencies when they are enabled, and without them otherwise', () => {
    const both = orderByDependencies([
      { name: 'a-messaging', dependsOn: [], optionalDependsOn: ['stories'] },
      { name: 'stories', dependsOn: [], optionalDependsOn: ['a-messaging'] },
    ])
    assert.deepEqual(both.order, ['stories', 'a-messaging'])
    assert.equal(both.problems.size, 0, 'a circle through an optional edge is no problem')
    const alone = orderByDependencies([{ name: 'a-messaging', dependsOn: [], optionalDependsOn: ['stories'] }])
    assert.deepEqual([alone.order, alone.problems.size], [['a-messaging'], 0])
  })
})
