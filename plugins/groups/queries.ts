// Queries of the groups plugin; each takes the database first. Rules (who may do what) live in service.ts.
import { sql } from 'kysely'
import { displayName, queryShapes, type PluginDb as Db } from '../../core/plugins/api.js'
import type { Group, GroupsTables, Membership, Privacy, Role } from './tables.js'

const own = (db: Db) => db.withTables<GroupsTables>()
/** Each database's query shapes, for the nav's count of join requests (on every page a member sees). */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()
const now = () => new Date().toISOString()

/** A group with its member count and owner, as lists and pages show it. */
export type GroupRow = Group & { members_count: number; owner_id: number | null; owner_username: string | null; owner_display_name: string | null }

function withCounts(db: Db) {
  return own(db)
    .selectFrom('groups_groups')
    .leftJoin('groups_members as o', (j) => j.onRef('o.group_id', '=', 'groups_groups.id').on('o.role', '=', 'owner'))
    .leftJoin('users as owner', 'owner.id', 'o.user_id')
    .selectAll('groups_groups')
    .select((eb) => [
      eb.selectFrom('groups_members as m').select(eb.fn.countAll<number>().as('n')).whereRef('m.group_id', '=', 'groups_groups.id').as('members_count'),
      'owner.id as owner_id',
      'owner.username as owner_username',
      'owner.display_name as owner_display_name',
    ])
}

export async function createGroup(db: Db, ownerId: number, input: { name: string; description: string; privacy: Privacy }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const t = trx.withTables<GroupsTables>()
    const { id } = await t.insertInto('groups_groups').values({ ...input, created_by: ownerId }).returning('id').executeTakeFirstOrThrow()
    await t.insertInto('groups_members').values({ group_id: id, user_id: ownerId, role: 'owner' }).execute()
    return id
  })
}

export async function findGroup(db: Db, id: number): Promise<GroupRow | null> {
  if (!Number.isInteger(id) || id < 1) return null
  return ((await withCounts(db).where('groups_groups.id', '=', id).executeTakeFirst()) as GroupRow | undefined) ?? null
}

export async function updateGroup(db: Db, id: number, set: { name?: string; description?: string; privacy?: Privacy }): Promise<void> {
  await own(db).updateTable('groups_groups').set({ ...set, updated_at: now() }).where('id', '=', id).execute()
}

export async function deleteGroup(db: Db, id: number): Promise<void> {
  await own(db).deleteFrom('groups_groups').where('id', '=', id).execute()
}

/** Escape LIKE's wildcards so a search for "100%" finds "100%", not everything. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`

/**
 * Listed groups (public and private; never hidden) whose name or description contains `q`, newest first,
 * a page after the id `before`.
 */
export async function searchGroups(db: Db, q: string, options: { before?: number | null; limit: number }): Promise<GroupRow[]> {
  let query = withCounts(db).where('groups_groups.privacy', 'in', ['public', 'private'])
  if (q) {
    const p = likePattern(q)
    query = query.where((eb) => eb.or([sql<boolean>`groups_groups.name like ${p} escape '\\'`, sql<boolean>`groups_groups.description like ${p} escape '\\'`]))
  }
  if (options.before) query = query.where('groups_groups.id', '<', options.before)
  return (await query.orderBy('groups_groups.id', 'desc').limit(options.limit).execute()) as GroupRow[]
}

/** The groups a member belongs to, with their role; `privacies` narrows them (a profile shows only public ones). */
export async function groupsOf(db: Db, userId: number, privacies?: Privacy[]): Promise<(GroupRow & { role: Role })[]> {
  let q = withCounts(db).innerJoin('groups_members as me', 'me.group_id', 'groups_groups.id').select('me.role as role').where('me.user_id', '=', userId)
  if (privacies) q = q.where('groups_groups.privacy', 'in', privacies)
  return (await q.orderBy('groups_groups.name').execute()) as (GroupRow & { role: Role })[]
}

export async function countOwned(db: Db, userId: number): Promise<number> {
  const r = await own(db).selectFrom('groups_members').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('role', '=', 'owner').executeTakeFirstOrThrow()
  return Number(r.n)
}

export async function membership(db: Db, groupId: number, userId: number): Promise<Membership | null> {
  return (await own(db).selectFrom('groups_members').selectAll().where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()) ?? null
}

