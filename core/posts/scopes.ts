// Post scopes: spaces that plugins keep (a group), whose posts are visible by the scope's rules inside every
// posts query (visibleTo): a public scope for anyone who may see the post, a members-only scope for its members.
import type { Db } from '../db/connect.js'
import { AppError } from '../errors.js'

export type ScopesService = ReturnType<typeof createScopesService>

export function createScopesService(db: Db) {
  return {
    /** Create or update a scope. `id` is namespaced by its owner: `groups:12`. */
    async define(owner: string, id: string, options: { public: boolean }): Promise<void> {
      if (!id.startsWith(`${owner}:`) || id.length > 120) throw new AppError(400, 'VALIDATION_FAILED', `Scope ids of ${owner} look like "${owner}:NAME".`)
      await db
        .insertInto('post_scopes')
        .values({ id, owner, public: options.public ? 1 : 0 })
        .onConflict((oc) => oc.column('id').doUpdateSet({ public: options.public ? 1 : 0 }))
        .execute()
    },
    async setMember(id: string, userId: number, member: boolean): Promise<void> {
      if (member) await db.insertInto('post_scope_members').values({ scope_id: id, user_id: userId }).onConflict((oc) => oc.doNothing()).execute()
      else await db.deleteFrom('post_scope_members').where('scope_id', '=', id).where('user_id', '=', userId).execute()
    },
    async isMember(id: string, userId: number): Promise<boolean> {
      return !!(await db.selectFrom('post_scope_members').select('user_id').where('scope_id', '=', id).where('user_id', '=', userId).executeTakeFirst())
    },
    /** Delete a scope with every post in it. */
    async remove(id: string): Promise<void> {
      await db.deleteFrom('post_scopes').where('id', '=', id).execute()
    },
  }
}
