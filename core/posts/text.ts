// Post text: finding #hashtags and @mentions, and turning text into safe HTML with links.
import { escapeHtml as escape } from '../text/escape.js'

export const POST_TEXT_MAX = 5000
export const HASHTAG_MAX = 64

const HASHTAG = /(^|[^\p{L}\p{N}_&#/])#([\p{L}\p{N}_]{1,64})/gu
const MENTION = /(^|[^\p{L}\p{N}_@/])@([A-Za-z0-9_]{3,30})\b/gu
const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g

/** Distinct hashtags, lower-cased, in order of first use. */
export function extractHashtags(text: string): string[] {
  const out = new Set<string>()
  for (const m of text.matchAll(HASHTAG)) out.add(m[2]!.toLowerCase())
  return [...out]
}

/** Distinct mentioned usernames, lower-cased, in order of first use. */
export function extractMentions(text: string): string[] {
  const out = new Set<string>()
  for (const m of text.matchAll(MENTION)) out.add(m[2]!.toLowerCase())
  return [...out]
}


/**
 * Safe HTML for a post's text: everything escaped, then #tags, @mentions of existing members and
 * links made into anchors, and line breaks kept.
 */
export function renderPostText(text: string, mentionable: Set<string>): string {
  // Tokenise on the raw text so an anchor is never built from already-escaped pieces.
  const pieces: string[] = []
  const pattern = new RegExp(`${URL_RE.source}|${HASHTAG.source}|${MENTION.source}`, 'gu')
  let last = 0
  for (const m of text.matchAll(pattern)) {
    const start = m.index!
    const [whole] = m
    if (m[0].startsWith('http')) {
      pieces.push(escape(text.slice(last, start)), `<a href="${escape(whole)}" rel="nofollow noopener ugc" target="_blank">${escape(whole)}</a>`)
    } else if (m[2] !== undefined) {
      const lead = m[1] ?? ''
      pieces.push(escape(text.slice(last, start) + lead), `<a href="/tags/${encodeURIComponent(m[2].toLowerCase())}" class="hashtag">#${escape(m[2])}</a>`)
    } else {
      const lead = m[3] ?? ''
      const name = m[4]!
      const link = mentionable.has(name.toLowerCase())
      pieces.push(escape(text.slice(last, start) + lead), link ? `<a href="/u/${name}" class="mention">@${escape(name)}</a>` : escape(`@${name}`))
    }
    last = start + whole.length
  }
  pieces.push(escape(text.slice(last)))
  return pieces.join('').replace(/\r?\n/g, '<br>')
}
