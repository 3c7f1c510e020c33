// The primary-only gate: work starts on a primary, stops on a replica, and the running server puts its scheduler, queue and threads behind it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { createLogger } from '../logger.js'
import { startServer, type RunningServer } from '../server.js'
import { PrimaryGate } from './primary.js'

const log = createLogger({ level: 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('primary-only gate', () => {
  it('starts work at once on a primary, stops it (last started first) on becoming a replica, and starts it again on promotion', async () => {
    const gate = new PrimaryGate(log)
    const events: string[] = []
    gate.onPrimary('a', () => void events.push('start a'), () => void events.push('stop a'))
    const leaveB = gate.onPrimary('b', () => void events.push('start b'), async () => void events.push('stop b'))
    assert.equal(gate.role, 'primary')
    assert.deepEqual(events, ['start a', 'start b'])
    await gate.setPrimary(false)
    assert.equal(gate.isPrimary(), false)
    assert.equal(gate.role, 'replica')
    assert.deepEqual(events.splice(0), ['start a', 'start b', 'stop b', 'stop a'])
    await gate.setPrimary(true)
    assert.deepEqual(events.splice(0), ['start a', 'start b'])
    await leaveB()
    await gate.setPrimary(false)
    assert.deepEqual(events, ['stop b', 'stop a'], 'leaving stops the work once and forgets it')
  })

  it('starts nothing on a replica until it is promoted', async () => {
    const gate = new PrimaryGate(log, { primary: false })
    let started = 0
    const leave = gate.onPrimary('work', () => void started++, () => {})
    assert.equal(started, 0)
    await gate.setPrimary(true)
    assert.equal(started, 1)
    await leave()
  })
})

describe('the server behind the gate', () => {
  let t: TestApp
  let server: RunningServer
  before(async () => {
    t = await createTestApp()
    await t.h.primary.setPrimary(false)
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    await server.close()
    await t.close()
  })

  it('runs no jobs on a replica, says so on /healthz, and starts them when promoted', async () => {
    const ran: number[] = []
    t.h.queue.define<{ n: number }>('test.gated', async ({ n }) => void ran.push(n))
    await t.h.queue.enqueue('test.gated', { n: 1 })
    assert.equal(((await (await fetch(`${server.url}/healthz`)).json()) as { role: string }).role, 'replica')
    await sleep(100)
    assert.deepEqual(ran, [], 'the queue did not start on a replica')

    await t.h.primary.setPrimary(true)
    for (let i = 0; i < 500 && !ran.length; i++) await sleep(10)
    assert.deepEqual(ran, [1])
    assert.equal(((await (await fetch(`${server.url}/healthz`)).json()) as { role: string }).role, 'primary')
  })
})