export async function addMember(db: Db, groupId: number, userId: number, role: Role = 'member'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const t = trx.withTables<GroupsTables>()
    await t.insertInto('groups_members').values({ group_id: groupId, user_id: userId, role }).onConflict((oc) => oc.doNothing()).execute()
    await t.deleteFrom('groups_requests').where('group_id', '=', groupId).where('user_id', '=', userId).execute()
  })
}

export async function removeMember(db: Db, groupId: number, userId: number): Promise<void> {
  await own(db).deleteFrom('groups_members').where('group_id', '=', groupId).where('user_id', '=', userId).execute()
}

export async function setRole(db: Db, groupId: number, userId: number, role: Role): Promise<void> {
  await own(db).updateTable('groups_members').set({ role }).where('group_id', '=', groupId).where('user_id', '=', userId).execute()
}

/** Hand the group to `toUserId`; the old owner stays on as an admin. One transaction, so there is always one owner. */
export async function transferOwnership(db: Db, groupId: number, fromUserId: number, toUserId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const t = trx.withTables<GroupsTables>()
    await t.updateTable('groups_members').set({ role: 'admin' }).where('group_id', '=', groupId).where('user_id', '=', fromUserId).execute()
    await t.updateTable('groups_members').set({ role: 'owner' }).where('group_id', '=', groupId).where('user_id', '=', toUserId).execute()
  })
}

export type MemberRow = { user_id: number; username: string; display_name: string; role: Role; joined_at: string }

/** Members, highest role first, then by when they joined. */
export async function members(db: Db, groupId: number, limit = 500): Promise<MemberRow[]> {
  const rows = await own(db)
    .selectFrom('groups_members')
    .innerJoin('users', 'users.id', 'groups_members.user_id')
    .select(['groups_members.user_id', 'users.username', 'users.display_name', 'groups_members.role', 'groups_members.joined_at'])
    .where('groups_members.group_id', '=', groupId)
    .orderBy(sql`case groups_members.role when 'owner' then 0 when 'admin' then 1 when 'moderator' then 2 else 3 end`)
    .orderBy('groups_members.joined_at')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ ...r, display_name: displayName(r) }))
}

/** Ids of the members with one of `roles` (who hears of a join request). */
export async function memberIdsWithRole(db: Db, groupId: number, roles: Role[]): Promise<number[]> {
  const rows = await own(db).selectFrom('groups_members').select('user_id').where('group_id', '=', groupId).where('role', 'in', roles).execute()
  return rows.map((r) => r.user_id)
}

// ---- Requests

export async function hasRequest(db: Db, groupId: number, userId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('groups_requests').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst())
}

export async function addRequest(db: Db, groupId: number, userId: number): Promise<boolean> {
  const r = await own(db).insertInto('groups_requests').values({ group_id: groupId, user_id: userId }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0
}

export async function removeRequest(db: Db, groupId: number, userId: number): Promise<boolean> {
  const r = await own(db).deleteFrom('groups_requests').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export type PersonRow = { user_id: number; username: string; display_name: string; created_at: string }

export async function requests(db: Db, groupId: number): Promise<PersonRow[]> {
  const rows = await own(db)
    .selectFrom('groups_requests')
    .innerJoin('users', 'users.id', 'groups_requests.user_id')
    .select(['groups_requests.user_id', 'users.username', 'users.display_name', 'groups_requests.created_at'])
    .where('groups_requests.group_id', '=', groupId)
    .orderBy('groups_requests.created_at')
    .execute()
  return rows.map((r) => ({ ...r, display_name: displayName(r) }))
}

/** Pending requests across the groups a member runs (owner or admin): the count on the nav item. */
export async function pendingRequestsFor(db: Db, userId: number): Promise<number> {
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 2)))
  const [r] = await shapes.all(
    'pending-requests',
    (slot) =>
      own(db)
        .selectFrom('groups_requests')
        .innerJoin('groups_members as me', 'me.group_id', 'groups_requests.group_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('me.user_id', '=', slot<number>('user'))
        .where('me.role', 'in', ['owner', 'admin']),
    { user: userId },
  )
  return Number(r!.n)
}

// ---- Bans

export async function isBanned(db: Db, groupId: number, userId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('groups_bans').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst())
}

/** Ban: out of the members and the requests, in one transaction. */
export async function ban(db: Db, groupId: number, userId: number, bannedBy: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const t = trx.withTables<GroupsTables>()
    await t.insertInto('groups_bans').values({ group_id: groupId, user_id: userId, banned_by: bannedBy }).onConflict((oc) => oc.doNothing()).execute()
    await t.deleteFrom('groups_members').where('group_id', '=', groupId).where('user_id', '=', userId).execute()
    await t.deleteFrom('groups_requests').where('group_id', '=', groupId).where('user_id', '=', userId).execute()
  })
}

