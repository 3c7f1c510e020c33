// Each member's content filters (issue 19): sensitive media (blur, show or hide), words they do not want to see, and
// replies from new accounts. Stored per member; applied inside the lists' own queries (never after a LIMIT).
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { parse } from '../validation.js'

export const SENSITIVE_CHOICES = ['blur', 'show', 'hide'] as const
export type SensitiveChoice = (typeof SENSITIVE_CHOICES)[number]

export const FILTER_WORDS_MAX = 200
export const FILTER_WORD_MAX = 100

export interface ContentFilters {
  /** Sensitive media: behind a warning (default), shown, or the posts left out of lists. */
  sensitive_media: SensitiveChoice
  /** Posts containing any of these (as text, any case) are left out of lists. */
  words: string[]
  /** Replies (comments) from accounts younger than this many days are hidden; null: off. */
  new_account_days: number | null
}

export const FILTER_DEFAULTS: ContentFilters = { sensitive_media: 'blur', words: [], new_account_days: null }

export const filtersInput = z.object({
  sensitive_media: z.enum(SENSITIVE_CHOICES, { error: 'Choose blur, show or hide.' }).optional(),
  words: z
    .array(z.string({ error: 'Words are text.' }).trim().min(1, 'A word cannot be empty.').max(FILTER_WORD_MAX, `Words have at most ${FILTER_WORD_MAX} characters.`), { error: 'Give a list of words.' })
    .max(FILTER_WORDS_MAX, `At most ${FILTER_WORDS_MAX} words.`)
    .optional(),
  new_account_days: z.number({ error: 'Give a number of days, or null for off.' }).int().min(1, 'At least 1 day.').max(365, 'At most 365 days.').nullable().optional(),
})

const KEYS = { sensitive_media: 'filters.sensitive_media', new_account_days: 'filters.new_account_days' } as const

/** Words are matched lowercased; SQLite's lower() folds ASCII only, so both sides are folded the same way. */
const fold = (w: string) => w.replace(/[A-Z]/g, (c) => c.toLowerCase())

export function createFiltersService(db: Db) {
  return {
    async get(userId: number): Promise<ContentFilters> {
      const [prefs, words] = await Promise.all([
        db.selectFrom('user_preferences').select(['key', 'value']).where('user_id', '=', userId).where('key', 'in', Object.values(KEYS)).execute(),
        db.selectFrom('member_filter_words').select('word').where('user_id', '=', userId).orderBy('word').execute(),
      ])
      const pref = (k: string) => prefs.find((p) => p.key === k)?.value
      const sensitive = pref(KEYS.sensitive_media)
      const days = pref(KEYS.new_account_days)
      return {
        sensitive_media: sensitive ? (JSON.parse(sensitive) as SensitiveChoice) : FILTER_DEFAULTS.sensitive_media,
        words: words.map((w) => w.word),
        new_account_days: days ? (JSON.parse(days) as number) : null,
      }
    },

    /** Change some filters (the others stay as they are). `words` replaces the whole list. */
    async set(userId: number, input: unknown): Promise<ContentFilters> {
      const data = parse(filtersInput, input)
      await db.transaction().execute(async (trx) => {
        for (const key of ['sensitive_media', 'new_account_days'] as const) {
          if (data[key] === undefined) continue
          if (data[key] === null) await trx.deleteFrom('user_preferences').where('user_id', '=', userId).where('key', '=', KEYS[key]).execute()
          else {
            const value = JSON.stringify(data[key])
            await trx.insertInto('user_preferences').values({ user_id: userId, key: KEYS[key], value }).onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ value })).execute()
          }
        }
        if (data.words) {
          await trx.deleteFrom('member_filter_words').where('user_id', '=', userId).execute()
          const words = [...new Set(data.words.map(fold))]
          if (words.length) await trx.insertInto('member_filter_words').values(words.map((word) => ({ user_id: userId, word }))).execute()
        }
      })
      return this.get(userId)
    },

  }
}
export type FiltersService = ReturnType<typeof createFiltersService>

/** The viewer's choice for sensitive media (guests: blur). */
export async function sensitiveChoice(db: Db, viewerId: number | null): Promise<SensitiveChoice> {
  if (viewerId === null) return 'blur'
  const row = await db.selectFrom('user_preferences').select('value').where('user_id', '=', viewerId).where('key', '=', KEYS.sensitive_media).executeTakeFirst()
  return row ? (JSON.parse(row.value) as SensitiveChoice) : 'blur'
}

/**
 * The condition "the viewer's filters let this row of `posts` into a list" (feed, explore, hashtags, search): not a
 * sensitive post when they hide those, and none of their words in its text. Their own posts always pass. A guest has
 * no filters. Used beside `visibleTo` in the list's own query.
 * @example db.selectFrom('posts').selectAll().where(visibleTo(viewerId)).where(passesFilters(viewerId))
 */
export function passesFilters(viewerId: number | Expression<number> | null, table = 'posts') {
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => {
    if (viewerId === null) return sql<SqlBool>`1`
    const col = (c: string) => sql.ref(`${table}.${c}`)
    return sql<SqlBool>`(${col('author_id')} = ${viewerId} or (
      not (${col('sensitive')} = 1 and exists (select 1 from user_preferences as fp where fp.user_id = ${viewerId} and fp.key = ${KEYS.sensitive_media} and fp.value = '"hide"'))
      and not exists (select 1 from member_filter_words as fw where fw.user_id = ${viewerId} and instr(lower(${col('text')}), fw.word) > 0)))`
  }
}

/**
 * The condition "the viewer's filters let this comment show": not from an account younger than their
 * `new_account_days`, unless it is theirs or someone they follow. `authors` is the joined users table's alias.
 */
export function commentPassesFilters(viewerId: number | null, comments = 'comments', authors = 'users') {
  return (): Expression<SqlBool> => {
    if (viewerId === null) return sql<SqlBool>`1`
    const c = (x: string) => sql.ref(`${comments}.${x}`)
    const u = (x: string) => sql.ref(`${authors}.${x}`)
    return sql<SqlBool>`(${c('author_id')} = ${viewerId}
      or exists (select 1 from follows as ff where ff.follower_id = ${viewerId} and ff.followee_id = ${c('author_id')})
      or not exists (select 1 from user_preferences as fd where fd.user_id = ${viewerId} and fd.key = ${KEYS.new_account_days}
        and ${u('created_at')} > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || fd.value || ' days')))`
  }
}
