// The job queue: order, retries with backoff, giving up, bounded concurrency, and picking up after a crash.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { tempDir } from '../../test/harness.js'
import { openStore, type Store } from '../db/connect.js'
import { CORE_MIGRATIONS, migrateOwner } from '../db/migrate.js'
import { createLogger } from '../logger.js'
import { defaultBackoff, JobQueue, MAX_PAYLOAD_BYTES, UnrecoverableJobError, type JobInfo } from './queue.js'

const log = createLogger({ level: 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

describe('job queue', () => {
  let dir: string
  let store: Store
  const job = (id: number) => store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  before(async () => {
    dir = tempDir()
    store = openStore(join(dir, 'hearth.db'))
    await migrateOwner(store.db, 'core', CORE_MIGRATIONS)
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    await store.db.deleteFrom('jobs').execute()
  })

  it('runs jobs in the order they are due, then by id', async () => {
    const q = new JobQueue(store.db, log)
    const seen: string[] = []
    q.define('note', async (p: { n: string }) => void seen.push(p.n))
    await q.enqueue('note', { n: 'a' })
    await q.enqueue('note', { n: 'b' })
    await q.enqueue('note', { n: 'early' }, { runAt: new Date(Date.now() - 60_000) })
    await q.enqueue('note', { n: 'later' }, { runAt: new Date(Date.now() + 60_000) })
    await q.drain()
    assert.deepEqual(seen, ['early', 'a', 'b'])
    const rows = await store.db.selectFrom('jobs').select(['status', 'attempts']).orderBy('id').execute()
    assert.deepEqual(rows.map((r) => r.status), ['done', 'done', 'done', 'pending'], 'a job due later waits')
    assert.equal(rows[0]!.attempts, 1)
  })

  it('retries a failing job with exponential backoff, recording the error, then succeeds', async () => {
    const q = new JobQueue(store.db, log)
    let calls = 0
    const attempts: number[] = []
    q.define('flaky', async (_p, info: JobInfo) => {
      attempts.push(info.attempts)
      if (++calls < 3) throw new Error(`flake ${calls}`)
    })
    const id = await q.enqueue('flaky', {})
    await q.drain()
    let row = await job(id)
    assert.equal(row.status, 'pending')
    assert.equal(row.attempts, 1)
    assert.equal(row.last_error, 'flake 1')
    const firstDelay = Date.parse(row.run_at) - Date.parse(row.updated_at)
    assert.ok(Math.abs(firstDelay - 2000) < 50, `first retry after about 2 s, not ${firstDelay} ms`)

    // Make it due now instead of waiting.
    await store.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1).toISOString() }).where('id', '=', id).execute()
    await q.drain()
    row = await job(id)
    assert.equal(row.last_error, 'flake 2')
    const secondDelay = Date.parse(row.run_at) - Date.parse(row.updated_at)
    assert.ok(Math.abs(secondDelay - 4000) < 50, `second retry after about 4 s, not ${secondDelay} ms`)

    await store.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1).toISOString() }).where('id', '=', id).execute()
    await q.drain()
    row = await job(id)
    assert.equal(row.status, 'done')
    assert.deepEqual(attempts, [1, 2, 3])
    assert.deepEqual([1, 2, 3, 4, 9, 10, 20].map(defaultBackoff), [2000, 4000, 8000, 16000, 512000, 600000, 600000], 'capped at 10 minutes')
  })

  it('gives up after max attempts, marks the job failed and calls onFailed once', async () => {
    const q = new JobQueue(store.db, log, { backoffMs: () => 1 })
    const failures: [unknown, string, number][] = []
    q.define('doomed', async () => Promise.reject(new Error('still broken')), {
      maxAttempts: 3,
      onFailed: (payload, error, info) => void failures.push([payload, error, info.attempts]),
    })
    const id = await q.enqueue('doomed', { x: 1 })
    for (let i = 0; i < 5; i++) {
      await q.drain()
      await sleep(5)
    }
    const row = await job(id)
    assert.equal(row.status, 'failed')
    assert.equal(row.attempts, 3)
    assert.equal(row.last_error, 'still broken')
    assert.deepEqual(failures, [[{ x: 1 }, 'still broken', 3]])
  })

  it('fails at once on an unrecoverable error, and per enqueue max attempts win', async () => {
    const q = new JobQueue(store.db, log, { backoffMs: () => 1 })
    q.define('bad-input', async () => Promise.reject(new UnrecoverableJobError('The file is damaged.')), { maxAttempts: 5 })
    q.define('twice', async () => Promise.reject(new Error('nope')), { maxAttempts: 5 })
    const bad = await q.enqueue('bad-input', {})
    const twice = await q.enqueue('twice', {}, { maxAttempts: 2 })
    for (let i = 0; i < 4; i++) {
      await q.drain()
      await sleep(5)
    }
    assert.deepEqual([(await job(bad)).status, (await job(bad)).attempts, (await job(bad)).last_error], ['failed', 1, 'The file is damaged.'])
    assert.deepEqual([(await job(twice)).status, (await job(twice)).attempts], ['failed', 2])
  })

  it('fails a job of an unknown kind with a clear error', async () => {
    const q = new JobQueue(store.db, log)
    const id = await q.enqueue('gone.plugin-job', { a: 1 })
    await q.drain()
    const row = await job(id)
    assert.equal(row.status, 'failed')
    assert.match(row.last_error!, /No handler is defined for jobs of kind "gone\.plugin-job"/)
  })

  it('never runs more than `concurrency` jobs at once, and runs that many', async () => {
    const q = new JobQueue(store.db, log, { concurrency: 2 })
    let now = 0
    let peak = 0
    q.define('slow', async () => {
      peak = Math.max(peak, ++now)
      await sleep(20)
      now--
    })
    for (let i = 0; i < 7; i++) await q.enqueue('slow', { i })
    await q.drain()
    assert.equal(peak, 2)
    const left = await store.db.selectFrom('jobs').select('id').where('status', '!=', 'done').execute()
    assert.equal(left.length, 0)
  })

  it('keeps heavy kinds within their own limit so light jobs still get a slot', async () => {
    const q = new JobQueue(store.db, log, { concurrency: 2 })
    let videos = 0
    let peakVideos = 0
    const order: string[] = []
    q.define('video', async (p: { n: number }) => {
      peakVideos = Math.max(peakVideos, ++videos)
      await sleep(40)
      videos--
      order.push(`video${p.n}`)
    }, { concurrency: 1 })
    q.define('fanout', async (p: { n: number }) => {
      assert.equal(videos, 1, 'a light job runs beside the video')
      order.push(`fanout${p.n}`)
    })
    for (const n of [1, 2, 3]) await q.enqueue('video', { n })
    for (const n of [1, 2]) await q.enqueue('fanout', { n })
    await q.drain()
    assert.equal(peakVideos, 1)
    assert.deepEqual(order, ['fanout1', 'fanout2', 'video1', 'video2', 'video3'])
  })

  it('wakes at once on enqueue when started, retries when due, and stop() waits for running jobs', async () => {
    const q = new JobQueue(store.db, log, { pollMs: 60_000, backoffMs: () => 30 })
    const done: number[] = []
    let fail = true
    q.define('tick', async (p: { n: number }) => {
      await sleep(30)
      if (p.n === 2 && fail) {
        fail = false
        throw new Error('once')
      }
      done.push(p.n)
    })
    q.start()
    const started = Date.now()
    await q.enqueue('tick', { n: 1 })
    await until(() => done.includes(1), 'the first job')
    assert.ok(Date.now() - started < 1000, 'no waiting for the poll interval')
    await q.enqueue('tick', { n: 2 })
    await until(() => done.includes(2), 'the retried job (woken by its due time, not the 60 s poll)')
    await q.enqueue('tick', { n: 3 })
    await until(() => q.active === 1, 'the third job to start')
    await q.stop()
    assert.ok(done.includes(3), 'stop() awaited the running job')
    await q.enqueue('tick', { n: 4 })
    await sleep(50)
    assert.ok(!done.includes(4), 'a stopped queue takes nothing')
  })

  it('aborts jobs still running after the grace period; they go back to pending without using an attempt', async () => {
    const q = new JobQueue(store.db, log)
    q.define('long', (_p, { signal }: JobInfo) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
    q.start()
    const id = await q.enqueue('long', {})
    await until(() => q.active === 1, 'the job to start')
    await q.stop({ graceMs: 20 })
    const row = await job(id)
    assert.equal(row.status, 'pending')
    assert.equal(row.attempts, 0)
    assert.equal(row.locked_at, null)
  })

  it('picks up jobs a crashed process left running: at start, or once their lock expired', async () => {
    // A "crashed" queue: it claimed two jobs and died without finishing them.
    const crashed = new JobQueue(store.db, log)
    crashed.define('work', () => new Promise<void>(() => {}))
    const a = await crashed.enqueue('work', { name: 'a' })
    const b = await crashed.enqueue('work', { name: 'b' })
    await store.db.updateTable('jobs').set({ status: 'running', attempts: 1, locked_at: new Date().toISOString() }).where('id', '=', a).execute()
    await store.db.updateTable('jobs').set({ status: 'running', attempts: 1, locked_at: new Date(Date.now() - 3600_000).toISOString() }).where('id', '=', b).execute()

    const tool = new JobQueue(store.db, log)
    const ran: string[] = []
    tool.define('work', async (p: { name: string }, info: JobInfo) => void ran.push(`${p.name}#${info.attempts}`))
    await tool.drain()
    assert.deepEqual(ran, ['b#2'], 'drain takes only the job whose lock expired')
    assert.equal((await job(a)).status, 'running')

    const server = new JobQueue(store.db, log)
    server.define('work', async (p: { name: string }, info: JobInfo) => void ran.push(`${p.name}#${info.attempts}`))
    server.start()
    await until(async () => (await job(a)).status === 'done', 'the job to finish after the restart')
    await server.stop()
    assert.deepEqual(ran, ['b#2', 'a#2'])
  })

  it('fails a job that was interrupted on its last attempt instead of running it forever', async () => {
    const failed: string[] = []
    const q = new JobQueue(store.db, log)
    q.define('crashy', async () => {}, { maxAttempts: 2, onFailed: (_p, error) => void failed.push(error) })
    const id = await q.enqueue('crashy', {})
    await store.db.updateTable('jobs').set({ status: 'running', attempts: 2, locked_at: new Date(0).toISOString() }).where('id', '=', id).execute()
    await q.drain()
    const row = await job(id)
    assert.equal(row.status, 'failed')
    assert.match(row.last_error!, /interrupted on its last attempt/)
    assert.equal(failed.length, 1)
  })

  it('makes the same key enqueued twice one job while it is outstanding, and frees the key once it has run', async () => {
    const q = new JobQueue(store.db, log)
    const seen: number[] = []
    q.define('remind', async (p: { n: number }) => void seen.push(p.n))
    const first = await q.enqueue('remind', { n: 1 }, { key: 'remind:7' })
    assert.equal(await q.enqueue('remind', { n: 2 }, { key: 'remind:7' }), first, 'the second enqueue answers the first job')
    const other = await q.enqueue('remind', { n: 3 }, { key: 'remind:8' })
    assert.notEqual(other, first)
    await q.drain()
    assert.deepEqual(seen, [1, 3], 'the duplicate never ran')
    const again = await q.enqueue('remind', { n: 4 }, { key: 'remind:7' })
    assert.notEqual(again, first, 'a finished job frees its key')
    await q.drain()
    assert.deepEqual(seen, [1, 3, 4])
  })

  it('writes job statuses into its SQL, and finds the job holding a key through the key’s index', async () => {
    // A bound status compared with a partial index's condition (`status = 'failed'`, `status in ('pending',
    // 'running')`) makes SQLite prepare the statement again at every run; read by key alone, it scanned the table.
    const seen = new Set<string>()
    // Statements are kept prepared (core/db/connect.ts): what runs is seen where it runs.
    const statement = Object.getPrototypeOf(store.sqlite.prepare('select 1')) as Record<'all' | 'get' | 'run', (...args: unknown[]) => unknown>
    const originals = { all: statement.all, get: statement.get, run: statement.run }
    for (const m of ['all', 'get', 'run'] as const) {
      statement[m] = function (this: { source: string }, ...args: unknown[]) {
        seen.add(this.source)
        return originals[m].apply(this, args)
      }
    }
    try {
      const q = new JobQueue(store.db, log)
      q.define('remind', async () => {})
      const first = await q.enqueue('remind', { n: 1 }, { key: 'remind:9' })
      assert.equal(await q.enqueue('remind', { n: 2 }, { key: 'remind:9' }), first)
      await q.enqueue('remind', { n: 3 })
      await q.drain()
      await q.prune()
    } finally {
      Object.assign(statement, originals)
    }
    const statements = [...seen].filter((s) => s.includes('"jobs"'))
    assert.ok(statements.length >= 5, statements.join('\n'))
    for (const s of statements) assert.doesNotMatch(s, /(where|and|or) "status" (=|in|<>|!=) \(?\?/, s)
    const byKey = statements.find((s) => /^select "id" from "jobs" where "key" = \?/.test(s))!
    const plan = store.sqlite.prepare(`explain query plan ${byKey}`).all('remind:9') as { detail: string }[]
    assert.match(plan.map((p) => p.detail).join(' '), /USING INDEX jobs_key_outstanding/)
  })

  it('cancels a pending job by its key, and leaves a running one alone', async () => {
    const q = new JobQueue(store.db, log)
    const seen: string[] = []
    let release!: () => void
    q.define('later', async (p: { n: string }) => void seen.push(p.n))
    q.define('hold', () => new Promise<void>((resolve) => (release = resolve)))
    const id = await q.enqueue('later', { n: 'scheduled' }, { key: 'purge:1', runAt: new Date(Date.now() + 60_000) })
    assert.equal(await q.cancel('purge:1'), true)
    assert.equal(await q.cancel('purge:1'), false, 'nothing left to cancel')
    assert.equal(await store.db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst(), undefined)
    // Rescheduling under the same key after a cancel makes a new job.
    await q.enqueue('later', { n: 'rescheduled' }, { key: 'purge:1' })
    await q.drain()
    assert.deepEqual(seen, ['rescheduled'])

    const held = await q.enqueue('hold', {}, { key: 'hold:1' })
    q.start()
    await until(async () => (await job(held)).status === 'running', 'the job to start')
    assert.equal(await q.cancel('hold:1'), false, 'a running job is not cancelled')
    release()
    await until(async () => (await job(held)).status === 'done', 'the job to finish')
    await q.stop()
  })

  it('refuses a payload JSON would change or cannot hold, and one over 64 KiB, storing nothing', async () => {
    const q = new JobQueue(store.db, log)
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const refused: [unknown, RegExp][] = [
      [{ at: new Date() }, /payload\.at is a Date.*toISOString/],
      [{ n: Number.NaN }, /payload\.n is NaN/],
      [{ list: [1, undefined] }, /payload\.list\[1\] is undefined/],
      [{ big: 10n }, /payload\.big is a bigint/],
      [{ seen: new Set([1]) }, /payload\.seen is a Set/],
      [{ fn: () => 1 }, /payload\.fn is a function/],
      [cyclic, /payload\.self refers back to itself/],
      [{ text: 'x'.repeat(MAX_PAYLOAD_BYTES) }, /at most 64 KiB of JSON; this one holds 65 KiB/],
    ]
    for (const [payload, error] of refused) await assert.rejects(q.enqueue('x', payload), error)
    await assert.rejects(q.enqueue('x', {}, { runAt: new Date('not a date') }), /runAt must be a valid Date/)
    assert.equal((await store.db.selectFrom('jobs').select('id').execute()).length, 0)
    await q.enqueue('x', { nested: { list: [1, 'two', null, true, { deep: [] }] } })
    assert.equal((await store.db.selectFrom('jobs').select('payload').executeTakeFirstOrThrow()).payload, '{"nested":{"list":[1,"two",null,true,{"deep":[]}]}}')
  })

  it('commits a job enqueued in a transaction with it: a rollback leaves no job, and a started queue waits for the commit', async () => {
    const q = new JobQueue(store.db, log, { pollMs: 60_000 })
    const ran: string[] = []
    q.define('promised', async (p: { n: string }) => void ran.push(p.n))
    q.start()
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await q.enqueueIn(trx, 'promised', { n: 'rolled back' })
        throw new Error('the write failed after its job was queued')
      }),
      /the write failed/,
    )
    await store.db.transaction().execute(async (trx) => {
      await q.enqueueIn(trx, 'promised', { n: 'committed' })
      // The queue was woken by the enqueue; it must not see the job before this transaction ends.
      await sleep(50)
      assert.deepEqual(ran, [], 'nothing runs before the commit')
    })
    await until(() => ran.includes('committed'), 'the committed job')
    await q.stop()
    assert.deepEqual(ran, ['committed'])
    assert.deepEqual((await store.db.selectFrom('jobs').select('payload').execute()).map((r) => r.payload), ['{"n":"committed"}'])
  })

  it('keeps a plugin job whose handler is not loaded pending (neither run nor failed), and runs it once its plugin is back', async () => {
    const q = new JobQueue(store.db, log)
    const id = await q.enqueue('gone:wave-back', { waveId: 1 })
    q.define('core.thing', async () => {})
    await q.drain()
    const row = await job(id)
    assert.deepEqual([row.status, row.attempts, row.last_error], ['pending', 0, null])

    const back = new JobQueue(store.db, log)
    const seen: unknown[] = []
    back.define('gone:wave-back', async (p) => void seen.push(p))
    await back.drain()
    assert.deepEqual(seen, [{ waveId: 1 }])
    assert.equal((await job(id)).status, 'done')
  })

  it('does not spin on a due plugin job it cannot run: a started queue waits for its poll', async () => {
    const q = new JobQueue(store.db, log, { pollMs: 60_000 })
    await q.enqueue('gone:job', {})
    let claims = 0
    const original = store.db.updateTable.bind(store.db)
    // Count claim attempts through the queue's handle while it is started.
    ;(q as unknown as { db: typeof store.db }).db = new Proxy(store.db, {
      get(target, prop, receiver) {
        if (prop === 'updateTable') return (...args: Parameters<typeof original>) => (claims++, original(...args))
        return Reflect.get(target, prop, receiver)
      },
    })
    q.start()
    await sleep(200)
    await q.stop()
    assert.ok(claims <= 2, `the queue tried to claim ${claims} times in 200 ms`)
  })

  it('prunes done jobs after a day and failed ones after a month', async () => {
    const q = new JobQueue(store.db, log)
    const old = (days: number) => new Date(Date.now() - days * 86400_000).toISOString()
    const rows = [
      { status: 'done', updated_at: old(2) },
      { status: 'done', updated_at: old(0.5) },
      { status: 'failed', updated_at: old(2) },
      { status: 'failed', updated_at: old(31) },
      { status: 'pending', updated_at: old(40) },
    ] as const
    for (const r of rows) await store.db.insertInto('jobs').values({ kind: 'x', payload: '{}', run_at: old(50), ...r }).execute()
    assert.equal(await q.prune(), 2)
    const left = await store.db.selectFrom('jobs').select('status').orderBy('id').execute()
    assert.deepEqual(left.map((r) => r.status), ['done', 'failed', 'pending'])
  })
})
