// The example plugin, tested the way a plugin author would test theirs (copy this file with the plugin).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { PluginContext, Topic } from '../../core/plugins/api.js'
import { createTestApp, startServer, tempDir, type TestApp } from '../../test/harness.js'
import { openSocket } from '../../test/realtime.js'
import type { HelloTables } from './tables.js'

describe('hello plugin', () => {
  let t: TestApp
  before(async () => (t = await createTestApp({ enable: ['hello'] })))
  after(() => t.close())

  it('shows the board to guests with a way to log in, and adds its nav item', async () => {
    const html = await (await t.request('GET', '/hello')).text()
    assert.match(html, /Hello, neighbours!/)
    assert.match(html, /href="\/login\?next=\/hello"/)
    assert.match(html, /data-nav="hello"/)
    assert.equal((await t.request('GET', '/plugins/hello/wave.svg')).status, 200)
  })

  it('takes a wave from the plain form (redirect) and from htmx (a fragment that replaces the board)', async () => {
    const a = t.agent()
    await a.registerViaForm('waver')
    const plain = await a.post('/hello/waves', { message: 'first!' })
    assert.equal(plain.status, 303)
    assert.match(await a.text('/hello'), /@waver<\/a> first!/)
    const htmx = await a.fetch('POST', '/hello/waves', { form: { message: 'via htmx' }, headers: { 'hx-request': 'true' } })
    assert.equal(htmx.status, 200)
    const fragment = await htmx.text()
    assert.doesNotMatch(fragment, /<html/)
    assert.match(fragment, /^<div id="wave-board">/)
    assert.match(fragment, /via htmx.*first!/s)
    assert.match(fragment, /name="message"/, 'the form comes back empty')
  })

  it('refuses a too-long wave and a guest’s wave', async () => {
    const a = t.agent('10.2.0.1')
    await a.registerViaForm('longwinded')
    const long = await a.fetch('POST', '/hello/waves', { form: { message: 'x'.repeat(141) }, headers: { 'hx-request': 'true' } })
    assert.equal(long.status, 400)
    assert.match(await long.text(), /Keep your wave under 140 characters\./)
    const guest = t.agent('10.2.0.2')
    await guest.get('/')
    assert.equal((await guest.post('/hello/waves', { message: 'hi' })).status, 401)
  })

  it('lists waves in the API, on the home page and on the member’s profile tab, and follows its settings', async () => {
    const api = (await (await t.request('GET', '/api/v1/hello/waves')).json()) as { data: { message: string }[] }
    assert.deepEqual(api.data.map((w) => w.message).slice(0, 2), ['via htmx', 'first!'])
    assert.match(await (await t.request('GET', '/')).text(), /2 waves<\/a> on the hello board/)
    assert.match(await (await t.request('GET', '/u/waver?tab=waves')).text(), /<li>via htmx<\/li>/)
    const store = t.h.plugins.loaded.get('hello')!.settings
    await store.set('greeting', 'Hi, folks')
    await store.set('on_home', false)
    assert.match(await (await t.request('GET', '/hello')).text(), /Hi, folks/)
    assert.doesNotMatch(await (await t.request('GET', '/')).text(), /hello board/)
  })

  it('waves back later through a durable job that survives a restart and runs exactly once', async () => {
    await t.h.plugins.loaded.get('hello')!.settings.set('wave_back_seconds', 1)
    const a = t.agent('10.2.0.9')
    await a.registerViaForm('patient')
    assert.equal((await a.post('/hello/waves', { message: 'anyone there?' })).status, 303)
    const db = t.h.db.withTables<HelloTables>()
    const wave = await db.selectFrom('hello_waves').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()
    const jobs = () => t.h.db.selectFrom('jobs').select(['status', 'attempts', 'run_at']).where('kind', '=', 'hello:wave-back').where('key', '=', `hello:wave-back:${wave.id}`).execute()
    const [queued] = await jobs()
    assert.equal(queued?.status, 'pending', 'queued with the wave, due in a second')

    // The server goes away before the job is due; the next one picks it up.
    await t.restart()
    t.h.queue.start()
    const wavedBack = async () => (await t.h.db.withTables<HelloTables>().selectFrom('hello_waves').select('waved_back_at').where('id', '=', wave.id).executeTakeFirstOrThrow()).waved_back_at
    for (let i = 0; i < 500 && !(await wavedBack()); i++) await new Promise((r) => setTimeout(r, 10))
    await t.h.queue.stop()
    const at = await wavedBack()
    assert.ok(at, 'the board waved back')
    assert.ok(Date.parse(at) >= Date.parse(queued!.run_at), 'not before it was due')
    assert.deepEqual((await jobs()).map((j) => [j.status, j.attempts]), [['done', 1]], 'one job, run once')
    assert.match(await a.text('/hello'), /anyone there\?<small class="muted"> · the board waved back<\/small>/)
  })
})