export async function unban(db: Db, groupId: number, userId: number): Promise<boolean> {
  const r = await own(db).deleteFrom('groups_bans').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export async function bans(db: Db, groupId: number): Promise<PersonRow[]> {
  const rows = await own(db)
    .selectFrom('groups_bans')
    .innerJoin('users', 'users.id', 'groups_bans.user_id')
    .select(['groups_bans.user_id', 'users.username', 'users.display_name', 'groups_bans.created_at'])
    .where('groups_bans.group_id', '=', groupId)
    .orderBy('groups_bans.created_at', 'desc')
    .execute()
  return rows.map((r) => ({ ...r, display_name: displayName(r) }))
}

// ---- Invites

export async function createInvite(db: Db, input: { groupId: number; token: string; createdBy: number; expiresAt: string; maxUses: number | null }) {
  return own(db)
    .insertInto('groups_invites')
    .values({ group_id: input.groupId, token: input.token, created_by: input.createdBy, expires_at: input.expiresAt, max_uses: input.maxUses })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Invite links of a group that still work. */
export async function invites(db: Db, groupId: number) {
  return own(db)
    .selectFrom('groups_invites')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('expires_at', '>', now())
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .orderBy('id', 'desc')
    .execute()
}

/** A working invite by its token, or null (unknown, expired or used up: all look the same). */
export async function inviteByToken(db: Db, token: string) {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null
  return (
    (await own(db)
      .selectFrom('groups_invites')
      .selectAll()
      .where('token', '=', token)
      .where('expires_at', '>', now())
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
      .executeTakeFirst()) ?? null
  )
}

/** Count one use, only while uses remain (so two people racing for the last use cannot both get it). */
export async function useInvite(db: Db, id: number): Promise<boolean> {
  const r = await own(db)
    .updateTable('groups_invites')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', id)
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function revokeInvite(db: Db, groupId: number, inviteId: number): Promise<boolean> {
  const r = await own(db).deleteFrom('groups_invites').where('group_id', '=', groupId).where('id', '=', inviteId).executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

// ---- Core tables, read only

/** Media of the posts in a scope: their files are removed after the scope (and so its posts) is deleted. */
export async function mediaInScope(db: Db, scope: string): Promise<number[]> {
  const rows = await db.selectFrom('post_media').innerJoin('posts', 'posts.id', 'post_media.post_id').select('post_media.media_id').where('posts.scope', '=', scope).execute()
  return rows.map((r) => r.media_id)
}

/** The group a post belongs to (for the "in GROUP" line under posts), by the post's scope `groups:ID`. */
export async function groupOfPost(db: Db, postId: number): Promise<{ id: number; name: string } | null> {
  return (
    (await own(db)
      .selectFrom('posts')
      .innerJoin('groups_groups', (j) => j.on((eb) => eb('groups_groups.id', '=', sql<number>`cast(substr(posts.scope, 8) as integer)`)))
      .select(['groups_groups.id', 'groups_groups.name'])
      .where('posts.id', '=', postId)
      .where('posts.scope', 'like', 'groups:%')
      .executeTakeFirst()) ?? null
  )
}

/** The viewer's standing towards many groups at once (a list of groups in the API). */
export async function standingsOf(db: Db, userId: number, groupIds: number[]): Promise<Map<number, { role: Role | null; requested: boolean; banned: boolean }>> {
  const out = new Map<number, { role: Role | null; requested: boolean; banned: boolean }>()
  if (!groupIds.length) return out
  for (const id of groupIds) out.set(id, { role: null, requested: false, banned: false })
  const [roles, reqs, banned] = await Promise.all([
    own(db).selectFrom('groups_members').select(['group_id', 'role']).where('user_id', '=', userId).where('group_id', 'in', groupIds).execute(),
    own(db).selectFrom('groups_requests').select('group_id').where('user_id', '=', userId).where('group_id', 'in', groupIds).execute(),
    own(db).selectFrom('groups_bans').select('group_id').where('user_id', '=', userId).where('group_id', 'in', groupIds).execute(),
  ])
  for (const r of roles) out.get(r.group_id)!.role = r.role
  for (const r of reqs) out.get(r.group_id)!.requested = true
  for (const r of banned) out.get(r.group_id)!.banned = true
  return out
}
