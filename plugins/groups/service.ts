// The rules of groups: who sees a group, who joins how, who manages whom. Pages and the API both call these,
// so a rule lives in one place; every change of membership is mirrored into the group's core post scope.
import { randomBytes } from 'node:crypto'
import { decodeCursor, pageOf, type Page, type PluginContext, type PostView, type Viewer } from '../../core/plugins/api.js'
import type { GroupPostInputData, GroupInputData, GroupUpdateInputData, InviteInputData } from './inputs.js'
import * as q from './queries.js'
import type { GroupRow } from './queries.js'
import type { Privacy, Role } from './tables.js'

/** Higher ranks act on lower ones: an admin removes a moderator, never another admin or the owner. */
export const RANK: Record<Role, number> = { member: 1, moderator: 2, admin: 3, owner: 4 }

/** The core post scope of a group: its posts follow it on every path (public, or members only). */
export const scopeOf = (groupId: number) => `groups:${groupId}`

/** A group as one viewer stands towards it. */
export interface Standing {
  group: GroupRow
  viewer: Viewer | null
  /** The viewer's role, or null when not a member. */
  role: Role | null
  requested: boolean
  banned: boolean
  /** May read the feed and the member list: a public group, or a member. */
  canRead: boolean
}

export type MembershipState = 'member' | 'requested' | 'banned' | 'none'

const isSiteAdmin = (v: Viewer | null) => v?.role === 'admin'
const atLeast = (role: Role | null, min: Role) => role !== null && RANK[role] >= RANK[min]

export type GroupsService = ReturnType<typeof createGroupsService>

/**
 * The rules, over the plugin's context. `limits.maxOwned` reads the `max_owned` setting at each creation.
 * @example const groups = createGroupsService(ctx, { maxOwned: () => ctx.settings.get('max_owned') })
 */
