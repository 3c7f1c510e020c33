// Markup as a template string, for the few subtrees drawn many times a page (a post card's reaction row): the
// serializer writes it as is (preact's precompiled-JSX form), where JSX costs it a pass over every attribute of every
// element. Values are escaped; nodes (JSX, components) are rendered in place. Everything else is JSX.
import type { VNode } from 'preact'
import { jsxTemplate } from 'preact/jsx-runtime'

/**
 * Text or a double-quoted attribute's value, escaped as preact-render-to-string escapes them (`& < "`), so that
 * html`` writes what JSX would. core/text/escape.ts is for markup made by hand elsewhere (emails, post text).
 */
export function escapeValue(v: string): string {
  return /["&<]/.test(v) ? v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;') : v
}

type Value = string | number | VNode | VNode[] | null | undefined | false

/**
 * Markup written as is, with its values escaped (strings, numbers) or rendered (nodes, lists of nodes); null,
 * undefined and false write nothing. Only for fixed markup around values: a value never names a tag or an attribute.
 * @example html`<a href="/p/${post.id}" class="reaction">${<Icon name="heart" />} ${post.likes_count}</a>`
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): VNode {
  const exprs = new Array<Value>(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    exprs[i] = typeof v === 'string' ? escapeValue(v) : typeof v === 'number' ? String(v) : v === false ? null : v
  }
  return jsxTemplate(strings as unknown as string[], ...(exprs as (string | VNode | null)[]))
}

/**
 * Markup already made safe (a post's sanitized HTML), written as is: what `dangerouslySetInnerHTML` is to JSX.
 * @example html`<div class="post-text">${raw(post.html)}</div>`
 */
export function raw(markup: string): VNode {
  return jsxTemplate([markup])
}
