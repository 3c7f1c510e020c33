// Page weight: no main page ships more than 60 KB of compressed JavaScript. Each page of a seeded community is
// fetched as a member sees it, its <script src> files fetched in turn, and their gzip sizes summed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { startTestServer } from './browser/browser.js'
import { COMMUNITY_PLUGINS, PAGE_NAMES, seedCommunity } from './browser/community.js'

/** The budget, in bytes of gzip (level 9, as a compressing proxy would serve them). */
export const JS_BUDGET = 60 * 1024

/** The script files a page's HTML loads: the src of every <script>, resolved against the page. */
export function scriptSources(html: string, pageUrl: string): string[] {
  return [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => new URL(m[1]!.replaceAll('&amp;', '&'), pageUrl).href)
}

test('scriptSources finds every script file of a page, relative or absolute', () => {
  const html = '<head><script src="/static/htmx.min.js" defer></script><script type="module" src="x.js?a=1&amp;b=2"></script><script>inline()</script></head>'
  assert.deepEqual(scriptSources(html, 'http://h.test/p/1'), ['http://h.test/static/htmx.min.js', 'http://h.test/p/x.js?a=1&b=2'])
})

test('no main page ships more than 60 KB of compressed JavaScript', { timeout: 120_000 }, async (t) => {
  const server = await startTestServer({ enable: COMMUNITY_PLUGINS })
  t.after(() => server.close())
  const community = await seedCommunity(server.hearth, server.url)
  const sizes = new Map<string, number>()
  const over: string[] = []
  // The guest's landing page too: it is the first page most people see.
  const pages: [string, string, string | null][] = [['landing (guest)', '/', null], ...PAGE_NAMES.map((n): [string, string, string] => [n, community.pages[n], community.cookie])]
  for (const [name, path, cookie] of pages) {
    const res = await fetch(server.url + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' })
    assert.equal(res.status, 200, `${name} (${path}) answers 200`)
    const html = await res.text()
    let total = 0
    const parts: string[] = []
    // A file included twice is downloaded once (the browser's cache); it counts once.
    for (const src of new Set(scriptSources(html, server.url + path))) {
      assert.equal(new URL(src).origin, server.url, `${name} loads scripts only from its own site (${src})`)
      if (!sizes.has(src)) {
        const file = await fetch(src)
        assert.equal(file.status, 200, `${src} answers 200`)
        sizes.set(src, gzipSync(Buffer.from(await file.arrayBuffer()), { level: 9 }).length)
      }
      total += sizes.get(src)!
      parts.push(`${new URL(src).pathname} ${(sizes.get(src)! / 1024).toFixed(1)}`)
    }
    t.diagnostic(`${name}: ${(total / 1024).toFixed(1)} KB gzip (${parts.join(', ')})`)
    if (total > JS_BUDGET) over.push(`${name} (${path}): ${(total / 1024).toFixed(1)} KB > 60 KB: ${parts.join(', ')}`)
  }
  assert.deepEqual(over, [], 'pages over the JavaScript budget')
})
