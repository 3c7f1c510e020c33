// Profiles and the social graph: follow, unfollow, follow requests of private accounts, lists and suggestions.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import { now, type AccountType, type AvatarVisibility, type UserRow } from '../db/schema.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, olderThan, pageOf, type Page } from '../pagination.js'
import { idsOfUsernames, refuseStaffLookalike } from '../users/queries.js'
import { parse } from '../validation.js'
import { profileInput } from './inputs.js'
import { blockedEitherWay, canSeeAuthor } from '../safety/queries.js'
import { visiblePostsCount } from './counts.js'
import { displayName } from '../users/display-name.js'
import type { ContentPolicy } from '../policy/service.js'

/** How long a member's suggestions are kept, for how many members at most, and how many places. */
const SUGGESTIONS_KEEP_MS = 10 * 60_000
const SUGGESTIONS_KEPT_MEMBERS = 10_000
const SUGGESTIONS_RANKED = 60

export type Relationship = 'self' | 'following' | 'requested' | 'none'

/** A profile as a viewer sees it. */
export interface ProfileView {
  id: number
  username: string
  display_name: string
  role: string
  /** Staff gave them the verified badge. */
  verified: boolean
  bio: string
  links: { label: string; url: string }[]
  avatar_url: string | null
  is_private: boolean
  account_type: AccountType
  /** Active members following them (the followers list's members). */
  followers_count: number
  following_count: number
  /** Their published posts the viewer may see, counted up to POSTS_COUNT_CAP. */
  posts_count: number
  /** True when posts_count is the cap: "1000 or more". */
  posts_count_capped: boolean
  created_at: string
  /** How the viewer stands to this member. */
  relationship: Relationship
  /** This member follows the viewer. */
  follows_you: boolean
  /** The viewer may see this member's posts and lists. */
  can_see_content: boolean
}

export interface MemberSummary {
  id: number
  username: string
  display_name: string
  avatar_url: string | null
  /** Staff gave them the verified badge. */
  verified: boolean
}

export type SocialService = ReturnType<typeof createSocialService>

const avatarUrl = (u: Pick<UserRow, 'avatar_media_id'>) => (u.avatar_media_id ? `/media/${u.avatar_media_id}/150` : null)

