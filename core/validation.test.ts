// The one details.fields rule, and the one cursor decoder and page tail every list uses.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { AppError, isAppError } from './errors.js'
import { decodeCursor, encodeCursor, pageOf } from './pagination.js'
import { parse } from './validation.js'

const failure = (fn: () => unknown): AppError => {
  try {
    fn()
  } catch (err) {
    assert.ok(isAppError(err))
    return err
  }
  assert.fail('expected an AppError')
}

describe('parse', () => {
  const schema = z
    .object({ name: z.string().min(3, 'Too short.').max(5, 'Too long.'), links: z.array(z.object({ url: z.string().url('Enter a link.') })).default([]) })
    .refine((v) => v.name !== 'admin', { message: 'Pick another name.' })

  it('keys details.fields by the dotted path of each problem, _ for the whole input, the first message per key', () => {
    const err = failure(() => parse(schema, { name: 'ab', links: [{ url: 'ok' }, { url: 'https://x.test' }, { url: 'no' }] }))
    assert.equal(err.status, 400)
    assert.equal(err.code, 'VALIDATION_FAILED')
    assert.deepEqual(err.details.fields, { name: 'Too short.', 'links.0.url': 'Enter a link.', 'links.2.url': 'Enter a link.' })
    assert.equal(err.message, 'Too short.')
    assert.deepEqual(failure(() => parse(schema, { name: 'admin' })).details.fields, { _: 'Pick another name.' })
    assert.deepEqual(Object.keys(failure(() => parse(schema, 'not an object')).details.fields as object), ['_'])
  })
})

describe('cursors', () => {
  const bad = (cursor: string, spec: Parameters<typeof decodeCursor>[1]) => {
    const err = failure(() => decodeCursor(cursor, spec))
    assert.equal(err.code, 'VALIDATION_FAILED')
    assert.ok((err.details.fields as Record<string, string>).cursor)
  }
  it('gives back the values of a cursor it made, and null for none', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ at: '2026-11-21T10:00:00.000Z', id: 7, extra: 'x' }), { at: 'time', id: 'id' }), { at: '2026-11-21T10:00:00.000Z', id: 7 })
    assert.deepEqual(decodeCursor(encodeCursor({ offset: 0, kind: 'like' }), { offset: 'count', kind: 'text' }), { offset: 0, kind: 'like' })
    assert.equal(decodeCursor(undefined, { id: 'id' }), null)
    assert.equal(decodeCursor('', { id: 'id' }), null)
  })
  it('refuses anything but the scalar each key must hold', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    bad('***', { id: 'id' })
    bad(b64([1]), { id: 'id' })
    bad(b64(null), { id: 'id' })
    bad(b64({}), { id: 'id' })
    bad(b64({ id: {} }), { id: 'id' })
    bad(b64({ id: '5' }), { id: 'id' })
    bad(b64({ id: 0 }), { id: 'id' })
    bad(b64({ id: 1.5 }), { id: 'id' })
    bad(b64({ id: 1e300 }), { id: 'id' })
    bad(b64({ offset: -1 }), { offset: 'count' })
    bad(b64({ offset: 'ten' }), { offset: 'count' })
    bad(b64({ at: 1767225600000 }), { at: 'time' })
    bad(b64({ at: 'yesterday' }), { at: 'time' })
    bad(b64({ at: '2026-13-45T99:00:00Z' }), { at: 'time' })
    bad(b64({ kind: 'x'.repeat(65) }), { kind: 'text' })
    bad('A'.repeat(2000), { id: 'id' })
  })
  it('takes limit + 1 rows to a page of limit and the cursor of its last row', () => {
    const rows = [{ id: 5 }, { id: 4 }, { id: 3 }]
    const page = pageOf(rows, 2, (r) => ({ id: r.id }))
    assert.deepEqual(page.items, [{ id: 5 }, { id: 4 }])
    assert.deepEqual(decodeCursor(page.nextCursor, { id: 'id' }), { id: 4 })
    assert.deepEqual(pageOf(rows, 3, (r) => ({ id: r.id })), { items: rows, nextCursor: null })
  })
})