describe('hello plugin: the typing indicator topic', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  before(async () => {
    t = await createTestApp({ enable: ['hello'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(() => server.close())

  it('tells the others on the board who is typing, not the typist, and refuses a message it does not take', async () => {
    const ana = await t.register('ana')
    const bob = await t.register('bob')
    const anaSocket = await openSocket(server.port, ana.token)
    const bobSocket = await openSocket(server.port, bob.token)
    for (const s of [anaSocket, bobSocket]) {
      s.send({ op: 'join', topic: 'hello:typing' })
      await s.next((f) => f.op === 'joined')
    }
    assert.deepEqual(await anaSocket.next((f) => f.op === 'presence'), { op: 'presence', topic: 'hello:typing', userId: bob.id, online: true })

    anaSocket.send({ op: 'send', topic: 'hello:typing', message: { typing: true } })
    const heard = await bobSocket.next((f) => f.event === 'typing')
    assert.deepEqual(heard, { topic: 'hello:typing', event: 'typing', data: { userId: ana.id, username: 'ana', typing: true } })
    anaSocket.send({ op: 'send', topic: 'hello:typing', message: { typing: 'very' } })
    assert.equal((await anaSocket.next((f) => f.op === 'error')).code, 'VALIDATION_FAILED')
    assert.equal(anaSocket.frames.filter((f) => f.event === 'typing').length, 0, 'the typist does not hear themselves')
    await Promise.all([anaSocket.close(), bobSocket.close()])
  })

  it('types the topic from its declaration: an undeclared name, event or payload does not compile', () => {
    const typecheckOnly = (topic: PluginContext['realtime']['topic'], typing: Topic<'hello:typing'>) => {
      // @ts-expect-error: a topic nobody declared in TopicEvents
      topic('hello:nobody', { authorize: () => true })
      // @ts-expect-error: an event the topic does not have
      typing.publish('hello:typing', 'shouting', {})
      // @ts-expect-error: the wrong data for its event
      typing.publish('hello:typing', 'typing', { typing: 'yes' })
      // @ts-expect-error: another topic's id
      typing.publish('groups:typing', 'typing', { userId: 1, username: 'a', typing: true })
      typing.publish('hello:typing:room-2', 'typing', { userId: 1, username: 'a', typing: true })
    }
    assert.equal(typeof typecheckOnly, 'function')
  })

  it('loads the indicator script for members only', async () => {
    const a = t.agent()
    await a.registerViaForm('typist')
    assert.match(await a.text('/hello'), /<p class="muted" data-typing="true" aria-live="polite"><\/p><script src="\/plugins\/hello\/typing.js" defer>/)
    assert.doesNotMatch(await (await t.request('GET', '/hello')).text(), /typing\.js/)
    assert.equal((await t.request('GET', '/plugins/hello/typing.js')).status, 200)
  })
})

describe('hello plugin with and without stories (an optional dependency)', () => {
  const goodbye = (logFile: string) => {
    const line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('hello says goodbye'))
    return line ? (JSON.parse(line) as { story_replies: number; stories: boolean }) : null
  }
  // Log lines are written asynchronously: wait (bounded) for the goodbye to reach the file.
  const saidGoodbye = async (logFile: string) => {
    for (let i = 0; i < 100 && !goodbye(logFile); i++) await new Promise((r) => setTimeout(r, 20))
    return goodbye(logFile)
  }

  it('starts without stories and says goodbye when Hearth closes', async () => {
    const logFile = join(tempDir(), 'hearth.log')
    const t = await createTestApp({ enable: ['hello'], logFile })
    assert.deepEqual([...t.h.plugins.loaded.keys()], ['hello'])
    assert.equal(goodbye(logFile), null)
    await t.close()
    const said = (await saidGoodbye(logFile))!
    assert.deepEqual([said.story_replies, said.stories], [0, false])
  })

  it('hears stories’ replies when stories is on, and counts them in its goodbye', async () => {
    const logFile = join(tempDir(), 'hearth.log')
    const t = await createTestApp({ enable: ['hello', 'stories'], logFile })
    assert.deepEqual([...t.h.plugins.loaded.keys()], ['stories', 'hello'], 'stories registers first')
    const ana = await t.register('ana')
    const ben = await t.register('ben')
    const story = await t.request('POST', '/api/v1/stories', { token: ana.token, json: { kind: 'text', text: 'Hello', background: 'ocean', audience: 'public' } })
    assert.equal(story.status, 201, await story.clone().text())
    const { data } = (await story.json()) as { data: { id: number } }
    assert.equal((await t.request('POST', `/api/v1/stories/${data.id}/reactions`, { token: ben.token, json: { text: 'Lovely!' } })).status, 201)
    await t.close()
    const said = (await saidGoodbye(logFile))!
    assert.deepEqual([said.story_replies, said.stories], [1, true])
  })
})
