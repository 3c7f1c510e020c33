// Custom staff roles: named sets of permissions (core/users/permissions.ts), made and given by admins, each change audited.
import { z } from 'zod'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now, type Role } from '../db/schema.js'
import { AppError, notFound } from '../errors.js'
import { PERMISSION_NAMES, type Permission } from '../users/permissions.js'
import type { UsersService } from '../users/service.js'
import { roleInput } from '../users/inputs.js'
import { parse } from '../validation.js'

export interface StaffRoleView {
  id: number
  name: string
  label: string
  permissions: Permission[]
  members: number
}

export const staffRoleInput = z.object({
  name: z
    .string({ error: 'Give the role a name.' })
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: 'The name is lowercase letters, digits and dashes (at most 40).' })
    .refine((n) => !['member', 'moderator', 'admin', 'staff'].includes(n), { error: 'That name belongs to a built-in role.' }),
  label: z.string().trim().max(60, { error: 'Keep the label under 60 characters.' }).optional(),
  permissions: z.array(z.enum(PERMISSION_NAMES as [Permission, ...Permission[]], { error: 'Unknown permission.' }), { error: 'permissions is a list.' }).max(PERMISSION_NAMES.length),
})

/** What a member's roles become: the built-in role, and a custom role by name (null: none). */
export const memberRolesInput = z.object({
  role: roleInput.optional(),
  staff_role: z.string().trim().max(40).nullable().optional(),
})

export type RolesService = ReturnType<typeof createRolesService>

export function createRolesService(db: Db, users: UsersService) {
  const view = (r: { id: number; name: string; label: string; permissions: string; members: number | string | bigint }): StaffRoleView => ({
    id: r.id,
    name: r.name,
    label: r.label,
    permissions: JSON.parse(r.permissions) as Permission[],
    members: Number(r.members),
  })
  const byName = async (name: string) => {
    const row = await db.selectFrom('staff_roles').selectAll().where('name', '=', name).executeTakeFirst()
    if (!row) throw notFound('That role')
    return row
  }
  const service = {
    async list(): Promise<StaffRoleView[]> {
      const rows = await db
        .selectFrom('staff_roles')
        .select(['id', 'name', 'label', 'permissions', (eb) => eb.selectFrom('users').select((e) => e.fn.countAll<number>().as('n')).whereRef('users.staff_role_id', '=', 'staff_roles.id').as('members')])
        .orderBy('name')
        .execute()
      return rows.map((r) => view({ ...r, members: r.members ?? 0 }))
    },
    async get(name: string): Promise<StaffRoleView> {
      return (await service.list()).find((r) => r.name === name) ?? Promise.reject(notFound('That role'))
    },
    /** Make a role, or change the one of that name (its label and permissions). */
    async save(input: unknown, actorId: number | null): Promise<StaffRoleView> {
      const data = parse(staffRoleInput, input)
      const permissions = JSON.stringify([...new Set(data.permissions)])
      const label = data.label || data.name
      const existing = await db.selectFrom('staff_roles').selectAll().where('name', '=', data.name).executeTakeFirst()
      if (existing) await db.updateTable('staff_roles').set({ label, permissions }).where('id', '=', existing.id).execute()
      else await db.insertInto('staff_roles').values({ name: data.name, label, permissions }).execute()
      await audit(db, { actorId, action: existing ? 'role.update' : 'role.create', targetType: 'role', targetId: data.name, details: { permissions: JSON.parse(permissions) as string[], ...(existing ? { before: JSON.parse(existing.permissions) as string[] } : {}) } })
      return service.get(data.name)
    },
    async remove(name: string, actorId: number | null): Promise<void> {
      const row = await byName(name)
      await db.deleteFrom('staff_roles').where('id', '=', row.id).execute()
      await audit(db, { actorId, action: 'role.delete', targetType: 'role', targetId: name, details: { permissions: JSON.parse(row.permissions) as string[] } })
    },
    /** Give a member a built-in role and/or a custom role (null takes it away). */
    async assign(userId: number, input: unknown, actorId: number | null): Promise<{ role: Role; staff_role: string | null }> {
      const data = parse(memberRolesInput, input)
      if (!(await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst())) throw notFound('That member')
      if (data.role) await users.setRole(userId, data.role, actorId)
      if (data.staff_role !== undefined) {
        const before = await db.selectFrom('users').leftJoin('staff_roles', 'staff_roles.id', 'users.staff_role_id').select(['users.id', 'staff_roles.name']).where('users.id', '=', userId).executeTakeFirst()
        if (!before) throw notFound('That member')
        const target = data.staff_role ? await byName(data.staff_role) : null
        if (actorId !== null && actorId === userId && target?.name !== before.name) throw new AppError(409, 'CONFLICT', 'You cannot change your own staff role.')
        await db.updateTable('users').set({ staff_role_id: target?.id ?? null, updated_at: now() }).where('id', '=', userId).execute()
        if ((before.name ?? null) !== (target?.name ?? null)) await audit(db, { actorId, action: 'user.staff-role', targetType: 'user', targetId: userId, details: { from: before.name ?? null, to: target?.name ?? null } })
      }
      const after = await db.selectFrom('users').leftJoin('staff_roles', 'staff_roles.id', 'users.staff_role_id').select(['users.role', 'staff_roles.name']).where('users.id', '=', userId).executeTakeFirstOrThrow()
      return { role: after.role, staff_role: after.name ?? null }
    },
  }
  return service
}
