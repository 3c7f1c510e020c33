// Safety: blocks (both ways, everywhere), mutes (my feed only), and each member's privacy preferences.
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import { AppError, notFound } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import type { SocialService } from '../social/service.js'
import { parse } from '../validation.js'
import { blockedEitherWay } from './queries.js'
import { displayName } from '../users/display-name.js'

const audience = z.enum(['everyone', 'followers', 'nobody'], { error: 'Choose everyone, followers or nobody.' })

/** Privacy settings each member controls. */
const PRIVACY_FIELDS = z.object({
  who_can_comment: audience,
  who_can_mention: audience,
  /** Used by messaging. */
  who_can_message: audience,
  show_last_seen: z.boolean({ error: 'show_last_seen is true or false.' }),
  /** Others may repost and quote my posts (read in SQL by core/posts/visibility.ts as `privacy.allow_reposts`). */
  allow_reposts: z.boolean({ error: 'allow_reposts is true or false.' }),
})
export type Privacy = z.infer<typeof PRIVACY_FIELDS>
/** Any of them: what is stored, and what a change sends (built once: zod makes a new schema per call). */
const SOME_PRIVACY_FIELDS = PRIVACY_FIELDS.partial()
export const PRIVACY_DEFAULTS: Privacy = { who_can_comment: 'everyone', who_can_mention: 'everyone', who_can_message: 'everyone', show_last_seen: true, allow_reposts: true }

export type SafetyService = ReturnType<typeof createSafetyService>

