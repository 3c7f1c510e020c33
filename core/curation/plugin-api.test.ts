// ctx.core.categories: a plugin offers the enabled categories, keeps an id from a slug, shows it by id, and reads interests.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { shelf } from '../../test/fixtures/plugins/shelf/plugin.js'
import { ROOT } from '../paths.js'

describe('categories in the plugin API (ctx.core.categories)', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ pluginDirs: [join(ROOT, 'test/fixtures/plugins')], enable: ['shelf'] })
    const c = t.h.curation
    await c.createCategory({ name: 'Music', position: 1 }, null)
    await c.createCategory({ name: 'Games', position: 2 }, null)
    await c.createCategory({ name: 'Hidden', enabled: false }, null)
  })
  after(() => t.close())

  it('lists the enabled categories, turns a slug into an id and an id back into the category', async () => {
    const api = shelf.categories!
    assert.deepEqual((await api.list()).map((k) => k.slug), ['music', 'games'])
    const music = await api.idFor('music')
    assert.equal(typeof music, 'number')
    assert.equal(await api.idFor(''), null)
    await assert.rejects(api.idFor('hidden'), (err: { code?: string; details?: { fields?: Record<string, string> } }) => err.code === 'VALIDATION_FAILED' && /no category/.test(err.details!.fields!.category!))
    await assert.rejects(api.idFor('../etc'), { code: 'VALIDATION_FAILED' })
    const hidden = (await t.h.db.selectFrom('categories').select('id').where('slug', '=', 'hidden').executeTakeFirstOrThrow()).id
    const shown = await api.byIds([music!, hidden, 999999])
    assert.deepEqual([...shown.entries()].map(([id, k]) => [id, k.name]), [[music, 'Music']], 'a disabled or missing category is absent')
  })

  it("reads a member's interests", async () => {
    const m = await t.register('shelver')
    await t.h.curation.setInterests(m.id, ['games', 'music'])
    assert.deepEqual(await shelf.categories!.interestsOf(m.id), ['music', 'games'])
  })
})
