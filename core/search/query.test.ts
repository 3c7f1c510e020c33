// The FTS5 query builder: every term quoted, the last one a prefix, nothing read as FTS syntax.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_TERMS, toFtsQuery } from './query.js'

describe('toFtsQuery', () => {
  it('quotes each term and makes the last one a prefix', () => {
    assert.deepEqual(toFtsQuery('morning ru'), { match: '"morning" "ru"*', terms: ['morning', 'ru'] })
    assert.equal(toFtsQuery('morning run', { prefix: false })?.match, '"morning" "run"')
  })

  it('takes the meaning out of FTS syntax', () => {
    assert.equal(toFtsQuery('"a" OR b*')?.match, '"a" "OR" "b*"*')
    assert.equal(toFtsQuery('NEAR(a b) -c ^d col:e')?.match, '"NEAR(a" "b)" "-c" "^d" "col:e"*')
    assert.equal(toFtsQuery('say "hi"there')?.match, '"say" "hi there"*', 'a quote inside a term splits it, never closes the string')
  })

  it('drops terms that hold no letter or number, and answers null when nothing is left', () => {
    assert.equal(toFtsQuery('🎉 party')?.match, '"party"*')
    assert.equal(toFtsQuery('🎉 *** "" ( )'), null)
    assert.equal(toFtsQuery('   '), null)
  })

  it('turns control characters into spaces and removes invisible ones', () => {
    assert.equal(toFtsQuery('a\u0000b\tc')?.match, '"a" "b" "c"*')
    assert.equal(toFtsQuery('co\u00ADop\u200D')?.match, '"coop"*')
    assert.equal(toFtsQuery('\uD800lone')?.match, '"lone"*')
  })

  it('keeps letters of every script, and caps the number of terms', () => {
    assert.equal(toFtsQuery('café 日本語 Ⅻ')?.match, '"café" "日本語" "XII"*', 'NFKC folds compatibility forms')
    assert.equal(toFtsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))?.terms.length, MAX_TERMS)
  })
})
