// The HLS paths' audience memo: a yes kept for a moment, a no never, everything forgotten when who may watch changes
// (also an answer that was being looked up when it changed). The hooks that forget are tested in live.test.ts.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AudienceMemo, MEMO_MS } from './audience.js'

function memo(answers: Map<string, boolean>) {
  let now = 1_000_000
  const asked: string[] = []
  const m = new AudienceMemo(
    async (viewerId, streamId) => {
      const key = `${streamId}:${viewerId ?? 'guest'}`
      asked.push(key)
      return answers.get(key) ?? false
    },
    () => now,
  )
  return { m, asked, tick: (ms: number) => (now += ms) }
}

describe('live: the audience memo', () => {
  it('keeps a yes for a moment, per stream and viewer, and asks again after it', async () => {
    const { m, asked, tick } = memo(new Map([['1:guest', true], ['1:7', true]]))
    assert.equal(await m.allows(null, 1), true)
    assert.equal(await m.allows(null, 1), true)
    assert.equal(await m.allows(7, 1), true)
    assert.deepEqual(asked, ['1:guest', '1:7'], 'one question per viewer and stream')
    tick(MEMO_MS)
    assert.equal(await m.allows(null, 1), true)
    assert.deepEqual(asked, ['1:guest', '1:7', '1:guest'], 'asked again once the moment has passed')
  })

  it('never keeps a no', async () => {
    const answers = new Map<string, boolean>()
    const { m, asked } = memo(answers)
    assert.equal(await m.allows(8, 2), false)
    answers.set('2:8', true) // followed meanwhile
    assert.equal(await m.allows(8, 2), true)
    assert.equal(asked.length, 2)
  })

  it('forgets every answer when told, and keeps none that was being looked up then', async () => {
    const answers = new Map([['3:9', true]])
    const { m, asked } = memo(answers)
    assert.equal(await m.allows(9, 3), true)
    m.forget()
    answers.set('3:9', false) // blocked
    assert.equal(await m.allows(9, 3), false, 'asked again at once')
    answers.set('3:9', true)
    const pending = m.allows(9, 3)
    m.forget()
    assert.equal(await pending, true)
    answers.set('3:9', false)
    assert.equal(await m.allows(9, 3), false, 'the answer looked up across the change was not kept')
    assert.equal(asked.length, 4)
  })
})
