// Turns what a person typed into a safe FTS5 query: every term quoted, so no input is ever read as FTS syntax.

/** The most terms one query uses; the rest are ignored (100 characters allow many one-letter words). */
export const MAX_TERMS = 12

// FTS5's unicode61 tokenizer keeps letters, numbers and private-use characters (categories L*, N*, Co) and
// splits on everything else. A term with none of them yields no token and is dropped here.
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u
// Control characters become spaces (they separate words); invisible format characters (soft hyphens, joiners,
// direction marks) are removed so they cannot split a word; lone surrogates cannot be encoded at all.
const CONTROL = /\p{Cc}/gu
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu

export interface FtsQuery {
  /** The MATCH expression, e.g. `"morning" "ru"*`. */
  match: string
  /** The terms as typed (cleaned), e.g. ['morning', 'ru']. */
  terms: string[]
}

/**
 * Build an FTS5 MATCH expression that finds rows containing every term, the last one as a prefix
 * (so "ana b" finds "Ana Bell" while typing). Quotes, stars, parentheses, minus signs, colons, carets
 * and the words AND, OR, NOT and NEAR all lose their meaning inside a quoted string. Returns null when
 * nothing searchable is left (only punctuation or emoji), which callers answer with no results.
 * @example toFtsQuery('"hello" NEAR(wor') // { match: '"hello" "NEAR(wor"*', terms: ['hello', 'NEAR(wor'] }
 */
export function toFtsQuery(input: string, options: { prefix?: boolean } = {}): FtsQuery | null {
  const cleaned = input.normalize('NFKC').replace(CONTROL, ' ').replace(INVISIBLE, '')
  const terms = cleaned
    .split(/\s+/u)
    .map((t) => t.replace(/"/g, ' ').trim())
    .filter((t) => TOKEN_CHAR.test(t))
    .slice(0, MAX_TERMS)
  if (!terms.length) return null
  const prefix = options.prefix ?? true
  const match = terms.map((t, i) => `"${t}"${prefix && i === terms.length - 1 ? '*' : ''}`).join(' ')
  return { match, terms }
}
