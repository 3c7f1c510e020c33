// `hearth announce send|list|status|cancel`, run as a real subprocess against one temporary data directory, in order.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { createTestApp, tempDir } from '../test/harness.js'
import { assertFails, hearth, json, show } from '../test/cli.js'

describe('hearth announce', () => {
  const data = tempDir('hearth-cli-announce-')
  const h = (...args: string[]) => hearth([...args, '--data', data])

  before(async () => {
    const app = await createTestApp({ dataDir: data })
    await app.register('ana')
    const mod = await app.register('mod')
    await app.h.users.setRole(mod.id, 'moderator', null)
    await app.h.verification.grant((await app.register('vera')).id, null)
    await app.close()
  })
  after(() => rmSync(data, { recursive: true, force: true }))

  test('counts the audience with --dry-run and sends nothing', async () => {
    const r = json<{ count: number; text: string }>(await h('announce', 'send', '--title', 'Hello', '--body', 'Read **this**.', '--audience', 'role:moderator', '--dry-run', '--json'))
    assert.equal(r.count, 1)
    assert.equal(r.text, 'Read this.')
    const list = await h('announce', 'list')
    assert.equal(list.code, 0, show(list))
    assert.match(list.stdout, /No announcements yet/)
  })

  test('counts verified members with --audience verified; --help names it', async () => {
    const r = await h('announce', 'send', '--title', 'Hello', '--body', 'Badges.', '--audience', 'verified', '--dry-run')
    assert.equal(r.code, 0, show(r))
    assert.match(r.stdout, /1 member would get it \(Verified members\)/)
    const help = await hearth(['announce', 'send', '--help'])
    assert.match(help.stdout, /creators, or verified/)
    assertFails(await h('announce', 'send', '--title', 'x', '--body', 'y', '--audience', 'verified:3'), 2, /“verified:3” is not an audience/)
  })

  test('queues one, shows its progress and stops it', async () => {
    const sent = json<{ id: number; total: number; status: string }>(await h('announce', 'send', '--title', 'Maintenance', '--body', 'Down at nine.', '--channels', 'banner', '--json'))
    assert.equal(sent.total, 3)
    assert.equal(sent.status, 'sending')
    const status = await h('announce', 'status', String(sent.id))
    assert.equal(status.code, 0, show(status))
    assert.match(status.stdout, new RegExp(`#${sent.id} sending +0/3 +Maintenance +\\(Everyone; banner\\)`))
    const cancelled = json<{ status: string; banner_ended: boolean }>(await h('announce', 'cancel', String(sent.id), '--json'))
    assert.equal(cancelled.status, 'cancelled')
    assert.equal(cancelled.banner_ended, true)
  })

  test('refuses bad input in one line: an unknown audience (usage), no channel (validation), a missing one', async () => {
    assertFails(await h('announce', 'send', '--title', 'x', '--body', 'y', '--audience', 'friends'), 2, /“friends” is not an audience/)
    assertFails(await h('announce', 'send', '--title', 'x'), 2, /--body or --body-file/)
    assertFails(await h('announce', 'send', '--title', 'x', '--body', 'y', '--channels', 'smoke'), 2, /Channels are banner, notification, email and push/)
    assertFails(await h('announce', 'status', '999'), 1, /does not exist/)
  })
})
