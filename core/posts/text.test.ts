// Post text: hashtags, mentions and safe HTML.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { extractHashtags, extractMentions, renderPostText } from './text.js'

describe('post text', () => {
  it('finds hashtags and mentions, once each, ignoring e-mail addresses, anchors and entities', () => {
    const text = 'Run day #Running #fitness #running with @Ana_B and @bob! mail ana@example.org, see /page#anchor &#39; #café'
    assert.deepEqual(extractHashtags(text), ['running', 'fitness', 'café'])
    assert.deepEqual(extractMentions(text), ['ana_b', 'bob'])
  })

  it('escapes everything and links tags, known mentions and URLs', () => {
    const html = renderPostText('<script>alert(1)</script> #Tag @ana @ghost https://example.org/a?b=1&c=2.\nline two', new Set(['ana']))
    assert.ok(!html.includes('<script>'))
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
    assert.match(html, /<a href="\/tags\/tag" class="hashtag">#Tag<\/a>/)
    assert.match(html, /<a href="\/u\/ana" class="mention">@ana<\/a>/)
    assert.match(html, / @ghost /, 'unknown members are not linked')
    assert.match(html, /<a href="https:\/\/example.org\/a\?b=1&amp;c=2" rel="nofollow noopener ugc" target="_blank">https:\/\/example.org\/a\?b=1&amp;c=2<\/a>\./)
    assert.match(html, /<br>line two$/)
  })

  it('cannot be tricked into an attribute by quotes in a URL', () => {
    const html = renderPostText('https://x.example/"onmouseover="alert(1)', new Set())
    assert.doesNotMatch(html, /" onmouseover|"onmouseover="alert/)
  })
})
