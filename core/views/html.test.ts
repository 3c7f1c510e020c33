// html``: markup written as is around escaped values and rendered nodes, the same HTML JSX would give.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { h } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { escapeValue, html, raw } from './html.js'

describe('html``', () => {
  it('escapes strings as preact does, in text and in attributes', () => {
    const name = 'Ann "A" <b> & co\'s'
    assert.equal(renderToString(html`<a title="${name}">${name}</a>`), renderToString(h('a', { title: name }, name)))
    assert.equal(escapeValue('plain'), 'plain')
  })

  it('writes numbers, renders nodes and lists of nodes in place, and writes nothing for null, undefined and false', () => {
    const out = renderToString(html`<p>${3}${h('b', null, '<x>')}${[h('i', null, 1), html`<u>${'&'}</u>`]}${null}${undefined}${false}</p>`)
    assert.equal(out, '<p>3<b>&lt;x></b><i>1</i><u>&amp;</u></p>')
  })

  it('nests inside JSX, and writes safe markup as is with raw()', () => {
    assert.equal(renderToString(h('div', null, html`<span>${'a'}</span>`, raw('<em>b</em>'))), '<div><span>a</span><em>b</em></div>')
  })
})
