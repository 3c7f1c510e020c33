// Onboarding: the operator's default interests (hashtags), suggested accounts and welcome message, and a new
// member's short way in: pick interests, follow people drawn from them and the operator's picks, or skip.
import { sql } from 'kysely'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { audit } from '../audit.js'
import { AppError, validationFailed } from '../errors.js'
import { visibleTo } from '../posts/visibility.js'
import { blockedWith } from '../safety/queries.js'
import type { SettingsService } from '../settings/service.js'
import type { MemberSummary, SocialService } from '../social/service.js'
import { renderMarkdown } from '../text/markdown.js'
import { parse } from '../validation.js'
import type { Services } from '../services.js'

const CONFIG_KEY = 'onboarding.config'
const INTERESTS_KEY = 'onboarding.interests'
/** Hashtags a member may keep as interests at most. */
export const MAX_INTERESTS = 30
/** Popular hashtags offered beside the operator's, and people suggested at most. */
const POPULAR = 12
const SUGGESTED = 12

/** A hashtag as members type it (`#Hiking`, `hiking`), stored as posts store theirs: lower case, no `#`. */
const tag = z
  .string()
  .trim()
  .transform((t) => t.replace(/^#/, '').toLowerCase())
  .pipe(z.string().regex(/^[\p{L}\p{N}_]{1,64}$/u, 'An interest is a hashtag: letters, digits and underscores.'))

export const configInput = z.object({
  enabled: z.boolean({ error: 'enabled is true or false.' }).default(true),
  interests: z.array(tag, { error: 'Send interests as a list of hashtags.' }).max(MAX_INTERESTS, `At most ${MAX_INTERESTS} interests.`).default([]),
  accounts: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9_]{3,30}$/, 'A suggested account is a username.'), { error: 'Send accounts as a list of usernames.' }).max(20, 'At most 20 suggested accounts.').default([]),
  welcome: z.string().trim().max(5000, 'Keep the welcome under 5000 characters.').default(''),
})
export type OnboardingConfig = z.output<typeof configInput>

const interestsInput = z.array(tag, { error: 'Send interests as a list of hashtags.' }).max(MAX_INTERESTS, `Pick at most ${MAX_INTERESTS} interests.`)

export type OnboardingService = ReturnType<typeof createOnboardingService>

