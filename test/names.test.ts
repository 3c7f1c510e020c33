// Every name input refuses invisible, control and direction-changing characters, and names that pass for a staff
// member's: registration, the account and profile forms, the API, and a plugin's (groups) names.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, type TestApp } from './harness.js'

type Envelope = { data: any; error: { code: string; message: string; details: { fields: Record<string, string> } } }

describe('names that impersonate', () => {
  let t: TestApp
  let member = ''
  before(async () => {
    t = await createTestApp({ enable: ['groups'] })
    const staff = await t.h.users.create({ username: 'alice', email: 'alice@example.org', password: PASSWORD, display_name: 'Alice Mod' }, { role: 'moderator' })
    assert.ok(staff.id)
    member = (await t.register('bruno')).token
  })
  after(() => t.close())

  const refused = async (res: Response, field: string, why: RegExp) => {
    const b = (await res.json()) as Envelope
    assert.equal(res.status, 400, JSON.stringify(b))
    assert.equal(b.error.code, 'VALIDATION_FAILED')
    assert.match(b.error.details.fields[field]!, why)
  }
  const register = (username: string, display_name?: string) =>
    t.request('POST', '/api/v1/users/register', { json: { username, email: `${username}@example.org`, password: PASSWORD, display_name }, headers: { 'x-forwarded-for': '10.8.0.1' } })

  it('refuses control, invisible and reordering characters in display names on every path', async () => {
    await refused(await register('carla', 'carla\u202Egnp.exe'), 'display_name', /U\+202E/)
    await refused(await register('dario', 'Dario\u0000'), 'display_name', /U\+0000/)
    const profile = await t.request('PUT', '/api/v1/users/bruno', { token: member, json: { display_name: 'Bru\u200Bno' } })
    await refused(profile, 'display_name', /U\+200B/)
    const a = t.agent('10.8.0.2')
    await a.loginViaForm('bruno')
    const form = await a.post('/settings/account', { display_name: '\u2067onurb\u2069' })
    assert.match(await form.text(), /U\+2067/)
    assert.equal((await t.h.users.find('bruno'))!.display_name, 'bruno', 'nothing was saved')
    const fine = await t.request('PUT', '/api/v1/users/bruno', { token: member, json: { display_name: ' Bruno\u00A0 Dias ' } })
    assert.equal(((await fine.json()) as Envelope).data.display_name, 'Bruno Dias')
  })

  it('refuses usernames and display names that pass for a staff member’s', async () => {
    await refused(await register('a1ice'), 'username', /mistaken for a staff member’s \(@alice\)/)
    await refused(await register('AIice_'), 'username', /@alice/)
    await refused(await register('erin', '\u0410lice M\u043Ed'), 'display_name', /@alice/) // Cyrillic А and о
    const profile = await t.request('PUT', '/api/v1/users/bruno', { token: member, json: { display_name: 'alice' } })
    await refused(profile, 'display_name', /@alice/)
    assert.equal((await register('alicia')).status, 201, 'a different name is fine')
  })

  it('refuses the same characters in a plugin’s names (groups)', async () => {
    const create = (name: string) => t.request('POST', '/api/v1/groups', { token: member, json: { name, privacy: 'public' } })
    await refused(await create('Garden\u200D Club'), 'name', /U\+200D/)
    await refused(await create('\u202Ebulc'), 'name', /U\+202E/)
    const ok = await create('Garde\u0301n Club') // decomposed é, stored composed
    assert.equal(ok.status, 201)
    assert.equal(((await ok.json()) as Envelope).data.name, 'Gard\u00E9n Club')
  })
})
