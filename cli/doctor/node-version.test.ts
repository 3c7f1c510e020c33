// Doctor's Node.js check and bin/hearth.js's refusal of an old Node, judged on injected versions and days.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { nodeIsRecent, tooOldMessage } from '../../bin/node-version.js'
import { judgeNode } from './checks/node-version.js'

const TODAY = '2026-12-04'

describe("doctor's Node.js check", () => {
  test('fails on Node 20 after its end of life, naming the date', () => {
    const r = judgeNode('20.20.2', TODAY)
    assert.equal(r.status, 'fail')
    assert.match(r.message, /end of life on 2026-04-30/)
    assert.match(r.hint ?? '', /Install Node\.js 24/)
  })

  test('fails on majors older than the schedule and on odd majors past their end of life', () => {
    assert.equal(judgeNode('18.20.8', TODAY).status, 'fail')
    assert.equal(judgeNode('25.9.0', TODAY).status, 'fail', 'Node 25 ended on 2026-06-01')
  })

  test('fails on a Node 22 older than 22.12, which Hearth does not run on', () => {
    const r = judgeNode('22.11.0', TODAY)
    assert.equal(r.status, 'fail')
    assert.match(r.message, /22\.12 or newer/)
  })

  test('warns on Node 22, maintenance only, with its end of life', () => {
    const r = judgeNode('22.22.0', TODAY)
    assert.equal(r.status, 'warn')
    assert.match(r.message, /security fixes since 2025-10-21.*end of life 2027-04-30/)
  })

  test('passes Node 24, the one Hearth ships, also once it is in maintenance, and names its end of life', () => {
    const r = judgeNode('24.22.3', TODAY)
    assert.equal(r.status, 'ok')
    assert.match(r.message, /maintenance since 2026-10-20, end of life 2028-04-30/)
    const active = judgeNode('24.11.0', '2026-01-15')
    assert.equal(active.status, 'ok')
    assert.match(active.message, /active LTS/)
  })

  test('passes Node 26 once it is LTS and warns before, while it is a current release', () => {
    assert.equal(judgeNode('26.12.1', TODAY).status, 'ok')
    const current = judgeNode('26.1.0', '2026-06-01')
    assert.equal(current.status, 'warn')
    assert.match(current.message, /not an LTS release \(end of life 2029-04-30\)/)
  })

  test('fails Node 24 after its end of life', () => {
    assert.equal(judgeNode('24.30.0', '2028-04-30').status, 'fail')
  })

  test('warns on a major newer than the schedule it knows', () => {
    assert.equal(judgeNode('28.0.0', '2028-05-01').status, 'warn')
  })
})

describe("bin/hearth.js's Node gate", () => {
  test('accepts 22.12 and newer', () => {
    for (const v of ['22.12.0', '22.22.0', '24.0.0', '26.12.1']) assert.equal(nodeIsRecent(v), true, v)
    for (const v of ['20.20.2', '22.11.0', '18.0.0']) assert.equal(nodeIsRecent(v), false, v)
    assert.equal(tooOldMessage('24.22.3', null), null)
  })

  test('refuses an old Node in one sentence pointing at install.sh, or at the Node it provided', () => {
    const bare = tooOldMessage('20.20.2', null) ?? ''
    assert.match(bare, /^error: Hearth needs Node\.js 22\.12 or newer and this is v20\.20\.2; run \.\/install\.sh, which provides Node 24/)
    assert.equal(bare.trim().split('\n').length, 1)
    const provided = tooOldMessage('20.20.2', '/srv/hearth/.node/bin/node') ?? ''
    assert.match(provided, /run it with the Node 24 that install\.sh provided, \/srv\/hearth\/\.node\/bin\/node\.\n$/)
  })

  test('bin/hearth.js says that sentence and exits 1 before loading anything on a Node that reports 20.20.2', () => {
    // The real entry point in a real process; only the version it reads is changed, before it runs.
    const fakeOld = 'data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"20.20.2"}})'
    const root = join(import.meta.dirname, '..', '..')
    const r = spawnSync(process.execPath, ['--import', fakeOld, 'bin/hearth.js', 'doctor'], { cwd: root, encoding: 'utf8' })
    assert.equal(r.status, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^error: Hearth needs Node\.js 22\.12 or newer and this is v20\.20\.2; run (it with the Node 24 that install\.sh provided, \S+\/\.node\/bin\/node|\.\/install\.sh, which provides Node 24 in \.node\/ when the machine's Node is older)\.\n$/)
  })
})
