// The anti-spam proof of work on sign-up and password reset: solved here as a browser would (altcha-lib's
// solver stands in for /static/proof.js, which the browser test runs), checked by the server, used once.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { solveChallenge } from 'altcha-lib'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'

describe('proof of work', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ settings: { 'registration.proof_of_work': true, 'registration.proof_of_work_cost': 5000 } })
  })
  after(() => t.close())

  /** A challenge from the API, solved: the `proof` a form would send. */
  const solved = async () => {
    const c = ((await (await t.request('GET', '/api/v1/users/proof-challenge')).json()) as { data: { algorithm: string; challenge: string; salt: string; signature: string; maxnumber: number } }).data
    const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise
    assert.ok(solution)
    return Buffer.from(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: solution.number, salt: c.salt, signature: c.signature })).toString('base64')
  }
  const register = (username: string, proof?: string) => t.request('POST', '/api/v1/users/register', { json: { username, email: `${username}@example.org`, password: PASSWORD, proof } })

  it('refuses a sign-up without a proof, or with a wrong or reused one, and takes a solved one once', async () => {
    const none = await register('ana')
    assert.equal(none.status, 400)
    assert.match(JSON.stringify(await none.json()), /anti-spam check did not finish/)
    const proof = await solved()
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(proof, 'base64').toString()), number: 1_000_001 })).toString('base64')
    assert.equal((await register('ana', forged)).status, 400)
    assert.equal((await register('ana', proof)).status, 201)
    assert.equal((await register('bob', proof)).status, 400, 'one solution, one form')
    assert.equal((await register('bob', 'not base64 json')).status, 400)
  })

  it('asks the password-reset form for one too, and puts the challenge and the script in both forms', async () => {
    await t.h.settings.updateCore({ 'mail.host': '127.0.0.1', 'mail.port': 9, 'mail.security': 'none' }, null)
    const res = await t.request('POST', '/api/v1/users/password/forgot', { json: { login: 'ana' } })
    assert.equal(res.status, 400)
    const p2 = await solved()
    assert.equal((await t.request('POST', '/api/v1/users/password/forgot', { json: { login: 'ana', proof: p2 } })).status, 200)
    const guest = t.agent('10.4.0.1')
    for (const path of ['/register', '/password/forgot']) {
      const page = await guest.text(path)
      assert.match(page, /<input type="hidden" name="proof" value data-proof="\{&quot;algorithm&quot;:&quot;SHA-256&quot;/, path)
      assert.match(page, /<script src="\/static\/proof.js" defer>/, path)
    }
    assert.equal((await guest.get('/static/proof.js')).status, 200)
    await t.h.settings.updateCore({ 'registration.proof_of_work': false }, null)
    assert.doesNotMatch(await guest.text('/register'), /data-proof/)
    assert.equal(((await (await t.request('GET', '/api/v1/users/proof-challenge')).json()) as { data: unknown }).data, null)
  })
})