export function createGroupsService(ctx: Pick<PluginContext, 'db' | 'core' | 'http' | 'log'>, limits: { maxOwned: () => Promise<number> }) {
  const { db, core } = ctx
  const notFound = () => ctx.http.error(404, 'NOT_FOUND', 'That group does not exist.')
  const forbidden = (message: string) => ctx.http.error(403, 'FORBIDDEN', message)
  const conflict = (message: string) => ctx.http.error(409, 'CONFLICT', message)

  /** Joining and leaving touch the group's table and core's scope; the order fails closed (never a reader too many). */
  async function enter(groupId: number, userId: number, role: Role = 'member') {
    await q.addMember(db, groupId, userId, role)
    await core.scopes.setMember(scopeOf(groupId), userId, true)
  }
  async function exit(groupId: number, userId: number, how: 'leave' | 'ban', by?: number) {
    await core.scopes.setMember(scopeOf(groupId), userId, false)
    if (how === 'ban') await q.ban(db, groupId, userId, by!)
    else await q.removeMember(db, groupId, userId)
  }

  /** A member by id or username, or NOT_FOUND. */
  async function person(ref: number | string) {
    const u = await core.users.find(ref)
    if (!u) throw ctx.http.error(404, 'NOT_FOUND', 'That member does not exist.')
    return u
  }

  /**
   * Where the owners and admins act on a member (role, remove, ban): only from a higher rank, never on the
   * owner, never on oneself.
   */
  function mayManage(s: Standing, target: { id: number; role: Role | null }, verb: string) {
    if (!atLeast(s.role, 'admin')) throw forbidden(`Only the group’s owner and admins can ${verb}.`)
    if (target.id === s.viewer!.id) throw conflict('You cannot do that to yourself; leave the group instead.')
    if (target.role === 'owner') throw forbidden('Nobody can remove, demote or ban the group’s owner; the owner may transfer the group.')
    if (target.role && RANK[target.role] >= RANK[s.role!]) throw forbidden('Only the owner can change another admin.')
  }

  const service = {
    /**
     * The group as `viewer` may see it. A hidden group is NOT_FOUND to everyone but its members (and site
     * admins, who may delete it), exactly like a group that does not exist.
     */
    async standing(viewer: Viewer | null, id: number): Promise<Standing> {
      const group = await q.findGroup(db, id)
      if (!group) throw notFound()
      const m = viewer ? await q.membership(db, id, viewer.id) : null
      const role = m?.role ?? null
      if (group.privacy === 'hidden' && !role && !isSiteAdmin(viewer)) throw notFound()
      const requested = !!viewer && !role && (await q.hasRequest(db, id, viewer.id))
      const banned = !!viewer && !role && (await q.isBanned(db, id, viewer.id))
      return { group, viewer, role, requested, banned, canRead: group.privacy === 'public' || !!role }
    },

    state(s: Standing): MembershipState {
      return s.role ? 'member' : s.banned ? 'banned' : s.requested ? 'requested' : 'none'
    },

    async create(viewer: Viewer, input: GroupInputData): Promise<number> {
      const max = await limits.maxOwned()
      if (!isSiteAdmin(viewer) && (await q.countOwned(db, viewer.id)) >= max) {
        throw conflict(`You own ${max} groups already, the most this site allows; transfer or delete one first.`)
      }
      const id = await q.createGroup(db, viewer.id, input)
      try {
        await core.scopes.define(scopeOf(id), { public: input.privacy === 'public' })
        await core.scopes.setMember(scopeOf(id), viewer.id, true)
      } catch (err) {
        await q.deleteGroup(db, id)
        throw err
      }
      return id
    },

    async update(viewer: Viewer, id: number, input: GroupUpdateInputData): Promise<void> {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins can change it.')
      // Tighten the scope before the group says so, loosen it after: a failure in between never exposes posts.
      const privacy = input.privacy ?? s.group.privacy
      if (privacy !== 'public') await core.scopes.define(scopeOf(id), { public: false })
      await q.updateGroup(db, id, input)
      if (privacy === 'public') await core.scopes.define(scopeOf(id), { public: true })
    },

    /** Delete a group with every post in it (and their files). Its owner, or a site admin. */
    async remove(viewer: Viewer, id: number): Promise<void> {
      const s = await service.standing(viewer, id)
      if (s.role !== 'owner' && !isSiteAdmin(viewer)) throw forbidden('Only the group’s owner or a site admin can delete it.')
      const media = await q.mediaInScope(db, scopeOf(id))
      await core.scopes.remove(scopeOf(id))
      for (const m of media) await core.media.remove(m)
      await q.deleteGroup(db, id)
      ctx.log.info({ groupId: id, by: viewer.id, posts_media: media.length }, 'group deleted')
    },

    /** Join a public group, or ask to join a private one. Hidden groups take an invite. */
    async join(viewer: Viewer, id: number): Promise<MembershipState> {
      const s = await service.standing(viewer, id)
      if (s.role) return 'member'
      if (s.banned) throw forbidden('You are banned from this group.')
      if (s.group.privacy === 'public') {
        await enter(id, viewer.id)
        return 'member'
      }
      if (s.group.privacy === 'hidden') throw notFound()
      if (await q.addRequest(db, id, viewer.id)) {
        for (const adminId of await q.memberIdsWithRole(db, id, ['owner', 'admin'])) {
          await core.notifications.notify({ userId: adminId, type: 'request', actorId: viewer.id, groupKey: String(id), data: { groupId: id, name: s.group.name } })
        }
      }
      return 'requested'
    },

    /** Leave, or withdraw a request. The owner transfers the group (or deletes it) first. */
    async leave(viewer: Viewer, id: number): Promise<MembershipState> {
      const s = await service.standing(viewer, id)
      if (s.role === 'owner') throw conflict('You own this group: transfer it to another member or delete it first.')
      if (s.role) await exit(id, viewer.id, 'leave')
      else await q.removeRequest(db, id, viewer.id)
      return s.banned ? 'banned' : 'none'
    },

    async requests(viewer: Viewer, id: number) {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins see requests.')
      return q.requests(db, id)
    },

    async approve(viewer: Viewer, id: number, userId: number): Promise<void> {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins approve requests.')
      if (!(await q.hasRequest(db, id, userId))) throw ctx.http.error(404, 'NOT_FOUND', 'That request does not exist.')
      await enter(id, userId)
      await core.notifications.notify({ userId, type: 'approved', actorId: viewer.id, data: { groupId: id, name: s.group.name } })
    },

    async reject(viewer: Viewer, id: number, userId: number): Promise<void> {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins reject requests.')
      if (!(await q.removeRequest(db, id, userId))) throw ctx.http.error(404, 'NOT_FOUND', 'That request does not exist.')
    },

    async members(viewer: Viewer | null, id: number) {
      const s = await service.standing(viewer, id)
      if (!s.canRead) throw forbidden('Only members see who is in this group.')
      return q.members(db, id)
    },

    async setRole(viewer: Viewer, id: number, userId: number, role: Exclude<Role, 'owner'>): Promise<void> {
      const s = await service.standing(viewer, id)
      const target = await q.membership(db, id, userId)
      if (!target) {
        if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins change roles.')
        throw ctx.http.error(404, 'NOT_FOUND', 'That member is not in this group.')
      }
      mayManage(s, { id: userId, role: target.role }, 'change roles')
      await q.setRole(db, id, userId, role)
    },

    async removeMember(viewer: Viewer, id: number, userId: number): Promise<void> {
      const s = await service.standing(viewer, id)
      const target = await q.membership(db, id, userId)
      mayManage(s, { id: userId, role: target?.role ?? null }, 'remove members')
      if (!target) throw ctx.http.error(404, 'NOT_FOUND', 'That member is not in this group.')
      await exit(id, userId, 'leave')
    },

    /** Ban a member (or anyone, before they ask): out of the group, and no joining, requests or invites. */
    async ban(viewer: Viewer, id: number, ref: number | string): Promise<number> {
      const s = await service.standing(viewer, id)
      const user = await person(ref)
      const target = await q.membership(db, id, user.id)
      mayManage(s, { id: user.id, role: target?.role ?? null }, 'ban members')
      await exit(id, user.id, 'ban', viewer.id)
      return user.id
    },

    async unban(viewer: Viewer, id: number, userId: number): Promise<void> {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins lift bans.')
      if (!(await q.unban(db, id, userId))) throw ctx.http.error(404, 'NOT_FOUND', 'That member is not banned here.')
    },

    async bans(viewer: Viewer, id: number) {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins see bans.')
      return q.bans(db, id)
    },

    /** Hand the group to another member; the old owner becomes an admin. */
    async transfer(viewer: Viewer, id: number, ref: number | string): Promise<number> {
      const s = await service.standing(viewer, id)
      if (s.role !== 'owner') throw forbidden('Only the group’s owner can transfer it.')
      const user = await person(ref)
      if (user.id === viewer.id) throw conflict('You own this group already.')
      if (!(await q.membership(db, id, user.id))) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Transfer the group to one of its members.', { fields: { user: 'Transfer the group to one of its members.' } })
      await q.transferOwnership(db, id, viewer.id, user.id)
      return user.id
    },

    // ---- Invites

    async createInvite(viewer: Viewer, id: number, input: InviteInputData) {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins make invite links.')
      const expiresAt = new Date(Date.now() + input.expires_in_days * 86_400_000).toISOString()
      return q.createInvite(db, { groupId: id, token: randomBytes(18).toString('base64url'), createdBy: viewer.id, expiresAt, maxUses: input.max_uses ?? null })
    },

    async invites(viewer: Viewer, id: number) {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins see invite links.')
      return q.invites(db, id)
    },

    async revokeInvite(viewer: Viewer, id: number, inviteId: number): Promise<void> {
      const s = await service.standing(viewer, id)
      if (!atLeast(s.role, 'admin')) throw forbidden('Only the group’s owner and admins revoke invite links.')
      if (!(await q.revokeInvite(db, id, inviteId))) throw ctx.http.error(404, 'NOT_FOUND', 'That invite link does not exist.')
    },

    /** The group an invite link leads to; an unknown, expired or used-up link is NOT_FOUND (all alike). */
    async invitation(token: string): Promise<{ invite: NonNullable<Awaited<ReturnType<typeof q.inviteByToken>>>; group: GroupRow }> {
      const invite = await q.inviteByToken(db, token)
      const group = invite ? await q.findGroup(db, invite.group_id) : null
      if (!invite || !group) throw ctx.http.error(404, 'NOT_FOUND', 'That invite link does not work: it may have expired or been used up.')
      return { invite, group }
    },

    /** Join through an invite link, whatever the group's privacy; banned members stay out. */
    async joinByInvite(viewer: Viewer, token: string): Promise<number> {
      const { invite, group } = await service.invitation(token)
      if (await q.membership(db, group.id, viewer.id)) return group.id
      if (await q.isBanned(db, group.id, viewer.id)) throw forbidden('You are banned from this group.')
      if (!(await q.useInvite(db, invite.id))) throw ctx.http.error(404, 'NOT_FOUND', 'That invite link does not work: it may have expired or been used up.')
      await enter(group.id, viewer.id)
      return group.id
    },

    // ---- Posts

    /** Post into the group's feed: members only. Always `public` within the group; the group's scope decides who reads it. */
    async post(viewer: Viewer, id: number, input: GroupPostInputData): Promise<PostView> {
      const s = await service.standing(viewer, id)
      if (!s.role) throw forbidden(s.group.privacy === 'public' ? 'Join the group to post in it.' : 'Only members post in this group.')
      // Core checks every post against the rules on posts; these are the operator's rules for group posts (decision 038).
      const checked = { surface: 'post', authorId: viewer.id, text: input.text ?? '' }
      const verdict = await core.policy.enforce(checked)
      const post = await core.posts.create(viewer.id, { text: input.text, media_ids: input.media_ids, comments_enabled: input.comments_enabled, visibility: 'public' }, { scope: scopeOf(id) })
      await core.policy.flagSaved(verdict, checked, { type: 'post', id: post.id })
      return post
    },

    async posts(viewer: Viewer | null, id: number, options: { cursor?: string | null; limit?: number } = {}): Promise<{ standing: Standing; page: Page<PostView> }> {
      const s = await service.standing(viewer, id)
      if (!s.canRead) throw forbidden('Only members read this group’s posts.')
      return { standing: s, page: await core.posts.inScope(viewer?.id ?? null, scopeOf(id), options) }
    },

    /**
     * Remove a post from the group. Its author and site staff delete it through core.posts.remove; the group's
     * moderators, admins and owner through core.posts.removeInScope (audited by core).
     */
    async removePost(viewer: Viewer, id: number, postId: number): Promise<{ removed: boolean; report_id: number | null }> {
      const s = await service.standing(viewer, id)
      const post = await core.posts.get(viewer.id, postId)
      if (!post || post.scope !== scopeOf(id)) throw ctx.http.error(404, 'NOT_FOUND', 'That post does not exist.')
      if (post.author.id === viewer.id || viewer.role === 'admin' || viewer.role === 'moderator') {
        await core.posts.remove(viewer, postId)
        return { removed: true, report_id: null }
      }
      if (!atLeast(s.role, 'moderator')) throw forbidden('Only the group’s moderators, admins and owner remove others’ posts.')
      await core.posts.removeInScope(viewer, postId, scopeOf(id))
      return { removed: true, report_id: null }
    },

    // ---- Lists

    /** Listed groups matching `q`, a page at a time (the cursor holds the last id seen). */
    async search(queryText: string, options: { cursor?: string | null; limit: number }): Promise<Page<GroupRow>> {
      const after = decodeCursor(options.cursor, { id: 'id' })
      const rows = await q.searchGroups(db, queryText, { before: after?.id ?? null, limit: options.limit + 1 })
      return pageOf(rows, options.limit, (g) => ({ id: g.id }))
    },

    /** A member's groups: all of them for themselves, only public ones for anyone else. */
    async groupsOf(viewer: Viewer | null, userId: number) {
      return q.groupsOf(db, userId, viewer?.id === userId ? undefined : (['public'] satisfies Privacy[]))
    },
  }
  return service
}
