// Plugins' durable jobs (ctx.jobs): their own kinds and keys, JSON payloads, transactions, and what a disabled plugin's jobs do.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { jobber } from '../../test/fixtures/plugins/jobber/plugin.js'
import { ROOT } from '../paths.js'

const FIXTURES = join(ROOT, 'test/fixtures/plugins')

describe('plugin durable jobs (ctx.jobs)', () => {
  let t: TestApp
  const jobs = () => jobber.jobs!
  const rows = () => t.h.db.selectFrom('jobs').select(['kind', 'key', 'status', 'payload', 'attempts']).orderBy('id').execute()

  before(async () => (t = await createTestApp({ pluginDirs: [FIXTURES], enable: ['jobber'] })))
  after(() => t.close())
  beforeEach(async () => {
    await t.h.db.deleteFrom('jobs').execute()
    jobber.ran.length = 0
  })

  it('stores a plugin’s kinds and keys under its name, and runs them', async () => {
    await jobs().enqueue('note', { n: 1 }, { key: 'first' })
    await jobs().enqueue('jobber:note', { n: 2 })
    assert.deepEqual((await rows()).map((r) => [r.kind, r.key]), [['jobber:note', 'jobber:first'], ['jobber:note', null]])
    await t.h.queue.drain()
    assert.deepEqual(jobber.ran, [1, 2])
  })

  it('refuses another plugin’s kinds, a kind it did not define, and a payload that is not JSON', async () => {
    await assert.rejects(jobs().enqueue('beta:note', { n: 1 }), /job kind "beta:note" must be lowercase letters/)
    await assert.rejects(jobs().enqueue('nothing', { n: 1 }), /Plugin jobber has no job kind "jobber:nothing": define it with ctx\.jobs\.define/)
    await assert.rejects(jobs().enqueue('note', { at: new Date() }), /payload\.at is a Date/)
    assert.throws(() => jobs().define('Bad Kind', async () => {}), /job kind "Bad Kind" must be lowercase/)
    assert.deepEqual(await rows(), [])
  })

  it('makes one job of a key enqueued twice, and cancels it by that key (only its own)', async () => {
    const at = new Date(Date.now() + 3600_000)
    const a = await jobs().enqueue('note', { n: 1 }, { key: 'purge:9', runAt: at })
    assert.equal(await jobs().enqueue('note', { n: 1 }, { key: 'purge:9', runAt: at }), a)
    assert.equal(await t.h.queue.cancel('purge:9'), false, 'the bare key is not the plugin’s')
    await t.h.queue.drain()
    assert.deepEqual(jobber.ran, [], 'a job due later waits')
    assert.equal(await jobs().cancel('purge:9'), true)
    assert.deepEqual(await rows(), [])
  })

  it('commits a job with the plugin’s own write, or neither', async () => {
    await assert.rejects(
      t.h.db.transaction().execute(async (trx) => {
        await jobs().enqueue('note', { n: 1 }, { db: trx })
        throw new Error('the write failed')
      }),
      /the write failed/,
    )
    assert.deepEqual(await rows(), [])
    await t.h.db.transaction().execute((trx) => jobs().enqueue('note', { n: 2 }, { db: trx }))
    assert.deepEqual((await rows()).map((r) => r.status), ['pending'])
  })

  it('calls onFailed once when a job gives up', async () => {
    await jobs().enqueue('doomed', {})
    await t.h.queue.drain()
    assert.deepEqual(jobber.failed, ['always'])
    assert.deepEqual((await rows()).map((r) => r.status), ['failed'])
  })

  it('keeps a disabled plugin’s jobs pending (neither run nor failed) and runs them once it is enabled again', async () => {
    await jobs().enqueue('note', { n: 7 })
    await t.h.plugins.setEnabled('jobber', false, null)
    await t.restart()
    assert.ok(!t.h.queue.has('jobber:note'))
    await t.h.queue.drain()
    assert.deepEqual((await rows()).map((r) => [r.status, r.attempts]), [['pending', 0]])
    await t.h.plugins.setEnabled('jobber', true, null)
    await t.restart()
    await t.h.queue.drain()
    assert.deepEqual(jobber.ran, [7])
    assert.deepEqual((await rows()).map((r) => r.status), ['done'])
  })

  it('forgets a plugin’s handlers when it is unregistered', () => {
    assert.ok(t.h.queue.has('jobber:note'))
    t.h.plugins.unregister('jobber')
    assert.ok(!t.h.queue.has('jobber:note'))
    assert.ok(!t.h.queue.has('jobber:doomed'))
  })
})
