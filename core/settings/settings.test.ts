// Settings kept in memory: this process's writes and another connection's (the CLI's) are seen at the next read.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { openStore } from '../db/connect.js'
import { createSettings } from './service.js'

describe('settings kept in memory', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('sees its own writes and removals at once', async () => {
    assert.equal(await t.h.settings.get('site.name'), 'Hearth')
    await t.h.settings.set('site.name', 'Riverside')
    assert.equal(await t.h.settings.get('site.name'), 'Riverside')
    await t.h.settings.remove('site.name')
    assert.equal(await t.h.settings.get('site.name'), 'Hearth')
  })

  it('sees a value another connection wrote, as `hearth settings set` does from the shell', async () => {
    assert.equal(await t.h.settings.get('feed.fanout_threshold'), 10000)
    assert.equal(await t.h.settings.get('feed.fanout_threshold'), 10000)
    const other = openStore(t.h.config.dbFile)
    try {
      await createSettings(other.db).updateCore({ 'feed.fanout_threshold': '25' }, null)
      assert.equal(await t.h.settings.get('feed.fanout_threshold'), 25)
      await other.db.deleteFrom('settings').where('key', '=', 'feed.fanout_threshold').execute()
      assert.equal(await t.h.settings.get('feed.fanout_threshold'), 10000)
    } finally {
      await other.close()
    }
  })
})
