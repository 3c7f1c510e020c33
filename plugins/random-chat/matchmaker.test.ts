// The matchmaker's rules, with a clock the tests move: interests (more in common wins, then who waited longer),
// the fallback to anyone, blocks both ways, the cool-down, filters both ways, modes, and replacing a second Start.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Matchmaker, modeOf, satisfies, type Seeker } from './matchmaker.js'
import { normaliseInterests } from './inputs.js'

function setup(options: { fallbackMs?: number; cooldownMs?: number } = {}) {
  let now = 1_000_000
  const mm = new Matchmaker({ fallbackMs: options.fallbackMs ?? 5000, cooldownMs: options.cooldownMs ?? 60_000, now: () => now })
  return { mm, advance: (ms: number) => (now += ms) }
}

const seeker = (userId: number, extra: Partial<Seeker> = {}): Seeker => ({
  userId,
  mode: 'video',
  acceptsText: false,
  interests: [],
  profile: { region: null, language: null, gender: null, age: null },
  wants: {},
  blocked: new Set(),
  ...extra,
})

/** Members who are all blocked by one another, so they wait side by side. */
const apart = (ids: number[], id: number) => new Set(ids.filter((x) => x !== id))

describe('random chat matchmaker', () => {
  it('pairs two members without interests at once; the one who waited is `a`', () => {
    const { mm } = setup()
    assert.equal(mm.enqueue(seeker(1)), null)
    const m = mm.enqueue(seeker(2))!
    assert.deepEqual([m.a.userId, m.b.userId, m.mode, m.shared], [1, 2, 'video', []])
    assert.equal(mm.size, 0)
  })

  it('prefers the member sharing the most interests, then the one who waited longest', () => {
    const { mm } = setup()
    const ids = [1, 2, 3, 4]
    assert.equal(mm.enqueue(seeker(1, { interests: ['chess'], blocked: apart(ids, 1) })), null)
    assert.equal(mm.enqueue(seeker(2, { interests: ['chess', 'jazz'], blocked: apart(ids, 2) })), null)
    assert.equal(mm.enqueue(seeker(3, { interests: ['jazz', 'chess'], blocked: apart(ids, 3) })), null)
    assert.equal(mm.enqueue(seeker(4, { interests: ['hiking'], blocked: apart(ids, 4) })), null)
    assert.equal(mm.size, 4)
    const m = mm.enqueue(seeker(5, { interests: ['jazz', 'chess', 'go'] }))!
    assert.equal(m.a.userId, 2, 'two shared interests beat one; of the two with two, the older')
    assert.deepEqual(m.shared.sort(), ['chess', 'jazz'])
    assert.equal(mm.enqueue(seeker(6, { interests: ['chess'] }))!.a.userId, 1, 'then the oldest with one in common')
  })

  it('holds a member with interests for the fallback time, then pairs them with anyone', () => {
    const { mm, advance } = setup({ fallbackMs: 5000 })
    assert.equal(mm.enqueue(seeker(1, { interests: ['chess'] })), null)
    assert.equal(mm.enqueue(seeker(2)), null, 'someone without interests does not take a member still hoping for chess')
    assert.equal(mm.size, 2)
    advance(4000)
    assert.deepEqual(mm.tick(), [])
    advance(1000)
    const made = mm.tick()
    assert.equal(made.length, 1)
    assert.deepEqual([made[0]!.a.userId, made[0]!.b.userId, made[0]!.shared], [1, 2, []])
  })

  it('two members with different interests meet once both waited out the fallback', () => {
    const { mm, advance } = setup({ fallbackMs: 3000 })
    mm.enqueue(seeker(1, { interests: ['chess'] }))
    advance(1000)
    mm.enqueue(seeker(2, { interests: ['jazz'] }))
    advance(2000)
    assert.deepEqual(mm.tick(), [], 'only the first is open')
    advance(1000)
    assert.equal(mm.tick().length, 1)
  })

  it('with no fallback time, interests are only a preference', () => {
    const { mm } = setup({ fallbackMs: 0 })
    mm.enqueue(seeker(1, { interests: ['chess'] }))
    assert.ok(mm.enqueue(seeker(2, { interests: ['jazz'] })))
  })

  it('never pairs members who blocked each other, either way, including a block made while waiting', () => {
    const { mm } = setup()
    mm.enqueue(seeker(1, { blocked: new Set([2]) }))
    assert.equal(mm.enqueue(seeker(2)), null, 'blocked by the waiting member')
    assert.equal(mm.enqueue(seeker(3, { blocked: new Set([1, 2]) })), null, 'the newcomer blocked them both')
    assert.equal(mm.size, 3)
    const { mm: mm2 } = setup()
    mm2.enqueue(seeker(1))
    mm2.blocked(1, 2)
    assert.equal(mm2.enqueue(seeker(2, { blocked: new Set() })), null)
  })

  it('keeps a pair apart for the cool-down, then lets them meet again', () => {
    const { mm, advance } = setup({ cooldownMs: 60_000 })
    mm.enqueue(seeker(1))
    mm.enqueue(seeker(2))
    mm.coolDown(1, 2)
    mm.enqueue(seeker(1))
    assert.equal(mm.enqueue(seeker(2)), null, 'just met')
    const third = mm.enqueue(seeker(3))!
    assert.equal(third.a.userId, 1, 'someone new is fine')
    mm.enqueue(seeker(1))
    mm.coolDown(1, 3)
    advance(30_000)
    assert.deepEqual(mm.tick(), [])
    advance(30_001)
    const again = mm.tick()
    assert.deepEqual(again.map((m) => [m.a.userId, m.b.userId]), [[2, 1]], 'after the cool-down, the tick pairs them')
  })

  it('applies filters both ways, and an undeclared value never matches a filter', () => {
    assert.equal(satisfies({ region: 'DE' }, { region: 'DE', language: null, gender: null, age: null }), true)
    assert.equal(satisfies({ region: 'DE' }, { region: null, language: null, gender: null, age: null }), false)
    assert.equal(satisfies({ ageMin: 20, ageMax: 30 }, { region: null, language: null, gender: null, age: 31 }), false)
    assert.equal(satisfies({ ageMin: 20 }, { region: null, language: null, gender: null, age: null }), false)
    const { mm } = setup()
    const de = { region: 'DE', language: 'de', gender: 'woman', age: 25 }
    mm.enqueue(seeker(1, { profile: de, wants: { language: 'en' } }))
    assert.equal(mm.enqueue(seeker(2, { profile: { ...de, language: 'de' } })), null, 'the waiting member wants English speakers')
    const m = mm.enqueue(seeker(3, { profile: { ...de, language: 'en' }, wants: { gender: 'woman', ageMin: 20, ageMax: 30 } }))!
    assert.equal(m.a.userId, 1)
  })

  it('pairs text with text, video with video, and text with video only when the video member accepts text', () => {
    assert.equal(modeOf({ mode: 'text', acceptsText: false }, { mode: 'text', acceptsText: false }), 'text')
    assert.equal(modeOf({ mode: 'video', acceptsText: false }, { mode: 'text', acceptsText: false }), null)
    assert.equal(modeOf({ mode: 'text', acceptsText: false }, { mode: 'video', acceptsText: true }), 'text')
    const { mm } = setup()
    mm.enqueue(seeker(1, { mode: 'video', acceptsText: false }))
    assert.equal(mm.enqueue(seeker(2, { mode: 'text' })), null)
    const m = mm.enqueue(seeker(3, { mode: 'video', acceptsText: true }))!
    assert.deepEqual([m.a.userId, m.b.userId, m.mode], [1, 3, 'video'], 'two video members: video')
    assert.equal(mm.enqueue(seeker(4, { mode: 'video', acceptsText: true }))!.mode, 'text', 'the text member waiting takes a video member who accepts text')
  })

  it('a second Start replaces the first (never queued twice), and remove takes a member out', () => {
    const { mm } = setup()
    mm.enqueue(seeker(1, { interests: ['chess'] }))
    mm.enqueue(seeker(1, { interests: ['jazz'] }))
    assert.equal(mm.size, 1)
    assert.deepEqual(mm.list()[0]!.interests, ['jazz'])
    assert.equal(mm.enqueue(seeker(2, { interests: ['chess'] })), null, 'the old entry is gone from the chess index')
    assert.equal(mm.remove(1), true)
    assert.equal(mm.remove(1), false)
    assert.equal(mm.isWaiting(1), false)
    assert.equal(mm.size, 1)
  })

  it('bounds the work of one match when few waiting members are compatible', () => {
    const mm = new Matchmaker({ fallbackMs: 0, cooldownMs: 0, maxScan: 100 })
    // 500 members who blocked member 0 wait; 0 looks at no more than 100 of them and waits too.
    for (let i = 1; i <= 500; i++) mm.enqueue(seeker(i, { blocked: new Set([0, ...Array.from({ length: 500 }, (_, k) => k + 1).filter((k) => k !== i)]) }))
    assert.equal(mm.size, 500)
    assert.equal(mm.enqueue(seeker(0)), null)
    assert.equal(mm.size, 501)
  })
})

describe('random chat inputs', () => {
  it('normalises interests: lower case, no #, unique, at most 10, junk dropped', () => {
    assert.deepEqual(normaliseInterests('#Chess, jazz  JAZZ,, <b>'), ['chess', 'jazz'])
    assert.equal(normaliseInterests(Array.from({ length: 20 }, (_, i) => `t${i}`)).length, 10)
    assert.deepEqual(normaliseInterests(42), [])
  })
})
