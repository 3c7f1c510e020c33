// The hook registry: order, priorities, failing handlers, filters, the whitelist and introspection.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { HookRegistry } from './registry.js'
import { action, type NavItem } from './types.js'

function capturingLog() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  return { log: pino({ level: 'debug' }, stream), lines }
}

const user = { id: 1, username: 'ana', display_name: 'Ana', role: 'member' as const, verified: false, created_at: '2026-11-21T00:00:00.000Z' }
const nav = (id: string): NavItem => ({ id, label: id, href: `/${id}`, audience: 'everyone', order: 10, owner: 'core' })

describe('hook registry', () => {
  it('runs every action handler, even after one fails, and logs the failure with its plugin', async () => {
    const { log, lines } = capturingLog()
    const hooks = new HookRegistry(log)
    const seen: string[] = []
    hooks.on('action:user.registered', () => void seen.push('a'), {}, 'alpha')
    hooks.on('action:user.registered', () => {
      throw new Error('boom')
    }, {}, 'broken')
    hooks.on('action:user.registered', async () => void seen.push('c'), {}, 'gamma')
    await hooks.emit('action:user.registered', { user })
    assert.deepEqual(seen.sort(), ['a', 'c'])
    const failure = lines.find((l) => l.plugin === 'broken')
    assert.ok(failure, 'the failure is logged')
    assert.equal(failure.hook, 'action:user.registered')
    assert.match(String(failure.msg), /broken failed on action:user.registered/)
  })

  it('passes a filter value through handlers by priority, then registration order', async () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    hooks.on('filter:ui.nav-items', (items) => [...items, nav('late')], { priority: 20 }, 'p1')
    hooks.on('filter:ui.nav-items', (items) => [...items, nav('first')], { priority: 1 }, 'p2')
    hooks.on('filter:ui.nav-items', (items) => [...items, nav('default-a')], {}, 'p3')
    hooks.on('filter:ui.nav-items', async (items) => [...items, nav('default-b')], {}, 'p4')
    const out = await hooks.apply('filter:ui.nav-items', [], { viewer: null })
    assert.deepEqual(out.map((i) => i.id), ['first', 'default-a', 'default-b', 'late'])
  })

  it('skips a failing filter handler and keeps the value it was given', async () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    hooks.on('filter:page.title', (t) => `${t}!`, { priority: 1 }, 'a')
    hooks.on('filter:page.title', () => {
      throw new Error('nope')
    }, { priority: 2 }, 'b')
    hooks.on('filter:page.title', (t) => `${t}?`, { priority: 3 }, 'c')
    assert.equal(await hooks.apply('filter:page.title', 'Home', { path: '/' }), 'Home!?')
  })

  it('fails closed on .allowed filters when a handler throws', async () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    hooks.on('filter:user.registration.allowed', () => {
      throw new Error('spam check down')
    }, {}, 'antispam')
    assert.equal(await hooks.apply('filter:user.registration.allowed', true, { username: 'x', email: 'x@y.z', ip: '1.2.3.4' }), false)
  })

  it('keeps a "no" from an .allowed filter even if a later handler says yes', async () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    hooks.on('filter:user.registration.allowed', () => false, { priority: 1 }, 'blocklist')
    hooks.on('filter:user.registration.allowed', () => true, { priority: 2 }, 'careless')
    assert.equal(await hooks.apply('filter:user.registration.allowed', true, { username: 'x', email: 'x@y.z', ip: '1.2.3.4' }), false)
  })

  it('refuses unknown hook names and handlers that are not functions', () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    assert.throws(() => hooks.on('action:nope.happened' as any, () => {}), /Unknown hook "action:nope.happened"/)
    assert.throws(() => hooks.on('action:user.registered', 'x' as any), /must be a function/)
  })

  it('lets a plugin declare hooks, lists who handles what, and forgets an owner', async () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    hooks.declare({ 'action:stories.story.created': action<{ id: number }>() }, 'stories')
    assert.throws(() => hooks.declare({ 'action:stories.story.created': action() }, 'other'), /already declared by stories/)
    assert.throws(() => hooks.declare({ 'filter:x.y': action() }, 'bad'), /must start with "action:"/)
    hooks.on('action:stories.story.created' as any, () => {}, { priority: 5 }, 'notify')
    hooks.on('action:user.registered', () => {}, {}, 'notify')
    const info = hooks.describe()
    const story = info.find((i) => i.name === 'action:stories.story.created')
    assert.deepEqual(story, { name: 'action:stories.story.created', kind: 'action', declaredBy: 'stories', handlers: [{ owner: 'notify', priority: 5 }] })
    assert.ok(info.some((i) => i.name === 'filter:ui.nav-items' && i.handlers.length === 0), 'unhandled hooks are listed too')
    hooks.removeOwner('notify')
    assert.equal(hooks.describe().find((i) => i.name === 'action:user.registered')!.handlers.length, 0)
    hooks.removeOwner('stories')
    assert.equal(hooks.has('action:stories.story.created'), false)
  })

  it('returns an unsubscribe function', async () => {
    const hooks = new HookRegistry(pino({ level: 'silent' }))
    let n = 0
    const off = hooks.on('action:user.logged-out', () => void n++)
    await hooks.emit('action:user.logged-out', { userId: 1 })
    off()
    await hooks.emit('action:user.logged-out', { userId: 1 })
    assert.equal(n, 1)
  })
})