export function createSafetyService(deps: { db: Db; hooks: HookRegistry; social: SocialService }) {
  const { db, hooks, social } = deps
  const shapes = queryShapes(db, 4)

  async function memberId(target: number | string): Promise<number> {
    return (await social.member(target, { includeSuspended: true })).id
  }

  /** Whether `actorId` passes `ownerId`'s audience rule (everyone, followers, nobody), blocks aside. */
  async function passes(rule: 'everyone' | 'followers' | 'nobody', actorId: number, ownerId: number): Promise<boolean> {
    if (actorId === ownerId) return true
    if (rule === 'everyone') return true
    if (rule === 'nobody') return false
    return social.isFollowing(actorId, ownerId)
  }

  const service = {
    blockedEitherWay: (a: number, b: number) => blockedEitherWay(db, a, b),

    /** Everyone a member blocked or was blocked by (ids), for code that pairs members outside SQL. */
    async blockedIds(userId: number): Promise<number[]> {
      const rows = await db
        .selectFrom('blocks')
        .select('blocked_id as id')
        .where('blocker_id', '=', userId)
        .union(db.selectFrom('blocks').select('blocker_id as id').where('blocked_id', '=', userId))
        .execute()
      return rows.map((r) => r.id)
    },

    /** Block a member: follows both ways end, pending requests go, and neither sees the other anywhere. */
    async block(blockerId: number, target: number | string): Promise<void> {
      const blockedId = await memberId(target)
      if (blockedId === blockerId) throw new AppError(409, 'CONFLICT', 'You cannot block yourself.')
      const r = await db.insertInto('blocks').values({ blocker_id: blockerId, blocked_id: blockedId }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
      if (Number(r.numInsertedOrUpdatedRows) !== 1) return
      await social.unfollow(blockerId, blockedId)
      await social.unfollow(blockedId, blockerId)
      await hooks.emit('action:user.blocked', { blockerId, blockedId })
    },

    async unblock(blockerId: number, target: number | string): Promise<void> {
      const blockedId = await memberId(target)
      const r = await db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst()
      if (Number(r.numDeletedRows) === 1) await hooks.emit('action:user.unblocked', { blockerId, blockedId })
    },

    /** Mute a member: their posts leave my home feed; nothing else changes and they are not told. */
    async mute(muterId: number, target: number | string): Promise<void> {
      const mutedId = await memberId(target)
      if (mutedId === muterId) throw new AppError(409, 'CONFLICT', 'You cannot mute yourself.')
      await db.insertInto('mutes').values({ muter_id: muterId, muted_id: mutedId }).onConflict((oc) => oc.doNothing()).execute()
    },

    async unmute(muterId: number, target: number | string): Promise<void> {
      const mutedId = await memberId(target)
      await db.deleteFrom('mutes').where('muter_id', '=', muterId).where('muted_id', '=', mutedId).execute()
    },

    /** The members one has blocked (or muted), newest first. */
    async list(which: 'blocks' | 'mutes', userId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<{ id: number; username: string; display_name: string; since: string }>> {
      const limit = options.limit ?? 50
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      const [mine, theirs] = which === 'blocks' ? (['blocker_id', 'blocked_id'] as const) : (['muter_id', 'muted_id'] as const)
      let q = db
        .selectFrom(which)
        .innerJoin('users', 'users.id', `${which}.${theirs}` as 'blocks.blocked_id')
        .select(['users.id', 'users.username', 'users.display_name', `${which}.created_at as since` as 'blocks.created_at as since'])
        .where(`${which}.${mine}` as 'blocks.blocker_id', '=', userId)
        .orderBy('since', 'desc')
        .orderBy('users.id', 'desc')
        .limit(limit + 1)
      if (after) q = q.where((eb) => eb.or([eb(`${which}.created_at` as 'blocks.created_at', '<', after.at), eb.and([eb(`${which}.created_at` as 'blocks.created_at', '=', after.at), eb('users.id', '<', after.id)])]))
      const page = pageOf(await q.execute(), limit, (r) => ({ at: r.since, id: r.id }))
      return { items: page.items.map((r) => ({ ...r, display_name: displayName(r) })), nextCursor: page.nextCursor }
    },

    /** A member's privacy settings, defaults filled in. */
    async privacy(userId: number): Promise<Privacy> {
      const rows = await shapes.all(
        'privacy',
        (slot) => db.selectFrom('user_preferences').select(['key', 'value']).where('user_id', '=', slot<number>('user')).where('key', 'like', 'privacy.%'),
        { user: userId },
      )
      const stored = Object.fromEntries(rows.map((r) => [r.key.slice('privacy.'.length), JSON.parse(r.value)]))
      const parsed = SOME_PRIVACY_FIELDS.safeParse(stored)
      return { ...PRIVACY_DEFAULTS, ...(parsed.success ? parsed.data : {}) }
    },

    /** Change some privacy settings (the others stay as they are); each value is checked first. */
    async setPrivacy(userId: number, input: unknown): Promise<Privacy> {
      const data = parse(SOME_PRIVACY_FIELDS, input)
      for (const [key, value] of Object.entries(data)) {
        if (value === undefined) continue
        const json = JSON.stringify(value)
        await db
          .insertInto('user_preferences')
          .values({ user_id: userId, key: `privacy.${key}`, value: json })
          .onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ value: json }))
          .execute()
      }
      return service.privacy(userId)
    },

    /** May `actorId` comment on a post by `authorId`? (blocks, then the author's who_can_comment) */
    async canComment(actorId: number, authorId: number): Promise<boolean> {
      if (await blockedEitherWay(db, actorId, authorId)) return false
      return passes((await service.privacy(authorId)).who_can_comment, actorId, authorId)
    },

    /** May `actorId` mention `targetId`, so that it links and notifies? */
    async canMention(actorId: number, targetId: number): Promise<boolean> {
      if (await blockedEitherWay(db, actorId, targetId)) return false
      return passes((await service.privacy(targetId)).who_can_mention, actorId, targetId)
    },

    /** May `actorId` send a message to `targetId`? (used by messaging) */
    async canMessage(actorId: number, targetId: number): Promise<boolean> {
      if (await blockedEitherWay(db, actorId, targetId)) return false
      return passes((await service.privacy(targetId)).who_can_message, actorId, targetId)
    },

    /** Throw NOT_FOUND when the viewer and the member blocked each other (profiles behave as if missing). */
    async assertNotBlocked(viewerId: number | null, memberIdValue: number): Promise<void> {
      if (viewerId !== null && (await blockedEitherWay(db, viewerId, memberIdValue))) throw notFound('That member')
    },
  }
  return service
}