export function createSocialService(deps: { db: Db; hooks: HookRegistry; limit?: (action: 'follow', userId: number) => Promise<void>; policy?: ContentPolicy }) {
  const { db, hooks, limit, policy } = deps
  const shapes = queryShapes(db, 16)

  /** A member by id or username; suspended members are NOT_FOUND unless `includeSuspended` (staff views). */
  async function member(idOrUsername: number | string, options: { includeSuspended?: boolean } = {}): Promise<UserRow> {
    const key = String(idOrUsername).trim().replace(/^@/, '')
    const byId = /^\d+$/.test(key)
    const [row] = await shapes.all(
      `member:${byId ? 'id' : 'username'}:${options.includeSuspended ? 'any' : 'active'}`,
      (slot) => {
        let q = db.selectFrom('users').selectAll()
        // A deleted account's tombstone is nobody's profile, even when its anonymised posts still show.
        q = q.where('deleted_at', 'is', null)
        if (!options.includeSuspended) q = q.where('suspended_at', 'is', null)
        return byId ? q.where('id', '=', slot<number>('id')) : q.where('username', '=', slot<string>('username'))
      },
      byId ? { id: Number(key) } : { username: key },
    )
    if (!row) throw notFound('That member')
    return row
  }

  async function isFollowing(followerId: number, followeeId: number): Promise<boolean> {
    const rows = await shapes.all(
      'is-following',
      (slot) => db.selectFrom('follows').select('follower_id').where('follower_id', '=', slot<number>('follower')).where('followee_id', '=', slot<number>('followee')),
      { follower: followerId, followee: followeeId },
    )
    return rows.length > 0
  }

  /** Whether a viewer may see a member's posts and follower lists. */
  async function canSeeContent(viewerId: number | null, owner: Pick<UserRow, 'id' | 'is_private'>): Promise<boolean> {
    if (viewerId === owner.id || !owner.is_private) return true
    return viewerId !== null && isFollowing(viewerId, owner.id)
  }

  /** Whether a viewer may see a member's picture, by its own audience setting. */
  async function canSeeAvatar(viewerId: number | null, owner: Pick<UserRow, 'id' | 'avatar_visibility'>): Promise<boolean> {
    if (viewerId === owner.id || owner.avatar_visibility === 'public') return true
    if (viewerId === null) return false
    if (owner.avatar_visibility === 'followers') return isFollowing(viewerId, owner.id)
    const rows = await shapes.all(
      'avatar-audience',
      (slot) => db.selectFrom('avatar_audience').select('user_id').where('user_id', '=', slot<number>('owner')).where('member_id', '=', slot<number>('viewer')),
      { owner: owner.id, viewer: viewerId },
    )
    return rows.length > 0
  }

  async function relationship(viewerId: number | null, target: UserRow): Promise<{ relationship: Relationship; follows_you: boolean }> {
    if (viewerId === null) return { relationship: 'none', follows_you: false }
    if (viewerId === target.id) return { relationship: 'self', follows_you: false }
    const [following, requested, followsYou] = await Promise.all([
      isFollowing(viewerId, target.id),
      shapes
        .all(
          'requested',
          (slot) => db.selectFrom('follow_requests').select('target_id').where('requester_id', '=', slot<number>('requester')).where('target_id', '=', slot<number>('target')),
          { requester: viewerId, target: target.id },
        )
        .then((rows) => rows[0]),
      isFollowing(target.id, viewerId),
    ])
    return { relationship: following ? 'following' : requested ? 'requested' : 'none', follows_you: followsYou }
  }

  /** Create the follow and keep both counts exact, in one transaction. Returns false if it existed. */
  async function addFollow(followerId: number, followeeId: number): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('follows').values({ follower_id: followerId, followee_id: followeeId }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
      await trx.deleteFrom('follow_requests').where('requester_id', '=', followerId).where('target_id', '=', followeeId).execute()
      if (Number(r.numInsertedOrUpdatedRows) !== 1) return false
      await trx.updateTable('users').set((eb) => ({ following_count: eb('following_count', '+', 1) })).where('id', '=', followerId).execute()
      await trx.updateTable('users').set((eb) => ({ followers_count: eb('followers_count', '+', 1) })).where('id', '=', followeeId).execute()
      return true
    })
  }

  function summaries(rows: UserRow[], viewerId: number | null): Promise<MemberSummary[]> {
    return Promise.all(
      rows.map(async (u) => ({ id: u.id, username: u.username, display_name: displayName(u), avatar_url: (await canSeeAvatar(viewerId, u)) ? avatarUrl(u) : null, verified: u.verified_at !== null })),
    )
  }

  /** Members suggested to each viewer, best first: the most the API shows and a margin for those followed since. */
  const suggested = new Map<number, { made: number; rows: { id: number; mutuals: number }[] }>()
  /**
   * Friends of friends, counted per candidate before anything else is checked: the join is tens of thousands of
   * rows for a member who follows a few hundred, the candidates a few thousand, so the checks (followed,
   * requested, suspended) run once per candidate instead of once per row. Each (follower, followee) pair is
   * one row of `follows`, so count(*) is the number of distinct followings that follow the candidate.
   */
  async function rankSuggestions(viewerId: number) {
    return db
      .selectFrom((eb) =>
        eb
          .selectFrom('follows as mine')
          .innerJoin('follows as theirs', 'theirs.follower_id', 'mine.followee_id')
          .select(['theirs.followee_id as id', eb.fn.countAll<number>().as('mutuals')])
          .where('mine.follower_id', '=', viewerId)
          .where('theirs.followee_id', '!=', viewerId)
          .groupBy('theirs.followee_id')
          .as('c'),
      )
      .select(['c.id', 'c.mutuals'])
      .where((eb) => eb.not(eb.exists(eb.selectFrom('follows as f').select('f.follower_id').where('f.follower_id', '=', viewerId).whereRef('f.followee_id', '=', 'c.id'))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('follow_requests as r').select('r.requester_id').where('r.requester_id', '=', viewerId).whereRef('r.target_id', '=', 'c.id'))))
      .where((eb) => eb.exists(eb.selectFrom('users as candidate').select('candidate.id').whereRef('candidate.id', '=', 'c.id').where('candidate.suspended_at', 'is', null)))
      .orderBy('c.mutuals', 'desc')
      .orderBy('c.id', 'desc')
      .limit(SUGGESTIONS_RANKED)
      .execute()
  }

  const service = {
    member,
    canSeeContent,
    canSeeAvatar,

    /**
     * Members' pictures as the viewer may see them, in one query: null for a member with none, suspended, blocked either
     * way with the viewer, or whose picture's audience leaves the viewer out (members missing from the list: absent).
     */
    async avatars(viewerId: number, ids: readonly number[]): Promise<Map<number, string | null>> {
      const out = new Map<number, string | null>()
      if (ids.length === 0) return out
      const rows = await db
        .selectFrom('users')
        .select(['id', 'avatar_media_id', 'avatar_visibility'])
        .select(canSeeAuthor(viewerId, 'users.id').as('visible'))
        .where('id', 'in', [...new Set(ids)])
        .execute()
      for (const u of rows) out.set(u.id, u.visible && u.avatar_media_id && (await canSeeAvatar(viewerId, u)) ? avatarUrl(u) : null)
      return out
    },
    isFollowing,

    /** A profile as the viewer sees it. Suspended members are NOT_FOUND. */
    async profile(viewerId: number | null, idOrUsername: number | string, options: { includeSuspended?: boolean } = {}): Promise<ProfileView> {
      const u = await member(idOrUsername, options)
      // Across a block neither sees the other's profile: it answers like a missing one.
      if (viewerId !== null && (await blockedEitherWay(db, viewerId, u.id))) throw notFound('That member')
      const [rel, posts] = await Promise.all([relationship(viewerId, u), visiblePostsCount(db, viewerId, u.id)])
      return {
        id: u.id,
        username: u.username,
        display_name: displayName(u),
        role: u.role,
        verified: u.verified_at !== null,
        bio: u.bio,
        links: JSON.parse(u.links) as ProfileView['links'],
        avatar_url: (await canSeeAvatar(viewerId, u)) ? avatarUrl(u) : null,
        is_private: u.is_private === 1,
        account_type: u.account_type,
        followers_count: u.followers_count,
        following_count: u.following_count,
        posts_count: posts.count,
        posts_count_capped: posts.capped,
        created_at: u.created_at,
        ...rel,
        can_see_content: await canSeeContent(viewerId, u),
      }
    },

    /**
     * Change one's profile. Going public accepts every pending follow request. The avatar must be
     * one's own ready image. Throws VALIDATION_FAILED per field.
     */
    async updateProfile(userId: number, input: unknown): Promise<ProfileView> {
      const data = parse(profileInput, input)
      const before = await member(userId)
      if (data.display_name !== before.display_name) await refuseStaffLookalike(db, { display_name: data.display_name }, userId)
      if (data.avatar_media_id) {
        const m = await db.selectFrom('media').select(['owner_id', 'kind', 'status']).where('id', '=', data.avatar_media_id).executeTakeFirst()
        if (!m || m.owner_id !== userId) throw validationFailed({ avatar_media_id: 'Choose a picture you uploaded.' })
        if (m.kind !== 'image') throw validationFailed({ avatar_media_id: 'Your picture must be an image.' })
        if (m.status === 'failed') throw validationFailed({ avatar_media_id: 'That picture could not be processed; upload another.' })
        // A post's file goes when the post does: a picture must be its own upload.
        if (await db.selectFrom('post_media').select('post_id').where('media_id', '=', data.avatar_media_id).executeTakeFirst()) {
          throw validationFailed({ avatar_media_id: 'That file is in a post; upload the picture again.' })
        }
      }
      const audience = data.avatar_audience ? await idsOfUsernames(db, data.avatar_audience, 'avatar_audience', userId) : undefined
      // The name and bio as written, when either changes: one piece of writing for the rules.
      const written = [data.display_name ?? before.display_name, data.bio ?? before.bio].filter(Boolean).join('\n')
      const checked = { surface: 'profile', authorId: userId, text: written }
      const changedText = (data.display_name !== undefined && data.display_name !== before.display_name) || (data.bio !== undefined && data.bio !== before.bio)
      const verdict = changedText && written ? await policy?.enforce(checked) : undefined
      const goingPublic = data.is_private === false && before.is_private === 1
      await db.transaction().execute(async (trx) => {
        const set: Record<string, unknown> = { updated_at: now() }
        if (data.display_name !== undefined) set.display_name = data.display_name
        if (data.bio !== undefined) set.bio = data.bio
        if (data.links !== undefined) set.links = JSON.stringify(data.links)
        if (data.is_private !== undefined) set.is_private = data.is_private ? 1 : 0
        if (data.account_type !== undefined) set.account_type = data.account_type as AccountType
        if (data.avatar_media_id !== undefined) set.avatar_media_id = data.avatar_media_id
        if (data.avatar_visibility !== undefined) set.avatar_visibility = data.avatar_visibility as AvatarVisibility
        await trx.updateTable('users').set(set).where('id', '=', userId).execute()
        if (audience) {
          await trx.deleteFrom('avatar_audience').where('user_id', '=', userId).execute()
          if (audience.length) await trx.insertInto('avatar_audience').values(audience.map((member_id) => ({ user_id: userId, member_id }))).execute()
        }
      })
      if (goingPublic) {
        const pending = await db.selectFrom('follow_requests').select('requester_id').where('target_id', '=', userId).execute()
        for (const p of pending) await service.answerRequest(userId, p.requester_id, true)
      }
      if (verdict) await policy?.flagSaved(verdict, checked, { type: 'user', id: userId })
      await hooks.emit('action:user.profile-updated', { userId })
      return service.profile(userId, userId)
    },

    /**
     * Follow a member. A private account gets a request instead ('requested'). Following twice is harmless.
     * @example const state = await ctx.core.social.follow(me.id, 'ana') // 'following' | 'requested'
     */
    /** Active members by id as `viewerId` may see them (their picture only where allowed), in the order given; missing ones left out. */
    async summariesOf(viewerId: number | null, ids: number[]): Promise<MemberSummary[]> {
      if (!ids.length) return []
      const rows = await db.selectFrom('users').selectAll().where('id', 'in', ids).where('suspended_at', 'is', null).execute()
      const byId = new Map(rows.map((r) => [r.id, r]))
      return summaries(ids.map((id) => byId.get(id)).filter((r): r is UserRow => !!r), viewerId)
    },

    async follow(followerId: number, target: number | string): Promise<'following' | 'requested'> {
      const t = await member(target)
      if (t.id === followerId) throw new AppError(409, 'CONFLICT', 'You cannot follow yourself.')
      if (await blockedEitherWay(db, followerId, t.id)) throw notFound('That member')
      if (await isFollowing(followerId, t.id)) return 'following'
      await limit?.('follow', followerId)
      if (t.is_private) {
        const r = await db.insertInto('follow_requests').values({ requester_id: followerId, target_id: t.id }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
        if (Number(r.numInsertedOrUpdatedRows) === 1) await hooks.emit('action:follow.requested', { requesterId: followerId, targetId: t.id })
        return 'requested'
      }
      if (await addFollow(followerId, t.id)) await hooks.emit('action:user.followed', { followerId, followeeId: t.id })
      return 'following'
    },

    /** Stop following (or withdraw a pending request). Harmless when there is nothing to undo. */
    async unfollow(followerId: number, target: number | string): Promise<void> {
      // Suspended members can be unfollowed (and blocked, which unfollows both ways).
      const t = await member(target, { includeSuspended: true })
      const removed = await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('follow_requests').where('requester_id', '=', followerId).where('target_id', '=', t.id).execute()
        const r = await trx.deleteFrom('follows').where('follower_id', '=', followerId).where('followee_id', '=', t.id).executeTakeFirst()
        if (Number(r.numDeletedRows) !== 1) return false
        // A suspended member is in nobody's counts already (shiftFollowCounts): only the active side's count moves.
        const followerActive = !!(await trx.selectFrom('users').select('id').where('id', '=', followerId).where('suspended_at', 'is', null).executeTakeFirst())
        if (t.suspended_at === null) await trx.updateTable('users').set((eb) => ({ following_count: eb('following_count', '-', 1) })).where('id', '=', followerId).execute()
        if (followerActive) await trx.updateTable('users').set((eb) => ({ followers_count: eb('followers_count', '-', 1) })).where('id', '=', t.id).execute()
        return true
      })
      if (removed) await hooks.emit('action:user.unfollowed', { followerId, followeeId: t.id })
    },

    /** Remove a follower from one's own list. */
    async removeFollower(ownerId: number, follower: number | string): Promise<void> {
      const f = await member(follower)
      if (await isFollowing(f.id, ownerId)) await service.unfollow(f.id, ownerId)
    },

    /** Accept or reject a follow request sent to `targetId`. NOT_FOUND when there is none. */
    async answerRequest(targetId: number, requester: number | string, accept: boolean): Promise<void> {
      const r = await member(requester)
      const exists = await db.selectFrom('follow_requests').select('target_id').where('requester_id', '=', r.id).where('target_id', '=', targetId).executeTakeFirst()
      if (!exists) throw notFound('That follow request')
      if (accept) {
        if (await addFollow(r.id, targetId)) await hooks.emit('action:user.followed', { followerId: r.id, followeeId: targetId })
      } else {
        await db.deleteFrom('follow_requests').where('requester_id', '=', r.id).where('target_id', '=', targetId).execute()
      }
      await hooks.emit('action:follow.answered', { requesterId: r.id, targetId, accepted: accept })
    },

    /** Pending requests to a member, newest first. */
    async requests(targetId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<MemberSummary & { requested_at: string }>> {
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let q = db
        .selectFrom('follow_requests')
        .innerJoin('users', 'users.id', 'follow_requests.requester_id')
        .selectAll('users')
        .select('follow_requests.created_at as requested_at')
        .where('follow_requests.target_id', '=', targetId)
        .where('users.suspended_at', 'is', null)
        .orderBy('follow_requests.created_at', 'desc')
        .orderBy('users.id', 'desc')
        .limit(limit + 1)
      if (after) q = q.where(olderThan('follow_requests.created_at', 'users.id', after))
      const { items: page, nextCursor } = pageOf(await q.execute(), limit, (r) => ({ at: r.requested_at, id: r.id }))
      const items = (await summaries(page, targetId)).map((s, i) => ({ ...s, requested_at: page[i]!.requested_at }))
      return { items, nextCursor }
    },

    /** Followers or followings of a member, newest first; a private account's lists only for its followers. */
    async list(which: 'followers' | 'following', viewerId: number | null, target: number | string, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<MemberSummary>> {
      const t = await member(target)
      if (viewerId !== null && (await blockedEitherWay(db, viewerId, t.id))) throw notFound('That member')
      if (!(await canSeeContent(viewerId, t))) throw new AppError(403, 'FORBIDDEN', 'This account is private: follow it to see who it follows and who follows it.')
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      const [mine, theirs] = which === 'followers' ? (['followee_id', 'follower_id'] as const) : (['follower_id', 'followee_id'] as const)
      let q = db
        .selectFrom('follows')
        .innerJoin('users', 'users.id', `follows.${theirs}`)
        .selectAll('users')
        .select('follows.created_at as followed_at')
        .where(`follows.${mine}`, '=', t.id)
        .where('users.suspended_at', 'is', null)
        .orderBy('follows.created_at', 'desc')
        .orderBy('users.id', 'desc')
        .limit(limit + 1)
      if (after) q = q.where(olderThan('follows.created_at', 'users.id', after))
      const page = pageOf(await q.execute(), limit, (r) => ({ at: r.followed_at, id: r.id }))
      return { items: await summaries(page.items, viewerId), nextCursor: page.nextCursor }
    },

    /**
     * "Followed by people you follow": members that the viewer's followings follow, ranked by how many
     * of them do; never the viewer, nobody already followed or requested, nobody suspended, nobody blocked
     * either way.
     *
     * Friends of friends is a join of tens of thousands of rows for a member who follows a few hundred, so a
     * member's ranking is kept SUGGESTIONS_KEEP_MS; whom they follow or asked to follow, who is suspended and
     * who is blocked either way are taken out of it at every read.
     */
    /**
     * The viewer's suggestions if their ranking is kept and fresh, else null without ranking (a page that must
     * not wait tens of milliseconds for it loads them afterwards, from `suggestions`).
     */
    async keptSuggestions(viewerId: number, limit = 10): Promise<(MemberSummary & { mutuals: number; followed_by: string[] })[] | null> {
      const kept = suggested.get(viewerId)
      if (!kept || Date.now() - kept.made >= SUGGESTIONS_KEEP_MS) return null
      return service.suggestions(viewerId, limit)
    },

    async suggestions(viewerId: number, limit = 10): Promise<(MemberSummary & { mutuals: number; followed_by: string[] })[]> {
      let kept = suggested.get(viewerId)
      if (!kept || Date.now() - kept.made >= SUGGESTIONS_KEEP_MS) {
        suggested.delete(viewerId)
        kept = { made: Date.now(), rows: await rankSuggestions(viewerId) }
        suggested.set(viewerId, kept)
        if (suggested.size > SUGGESTIONS_KEPT_MEMBERS) suggested.delete(suggested.keys().next().value!)
      }
      if (!kept.rows.length) return []
      const candidates = kept.rows.map((r) => r.id)
      const [followed, requested, blocked] = await Promise.all([
        db.selectFrom('follows').select('followee_id as id').where('follower_id', '=', viewerId).where('followee_id', 'in', candidates).execute(),
        db.selectFrom('follow_requests').select('target_id as id').where('requester_id', '=', viewerId).where('target_id', 'in', candidates).execute(),
        db
          .selectFrom('blocks')
          .select('blocked_id as id')
          .where('blocker_id', '=', viewerId)
          .where('blocked_id', 'in', candidates)
          .unionAll(db.selectFrom('blocks').select('blocker_id as id').where('blocked_id', '=', viewerId).where('blocker_id', 'in', candidates))
          .execute(),
      ])
      const gone = new Set([...followed, ...requested, ...blocked].map((r) => r.id))
      const left = kept.rows.filter((r) => !gone.has(r.id))
      // Members' rows (the suspended left out) only for those that may be shown: a few more than asked for, then
      // more if suspensions took too many.
      const byId = new Map<number, UserRow>()
      let rows: typeof left = []
      for (let from = 0; rows.length < limit && from < left.length; ) {
        const next = left.slice(from, from + limit + 5)
        from += next.length
        for (const u of await db.selectFrom('users').selectAll().where('id', 'in', next.map((r) => r.id)).where('suspended_at', 'is', null).execute()) byId.set(u.id, u)
        rows = left.slice(0, from).filter((r) => byId.has(r.id)).slice(0, limit)
      }
      if (!rows.length) return []
      // Who the viewer follows that follows each shown member (three are named): read for the shown few only.
      const viaRows = await db
        .selectFrom('follows as mine')
        .innerJoin('follows as theirs', 'theirs.follower_id', 'mine.followee_id')
        .innerJoin('users as via', 'via.id', 'mine.followee_id')
        .select(['theirs.followee_id as id', 'via.username'])
        .where('mine.follower_id', '=', viewerId)
        .where(
          'theirs.followee_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('mine.followee_id')
        .execute()
      const via = new Map<number, string[]>()
      for (const v of viaRows) {
        const names = via.get(v.id) ?? []
        if (names.length < 3) names.push(v.username)
        via.set(v.id, names)
      }
      const out = []
      for (const r of rows) {
        const [summary] = await summaries([byId.get(r.id)!], viewerId)
        out.push({ ...summary!, mutuals: Number(r.mutuals), followed_by: via.get(r.id) ?? [] })
      }
      return out
    },
  }
  return service
}
