// Names people see (display names, group names): one rule against invisible, reordering and control characters,
// and the skeleton that tells when a name looks like another (decision 020).
import { z } from 'zod'

const EMOJI = /\p{Extended_Pictographic}/u
const VARIATION = /[\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/u
const ZWJ = '\u200D'
// Characters that draw nothing but are not format characters (Cf): Hangul fillers, the Braille blank,
// the combining grapheme joiner and Khmer's invisible vowels.
const BLANK = /[\u115F\u1160\u3164\uFFA0\u2800\u034F\u17B4\u17B5]/u
// Control (Cc), format (Cf: bidi overrides and isolates, zero-width spaces and joiners, word joiner, BOM, soft
// hyphen, tags), line and paragraph separators, surrogates, private use and unassigned code points.
const REFUSED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u
/** More combining marks than any script needs on one letter: text that spills over its neighbours. */
const MAX_MARKS = 4

const hex = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`

/**
 * A name as people will see it: NFC-normalised, every run of spaces one space, trimmed. Returns the clean name, or
 * a sentence saying which character is refused (control, invisible or direction-changing characters; variation
 * selectors not after an emoji; a zero-width joiner not between emoji; piles of combining marks).
 * @example cleanName('  Ana\u00A0 Lima ') // { ok: true, value: 'Ana Lima' }
 * @example cleanName('admin\u202Egnp.exe') // { ok: false, message: '... U+202E ...' }
 * @example cleanName('bell\u0007', 'Alt texts') // { ok: false, message: 'Alt texts cannot contain ... (U+0007).' }
 */
export function cleanName(raw: string, label = 'Names'): { ok: true; value: string } | { ok: false; message: string } {
  // Spaces of every width (and tabs, newlines) become one space; \s would also swallow U+FEFF, which is refused.
  // Checked before trimming: trim() would also drop a U+FEFF at either end, and it is refused.
  const spaced = raw.normalize('NFC').replace(/[\p{Zs}\t\n\r\f\v]+/gu, ' ')
  const chars = [...spaced]
  let marks = 0
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    const prev = chars[i - 1] ?? ''
    marks = /\p{M}/u.test(ch) && !VARIATION.test(ch) ? marks + 1 : 0
    if (marks > MAX_MARKS) return { ok: false, message: `${label} cannot stack that many accents on one letter.` }
    if (VARIATION.test(ch)) {
      if (/\p{Emoji}/u.test(prev)) continue
      return { ok: false, message: `${label} cannot contain the invisible character ${hex(ch)}.` }
    }
    if (ch === ZWJ) {
      // Joins emoji into one (a family, a profession); elsewhere it only hides a difference.
      const before = VARIATION.test(prev) || /\p{Emoji_Modifier}/u.test(prev) ? (chars[i - 2] ?? '') : prev
      if (EMOJI.test(before) && EMOJI.test(chars[i + 1] ?? '')) continue
      return { ok: false, message: `${label} cannot contain the invisible character ${hex(ch)} (zero-width joiner).` }
    }
    if (REFUSED.test(ch) || BLANK.test(ch)) {
      return { ok: false, message: `${label} cannot contain invisible, control or direction-changing characters (${hex(ch)}).` }
    }
  }
  return { ok: true, value: spaced.replace(/^ | $/g, '') }
}

/**
 * A zod schema for a name people see: `cleanName`'s rule, then a length in characters (not UTF-16 units).
 * @example const name = safeName({ label: 'Group names', min: 3, max: 80 }) // z.object({ name })
 */
export function safeName(options: { label: string; min?: number; max: number; required?: string }) {
  const { label, min = 0, max } = options
  const size = min ? `${label} have ${min} to ${max} characters.` : `${label} have at most ${max} characters.`
  return z.string({ error: options.required ?? `${label} are text.` }).transform((raw, ctx) => {
    const r = cleanName(raw, label)
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message })
      return z.NEVER
    }
    const length = [...r.value].length
    if (length < min || length > max) {
      ctx.addIssue({ code: 'custom', message: size })
      return z.NEVER
    }
    return r.value
  })
}

// Letters from other scripts, digits and pairs that pass for Latin letters in most fonts.
const LOOKALIKE: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'l', ї: 'l', ј: 'j', ѕ: 's',
  ԁ: 'd', һ: 'h', ӏ: 'l', ԛ: 'q', ԝ: 'w', ɡ: 'g', ь: 'b', п: 'n', г: 'r',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'l', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', ζ: 'z', μ: 'u',
  // Digits and Latin letters that stand for one another
  '0': 'o', '1': 'l', i: 'l', '|': 'l', '!': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '$': 's', '@': 'a',
}

/**
 * What a name looks like, for comparing names: NFKC, case-folded, accents dropped, lookalike letters and digits
 * mapped to one Latin letter (Cyrillic а → a, 0 → o, 1/l/I → l, rn → m, vv → w), and everything but letters and
 * digits left out. Two names with one skeleton are easily mistaken for each other.
 * @example nameSkeleton('Аdmin_Team') === nameSkeleton('admln team') // true
 */
export function nameSkeleton(name: string): string {
  const folded = name.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')
  let out = ''
  for (const ch of folded) out += LOOKALIKE[ch] ?? ch
  return out
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd')
}
