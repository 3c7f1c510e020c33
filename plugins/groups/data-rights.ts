// Groups' part of a member's data rights: the groups they are in (their posts there are core posts, in posts.json with
// their scope) go in their export; their memberships go with their account, and a group they alone owned passes to
// its longest-standing member rather than being left without an owner.
import type { Kysely } from 'kysely'
import type { ExportParts, PluginDb } from '../../core/plugins/api.js'
import type { GroupsTables } from './tables.js'

const own = (db: PluginDb): Kysely<GroupsTables & (PluginDb extends Kysely<infer D> ? D : never)> => db.withTables<GroupsTables>()

/** Add `groups` to an export: their memberships and pending requests to join. */
export async function exportGroups(db: PluginDb, userId: number, parts: ExportParts): Promise<ExportParts> {
  const t = own(db)
  const [memberships, requests] = await Promise.all([
    t.selectFrom('groups_members').innerJoin('groups_groups', 'groups_groups.id', 'groups_members.group_id').select(['groups_groups.id', 'groups_groups.name', 'groups_members.role', 'groups_members.joined_at']).where('groups_members.user_id', '=', userId).orderBy('groups_groups.id').execute(),
    t.selectFrom('groups_requests').innerJoin('groups_groups', 'groups_groups.id', 'groups_requests.group_id').select(['groups_groups.id', 'groups_groups.name', 'groups_requests.created_at']).where('groups_requests.user_id', '=', userId).execute(),
  ])
  return { ...parts, sections: { ...parts.sections, groups: { memberships, requests } } }
}

/** A deleted member leaves every group (their group posts go or stay with core's policy, like their other posts). */
export async function deleteGroupsOf(db: PluginDb, userId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const t = own(trx)
    const owned = await t.selectFrom('groups_members').select('group_id').where('user_id', '=', userId).where('role', '=', 'owner').execute()
    await t.deleteFrom('groups_members').where('user_id', '=', userId).execute()
    await t.deleteFrom('groups_requests').where('user_id', '=', userId).execute()
    await t.deleteFrom('groups_bans').where('user_id', '=', userId).execute()
    for (const { group_id } of owned) {
      const owners = await t.selectFrom('groups_members').select('user_id').where('group_id', '=', group_id).where('role', '=', 'owner').executeTakeFirst()
      if (owners) continue
      // Admins first, then moderators, then members; the longest-standing of them.
      const heir = await t
        .selectFrom('groups_members')
        .select('user_id')
        .where('group_id', '=', group_id)
        .orderBy((eb) => eb.case().when('role', '=', 'admin').then(0).when('role', '=', 'moderator').then(1).else(2).end())
        .orderBy('joined_at')
        .executeTakeFirst()
      if (heir) await t.updateTable('groups_members').set({ role: 'owner' }).where('group_id', '=', group_id).where('user_id', '=', heir.user_id).execute()
    }
  })
}
