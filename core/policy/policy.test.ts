// The policy engine: each condition on its own (table tests), a pattern that would hang a backtracking engine,
// then rules through the API and the pages on posts, comments, profiles and sign-up: refuse, flag, dry run, the log.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'
import { compile, conditionsInput, match, type Conditions } from './rules.js'

const written = (text: string, author: { created_at: string; posts_count: number } | null = null) => ({ text, author })
const rule = (c: Conditions) => compile(conditionsInput.parse(c))
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString()

describe('policy conditions', () => {
  const cases: [string, Conditions, string, { created_at: string; posts_count: number } | null, boolean][] = [
    ['a word, any case or accents', { words: ['casino'] }, 'Best CASINÓ in town', null, true],
    ['a word only whole', { words: ['casino'] }, 'casinos and tournaments', null, false],
    ['a phrase', { words: ['free money'] }, 'Get FREE   money', null, false],
    ['a phrase as written', { words: ['free money'] }, 'get free money now', null, true],
    ['a pattern, any case', { regex: 'b[i1]tc[o0]in' }, 'buy B1TCOIN', null, true],
    ['a pattern that does not match', { regex: '^spam$' }, 'not spam here', null, false],
    ['a link to a listed domain', { link_domains: ['casino.example'] }, 'see https://www.casino.example/x', null, true],
    ['a link to another domain', { link_domains: ['casino.example'] }, 'see https://notcasino.example/x', null, false],
    ['enough links', { min_links: 2 }, 'https://a.example and www.b.example', null, true],
    ['too few links', { min_links: 3 }, 'https://a.example and www.b.example', null, false],
    ['enough mentions', { min_mentions: 3 }, '@ana @bob @cyd hello', null, true],
    ['an email is not a mention', { min_mentions: 1 }, 'write to ana@example.org', null, false],
    ['a new account', { account_age_days_under: 7 }, 'hi', { created_at: daysAgo(2), posts_count: 0 }, true],
    ['an older account', { account_age_days_under: 7 }, 'hi', { created_at: daysAgo(30), posts_count: 0 }, false],
    ['no author for an age rule', { account_age_days_under: 7 }, 'hi', null, false],
    ['first posts', { posts_under: 3 }, 'hi', { created_at: daysAgo(30), posts_count: 1 }, true],
    ['past the first posts', { posts_under: 3 }, 'hi', { created_at: daysAgo(30), posts_count: 3 }, false],
    ['every condition must hold', { words: ['casino'], min_links: 1 }, 'casino without a link', null, false],
    ['every condition holds', { words: ['casino'], min_links: 1 }, 'casino at https://x.example', null, true],
  ]
  for (const [name, conditions, text, author, expected] of cases) {
    it(name, () => {
      const reasons = match(rule(conditions), written(text, author))
      assert.equal(reasons !== null, expected, JSON.stringify(reasons))
      if (expected) assert.ok(reasons!.length >= 1)
    })
  }

  it('runs a pattern that hangs a backtracking engine in linear time (RE2), and refuses what RE2 cannot do', () => {
    const evil = rule({ regex: '(a+)+$' })
    // A backtracking engine takes about 2^n steps on this input; RE2 reads it once. The test does not time it:
    // if the engine backtracked, this line would not return at all.
    assert.equal(match(evil, written(`${'a'.repeat(100_000)}!`)), null)
    assert.deepEqual(match(evil, written('aaaa')), ['pattern: aaaa'])
    assert.throws(() => rule({ regex: '(a)\\1' }), /not valid \(RE2 syntax/)
    assert.throws(() => rule({ regex: '(?<=x)y' }), /not valid/)
  })

  it('refuses a rule without conditions or with one it does not know', () => {
    assert.throws(() => conditionsInput.parse({}), /at least one condition/)
    assert.throws(() => conditionsInput.parse({ words: [] }), /at least one condition/)
    assert.throws(() => conditionsInput.parse({ shouting: true }))
    assert.throws(() => conditionsInput.parse({ link_domains: ['not a domain'] }), /domain such as/)
  })
})

describe('policy rules', () => {
  let t: TestApp
  let admin: string
  let member: { id: number; token: string }
  before(async () => {
    t = await createTestApp()
    await t.h.users.create({ username: 'boss', email: 'boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    admin = ((await (await t.request('POST', '/api/v1/users/login', { json: { login: 'boss', password: PASSWORD } })).json()) as { data: { token: string } }).data.token
    member = await t.register('ana')
  })
  after(() => t.close())

  const addRule = async (body: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/admin/rules', { token: admin, json: body })
    assert.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { data: { id: number } }).data.id
  }
  const hits = async () => ((await (await t.request('GET', '/api/v1/admin/rules/hits', { token: admin })).json()) as { data: { rule_name: string; action: string; dry_run: boolean; target: string | null; reasons: string[] }[] }).data
  const openReports = () => t.h.db.selectFrom('reports').selectAll().where('status', '=', 'open').execute()

  it('refuses a post with the rule’s message and saves nothing; logs the refusal', async () => {
    const id = await addRule({ name: 'No casinos', surfaces: ['post', 'comment'], conditions: { words: ['casino'] }, action: 'refuse', message: 'Gambling ads are not allowed here.' })
    const before = await t.h.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const res = await t.request('POST', '/api/v1/posts', { token: member.token, json: { text: 'Best Casinó bonus!' } })
    assert.equal(res.status, 422)
    const body = (await res.json()) as { error: { code: string; message: string } }
    assert.deepEqual([body.error.code, body.error.message], ['REFUSED_BY_POLICY', 'Gambling ads are not allowed here.'])
    const after = await t.h.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    assert.equal(Number(after.n), Number(before.n))
    const [hit] = await hits()
    assert.deepEqual([hit!.rule_name, hit!.action, hit!.dry_run, hit!.target], ['No casinos', 'refuse', false, null])
    assert.deepEqual(hit!.reasons, ['word: casino'])
    // Editing a post into breaking the rule is refused too, and the post keeps its text.
    const ok = ((await (await t.request('POST', '/api/v1/posts', { token: member.token, json: { text: 'A walk by the lake' } })).json()) as { data: { id: number } }).data
    assert.equal((await t.request('PUT', `/api/v1/posts/${ok.id}`, { token: member.token, json: { text: 'casino night' } })).status, 422)
    assert.equal((await t.h.db.selectFrom('posts').select('text').where('id', '=', ok.id).executeTakeFirstOrThrow()).text, 'A walk by the lake')
    // The form shows the message where the member wrote.
    const a = t.agent('10.8.0.1')
    await a.registerViaForm('bob')
    const page = await a.post('/compose', { text: 'casino!', visibility: 'public' })
    assert.equal(page.status, 422)
    assert.match(await page.text(), /Gambling ads are not allowed here\./)
    await t.request('DELETE', `/api/v1/admin/rules/${id}`, { token: admin })
  })

  it('saves and flags a comment to the moderation queue as a report by no member, with the rule’s reasons', async () => {
    await addRule({ name: 'Link spam', surfaces: ['comment'], conditions: { min_links: 2, account_age_days_under: 30 }, action: 'flag' })
    const post = ((await (await t.request('POST', '/api/v1/posts', { token: member.token, json: { text: 'my garden' } })).json()) as { data: { id: number } }).data
    const spammer = await t.register('spammy')
    const res = await t.request('POST', `/api/v1/posts/${post.id}/comments`, { token: spammer.token, json: { text: 'visit https://a.example and https://b.example' } })
    assert.equal(res.status, 201)
    const comment = ((await res.json()) as { data: { id: number } }).data
    const report = (await openReports()).find((r) => r.target_type === 'comment' && r.target_id === String(comment.id))
    assert.ok(report, 'a report is open on the comment')
    assert.equal(report.reporter_id, null)
    assert.equal(report.target_user_id, spammer.id)
    assert.match(report.note, /Flagged by the rule “Link spam”: 2 links; account 0 days old\./)
    assert.equal((await hits())[0]!.target, `comment:${comment.id}`)
    const clean = await t.request('POST', `/api/v1/posts/${post.id}/comments`, { token: spammer.token, json: { text: 'lovely' } })
    assert.equal(clean.status, 201)
  })

  it('only logs what a dry-run rule would do', async () => {
    await addRule({ name: 'Watch shouting', surfaces: ['post'], conditions: { regex: '^[A-Z !]{12,}$' }, action: 'refuse', mode: 'dry_run' })
    const reports = (await openReports()).length
    const res = await t.request('POST', '/api/v1/posts', { token: member.token, json: { text: 'HELLO EVERYONE!!' } })
    assert.equal(res.status, 201)
    const post = ((await res.json()) as { data: { id: number } }).data
    const [hit] = await hits()
    assert.deepEqual([hit!.rule_name, hit!.dry_run, hit!.target], ['Watch shouting', true, `post:${post.id}`])
    assert.equal((await openReports()).length, reports)
  })

  it('checks usernames at sign-up and names and bios, saying so on the field', async () => {
    await addRule({ name: 'No impersonation', surfaces: ['username', 'profile'], conditions: { regex: 'official|support' }, action: 'refuse', message: 'Choose a name that does not look official.' })
    const res = await t.request('POST', '/api/v1/users/register', { json: { username: 'hearth_support', email: 'x@example.org', password: PASSWORD } })
    assert.equal(res.status, 422)
    const body = (await res.json()) as { error: { details: { fields: Record<string, string> } } }
    assert.equal(body.error.details.fields.username, 'Choose a name that does not look official.')
    assert.equal(await t.h.users.findRow('hearth_support'), undefined)
    const bio = await t.request('PUT', '/api/v1/users/ana', { token: member.token, json: { bio: 'Official account of the lake' } })
    assert.equal(bio.status, 422)
    assert.equal((await t.h.users.findRow('ana'))!.bio, '')
  })

  it('tests text against the stored rules or a draft, and validates rules with sentences', async () => {
    const stored = (await (await t.request('POST', '/api/v1/admin/rules/test', { token: admin, json: { text: 'the official page', surface: 'profile' } })).json()) as { data: { verdict: { refused: { message: string } | null } } }
    assert.equal(stored.data.verdict.refused?.message, 'Choose a name that does not look official.')
    const draft = (await (await t.request('POST', '/api/v1/admin/rules/test', { token: admin, json: { text: 'buy now', rule: { name: 'd', surfaces: ['post'], conditions: { words: ['buy now'] }, action: 'flag' } } })).json()) as { data: { verdict: { flags: unknown[]; refused: unknown } } }
    assert.equal(draft.data.verdict.flags.length, 1)
    assert.equal(draft.data.verdict.refused, null)
    const bad = await t.request('POST', '/api/v1/admin/rules', { token: admin, json: { name: 'bad', surfaces: ['post'], conditions: { regex: '(x)\\1' }, action: 'refuse' } })
    assert.equal(bad.status, 400)
    assert.match(JSON.stringify(await bad.json()), /RE2 syntax/)
    assert.equal((await t.request('GET', '/api/v1/admin/rules/hits?rule_id=abc', { token: admin })).status, 400)
    assert.equal((await t.request('GET', '/api/v1/admin/rules', { token: member.token })).status, 403)
    assert.equal((await t.request('POST', '/api/v1/admin/rules/test', { json: { text: 'x' } })).status, 401)
  })

  it('has a page to add, try and remove rules without JavaScript, for admins only', async () => {
    const a = t.agent('10.8.0.2')
    assert.equal((await a.loginViaForm('boss')).status, 303)
    const added = await a.post('/admin/rules', { name: 'Page rule', surface_comment: 'on', words: 'lottery\njackpot', action: 'flag', dry_run: 'on' })
    assert.equal(added.status, 303)
    const rules = (await t.h.policy.list()).filter((r) => r.name === 'Page rule')
    assert.equal(rules.length, 1)
    assert.deepEqual([rules[0]!.surfaces, rules[0]!.conditions, rules[0]!.mode], [['comment'], { words: ['lottery', 'jackpot'] }, 'dry_run'])
    const invalid = await a.post('/admin/rules', { name: '', action: 'refuse' })
    assert.equal(invalid.status, 400)
    assert.match(await invalid.text(), /Name the rule\./)
    const tried = await a.post('/admin/rules/test', { text: 'win the JACKPOT', surface: 'comment' })
    const html = await tried.text()
    assert.match(html, /data-verdict="matched"/)
    assert.match(html, /Page rule: flag \(dry run\), because word: jackpot/)
    assert.equal((await a.post(`/admin/rules/${rules[0]!.id}/delete`, {})).status, 303)
    assert.equal((await t.h.policy.list()).some((r) => r.name === 'Page rule'), false)
    const m = t.agent('10.8.0.3')
    await m.registerViaForm('cyd')
    assert.equal((await m.get('/admin/rules')).status, 403)
  })
})
