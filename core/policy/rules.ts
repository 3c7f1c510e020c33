// A policy rule's conditions, checked and compiled once, and matched against what a member writes. Regular
// expressions run on RE2 (re2js: linear time, no backtracking), so no pattern an operator writes can hang the server.
import { RE2JS } from 're2js'
import { z } from 'zod'

/** Where members write, as core names it; plugins name theirs `NAME.thing` (`messages.message`). */
export const CORE_SURFACES = ['post', 'comment', 'profile', 'username'] as const

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?:[a-z0-9-]+\.)+[a-z0-9-]+$/, 'Write a domain such as casino.example.')

/** Every condition is optional; those given must all hold for the rule to match. */
export const conditionsInput = z
  .object({
    /** Words or phrases, matched whole, ignoring case and accents ("Casino" matches "casinó"). */
    words: z.array(z.string().trim().min(1, 'A word cannot be empty.').max(100, 'Words have at most 100 characters.')).max(500, 'At most 500 words a rule.').optional(),
    /** An RE2 regular expression, ignoring case. */
    regex: z.string().min(1).max(500, 'A regular expression has at most 500 characters.').optional(),
    /** Links to these domains or their subdomains. */
    link_domains: z.array(domain).max(500).optional(),
    /** At least this many links. */
    min_links: z.number().int().min(1).max(100).optional(),
    /** At least this many @mentions. */
    min_mentions: z.number().int().min(1).max(100).optional(),
    /** The author joined less than this many days ago. */
    account_age_days_under: z.number().int().min(1).max(3650).optional(),
    /** The author has published fewer than this many posts (their first posts). */
    posts_under: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined && (!Array.isArray(v) || v.length > 0)), 'Give at least one condition.')
export type Conditions = z.infer<typeof conditionsInput>

/** What a rule is matched against. */
export interface Written {
  text: string
  author: { created_at: string; posts_count: number } | null
}

/** Lower case without accents, in one Unicode form, so "CASINÓ" and "casino" are the same word. */
export const normalize = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+/gi
const MENTION = /(^|[^\w@])@[A-Za-z0-9_]{3,30}\b/g

/** The host of each link in a text (`www.` links as if https). */
export function linkHosts(text: string): string[] {
  const hosts: string[] = []
  for (const m of text.matchAll(LINK)) {
    try {
      hosts.push(new URL(/^www\./i.test(m[0]) ? `https://${m[0]}` : m[0]).hostname.toLowerCase())
    } catch {
      // not a URL after all
    }
  }
  return hosts
}

/** A rule's conditions made ready to match: the words as one pattern, the regular expression compiled. */
export interface Compiled {
  conditions: Conditions
  words: RegExp | null
  regex: RE2JS | null
}

/** Check and compile conditions; a bad regular expression is a sentence for the operator. */
export function compile(conditions: Conditions): Compiled {
  let regex: RE2JS | null = null
  if (conditions.regex) {
    try {
      regex = RE2JS.compile(conditions.regex, RE2JS.CASE_INSENSITIVE)
    } catch (err) {
      throw new Error(`The regular expression is not valid (RE2 syntax, no lookarounds or backreferences): ${err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err)}`)
    }
  }
  const list = (conditions.words ?? []).map(normalize).filter(Boolean)
  // Whole words: no letter or digit just before or after. Literal text only, so this cannot backtrack badly.
  const words = list.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${list.map(escapeRe).join('|')})(?![\\p{L}\\p{N}])`, 'u') : null
  return { conditions, words, regex }
}

/** Why the rule matches what was written (one reason per condition), or null when a condition does not hold. */
export function match(rule: Compiled, written: Written, now = Date.now()): string[] | null {
  const c = rule.conditions
  const reasons: string[] = []
  if (rule.words) {
    const m = normalize(written.text).match(rule.words)
    if (!m) return null
    reasons.push(`word: ${m[0]}`)
  }
  if (rule.regex) {
    const m = rule.regex.matcher(written.text)
    if (!m.find()) return null
    reasons.push(`pattern: ${(m.group() ?? '').slice(0, 60)}`)
  }
  const hosts = c.link_domains || c.min_links ? linkHosts(written.text) : []
  if (c.link_domains?.length) {
    const hit = hosts.find((h) => c.link_domains!.some((d) => h === d || h.endsWith(`.${d}`)))
    if (!hit) return null
    reasons.push(`link to ${hit}`)
  }
  if (c.min_links) {
    if (hosts.length < c.min_links) return null
    reasons.push(`${hosts.length} links`)
  }
  if (c.min_mentions) {
    const n = [...written.text.matchAll(MENTION)].length
    if (n < c.min_mentions) return null
    reasons.push(`${n} mentions`)
  }
  if (c.account_age_days_under) {
    if (!written.author) return null
    const days = (now - Date.parse(written.author.created_at)) / 86_400_000
    if (days >= c.account_age_days_under) return null
    reasons.push(`account ${Math.floor(days)} days old`)
  }
  if (c.posts_under) {
    if (!written.author || written.author.posts_count >= c.posts_under) return null
    reasons.push(`${written.author.posts_count} posts so far`)
  }
  return reasons
}