export function createOnboardingService(deps: { db: Db; settings: SettingsService; social: SocialService }) {
  const { db, settings, social } = deps

  /** The operator's choices; off until they first save them (Admin → Onboarding). */
  async function config(): Promise<OnboardingConfig> {
    const saved = await settings.read(CONFIG_KEY)
    return saved ? configInput.parse(saved) : { ...configInput.parse({}), enabled: false }
  }

  async function interests(userId: number): Promise<string[]> {
    const row = await db.selectFrom('user_preferences').select('value').where('user_id', '=', userId).where('key', '=', INTERESTS_KEY).executeTakeFirst()
    return row ? (JSON.parse(row.value) as string[]) : []
  }

  const service = {
    config,
    interests,

    /** Whether the operator has saved onboarding's settings once. */
    async configured(): Promise<boolean> {
      return (await settings.read(CONFIG_KEY)) !== undefined
    },

    /** Save the operator's choices; every suggested account must exist. */
    async saveConfig(input: unknown, actorId: number | null): Promise<OnboardingConfig> {
      const c = parse(configInput, input)
      c.interests = [...new Set(c.interests)]
      c.accounts = [...new Set(c.accounts)]
      if (c.accounts.length) {
        const found = new Set((await db.selectFrom('users').select('username').where(sql<boolean>`lower(username) in (${sql.join(c.accounts)})`).execute()).map((r) => r.username.toLowerCase()))
        const missing = c.accounts.filter((a) => !found.has(a))
        if (missing.length) throw validationFailed({ accounts: `No member is called @${missing.join(', @')}.` })
      }
      await settings.write(CONFIG_KEY, c)
      await audit(db, { actorId, action: 'onboarding.update', details: { interests: c.interests, accounts: c.accounts, enabled: c.enabled } })
      return c
    },

    /** The welcome message as safe HTML ('' when none). */
    async welcomeHtml(): Promise<string> {
      return renderMarkdown((await config()).welcome)
    },

    /** The interests a new member is offered: the operator's, then the hashtags most used lately. */
    async offered(): Promise<{ tag: string; suggested: boolean }[]> {
      const own = (await config()).interests
      const since = new Date(Date.now() - 30 * 86_400_000).toISOString()
      const popular = await db
        .selectFrom('post_hashtags')
        .innerJoin('hashtags', 'hashtags.id', 'post_hashtags.hashtag_id')
        .innerJoin('posts', 'posts.id', 'post_hashtags.post_id')
        .select(['hashtags.tag', (eb) => eb.fn.countAll<number>().as('n')])
        .where('posts.created_at', '>', since)
        .where(visibleTo(null))
        .groupBy('hashtags.tag')
        .orderBy('n', 'desc')
        .limit(POPULAR + own.length)
        .execute()
      const rest = popular.map((p) => p.tag).filter((t) => !own.includes(t))
      return [...own.map((t) => ({ tag: t, suggested: true })), ...rest.slice(0, POPULAR).map((t) => ({ tag: t, suggested: false }))]
    },

    async setInterests(userId: number, input: unknown): Promise<string[]> {
      const list = [...new Set(parse(interestsInput, input))]
      const value = JSON.stringify(list)
      await db.insertInto('user_preferences').values({ user_id: userId, key: INTERESTS_KEY, value }).onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ value })).execute()
      return list
    },

    /**
     * People to follow: the operator's picks first, then whoever posted most with the member's interests in the
     * last 90 days (posts the member may see). Never the member, someone they follow, or anyone across a block.
     */
    async suggestions(userId: number): Promise<(MemberSummary & { why: string })[]> {
      const picks = (await config()).accounts
      const mine = await interests(userId)
      const eligible = (column: string) => sql<boolean>`${sql.ref(column)} != ${userId}
        and not exists (select 1 from follows f where f.follower_id = ${userId} and f.followee_id = ${sql.ref(column)})
        and not ${blockedWith(userId, column)}`
      const picked = picks.length
        ? (await db.selectFrom('users').select('id').where(sql<boolean>`lower(username) in (${sql.join(picks)})`).where('suspended_at', 'is', null).where(eligible('users.id')).execute()).map((r) => r.id)
        : []
      let drawn: { id: number; tag: string }[] = []
      if (mine.length) {
        const since = new Date(Date.now() - 90 * 86_400_000).toISOString()
        const rows = await db
          .selectFrom('posts')
          .innerJoin('post_hashtags', 'post_hashtags.post_id', 'posts.id')
          .innerJoin('hashtags', 'hashtags.id', 'post_hashtags.hashtag_id')
          .select(['posts.author_id as id', (eb) => eb.fn.min('hashtags.tag').as('tag'), (eb) => eb.fn.countAll<number>().as('n')])
          .where('hashtags.tag', 'in', mine)
          .where('posts.created_at', '>', since)
          .where(visibleTo(userId))
          .where(eligible('posts.author_id'))
          .groupBy('posts.author_id')
          .orderBy('n', 'desc')
          .limit(SUGGESTED)
          .execute()
        drawn = rows.filter((r) => !picked.includes(r.id)).map((r) => ({ id: r.id, tag: String(r.tag) }))
      }
      const why = new Map<number, string>([...picked.map((id): [number, string] => [id, 'Suggested by the team']), ...drawn.map((d): [number, string] => [d.id, `Posts about #${d.tag}`])])
      const people = await social.summariesOf(userId, [...picked, ...drawn.map((d) => d.id)].slice(0, SUGGESTED))
      return people.map((p) => ({ ...p, why: why.get(p.id) ?? '' }))
    },

    /** Follow the chosen people (a private account gets a request) and finish; one that cannot be followed is skipped. */
    async finish(userId: number, follow: unknown): Promise<{ followed: string[] }> {
      const names = parse(z.array(z.string().trim().max(30), { error: 'Send follow as a list of usernames.' }).max(SUGGESTED * 2, 'Too many at once.'), follow ?? [])
      const followed: string[] = []
      for (const name of names) {
        try {
          await social.follow(userId, name)
          followed.push(name)
        } catch (err) {
          // Blocked since, gone, or the follow limit: the rest still go, and the member lands in the site.
          if (!(err instanceof AppError)) throw err
        }
      }
      await db.updateTable('users').set({ onboarding: 0 }).where('id', '=', userId).execute()
      return { followed }
    },

    /** Leave the welcome page for good. */
    async skip(userId: number): Promise<void> {
      await db.updateTable('users').set({ onboarding: 0 }).where('id', '=', userId).execute()
    },

    /** A new member gets the welcome page ahead of them, unless the operator turned it off. */
    async begin(userId: number): Promise<void> {
      if ((await config()).enabled) await db.updateTable('users').set({ onboarding: 1 }).where('id', '=', userId).execute()
    },
  }
  return service
}

