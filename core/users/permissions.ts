// Staff permissions (issue 18): what the built-in roles grant, what a custom role may grant, and the one check.
import type { Role } from '../db/schema.js'

/** The permissions a staff role may carry, with the labels the roles page shows. */
export const PERMISSIONS = {
  moderate_content: 'Moderate content: the report queue, removing content, warnings',
  manage_members: 'Manage members: search, warn, suspend, sign out everywhere',
  manage_settings: 'Manage settings: site settings, plugin settings',
  view_money: 'View money: coins, gifts, payouts and revenue figures',
} as const
export type Permission = keyof typeof PERMISSIONS
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[]

/**
 * What a route asks of its caller: one permission; `staff`, any permission at all (the console's front page);
 * or `admin`, the built-in admin role alone (roles, plugins, the audit log), since whoever holds it can grant anything.
 */
export type Requirement = Permission | 'staff' | 'admin'

/** What the built-in roles grant. A moderator moderates; an admin holds every permission and the admin-only pages. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  member: [],
  moderator: ['moderate_content'],
  admin: PERMISSION_NAMES,
}

/** A member's permissions: their role's and their custom role's. */
export function permissionsOf(role: Role, custom: readonly string[] = []): Permission[] {
  const out = new Set<Permission>(ROLE_PERMISSIONS[role])
  for (const p of custom) if (p in PERMISSIONS) out.add(p as Permission)
  return [...out]
}

/** Whether someone with `role` and `permissions` meets `need`. */
export function allows(who: { role: Role; permissions?: readonly Permission[] } | null, need: Requirement): boolean {
  if (!who) return false
  if (who.role === 'admin') return true
  if (need === 'admin') return false
  const perms = who.permissions ?? ROLE_PERMISSIONS[who.role]
  return need === 'staff' ? perms.length > 0 : perms.includes(need)
}

/** The sentence a refusal gives. */
export function refusal(need: Requirement): string {
  if (need === 'admin') return 'Only admins may open this.'
  if (need === 'staff') return 'Only staff may open this.'
  return `This needs the “${PERMISSIONS[need].split(':')[0]}” permission.`
}
