// Looking members up: by id or by username, with or without @, in any case.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('finding members', () => {
  let t: TestApp
  let ida: number
  before(async () => {
    t = await createTestApp()
    ida = (await t.register('Ida_Lane')).id
    await t.register('otto')
  })
  after(() => t.close())

  it('finds a member by id, username, @username and in any case, and nobody else', async () => {
    for (const key of [ida, String(ida), ` ${ida} `, 'Ida_Lane', 'ida_lane', '@IDA_LANE', ' @ida_lane ']) {
      assert.equal((await t.h.users.findRow(key))?.id, ida, JSON.stringify(key))
      assert.equal((await t.h.users.find(key))?.username, 'Ida_Lane', JSON.stringify(key))
    }
    for (const key of [999999, 'nobody', '@otto_', '']) assert.equal(await t.h.users.find(key), null, JSON.stringify(key))
    assert.equal((await t.h.users.find('OTTO'))?.username, 'otto')
  })
})
