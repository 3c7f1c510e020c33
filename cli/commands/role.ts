// `hearth role list|set|delete|give`: custom staff roles (a name and its permissions) and who holds them.
import type { Command } from 'commander'
import { createRolesService } from '../../core/admin/roles.js'
import { PERMISSION_NAMES } from '../../core/users/permissions.js'
import { CliError, addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }

export function registerRole(program: Command): void {
  const role = program.command('role').description('custom staff roles: permissions beside the built-in moderator and admin')

  addJson(addData(role.command('list').description('the custom roles, their permissions and how many members hold each'))).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const list = await createRolesService(h.db, h.users).list()
      output(opts, list, () => (list.length ? list.map((r) => `${r.name.padEnd(20)} ${String(r.members).padStart(4)} members  ${r.permissions.join(', ') || '(no permissions)'}`) : 'No custom roles.'))
    })
  })

  addJson(
    addData(
      role
        .command('set')
        .description('make a custom role, or change its permissions and label')
        .argument('<name>', 'lowercase letters, digits and dashes')
        .requiredOption('--permissions <list>', `comma-separated: ${PERMISSION_NAMES.join(', ')} (empty: none)`)
        .option('--label <text>', 'the name staff see'),
    ),
  ).action(async (name: string, opts: Opts & { permissions: string; label?: string }) => {
    const permissions = opts.permissions.split(',').map((p) => p.trim()).filter(Boolean)
    const unknown = permissions.filter((p) => !(PERMISSION_NAMES as string[]).includes(p))
    if (unknown.length) throw usage(`Unknown permission: ${unknown.join(', ')}.`, `The permissions are ${PERMISSION_NAMES.join(', ')}.`)
    await withHearth(opts, async (h) => {
      const r = await createRolesService(h.db, h.users).save({ name, label: opts.label, permissions }, null)
      output(opts, r, () => `The role ${r.name} grants: ${r.permissions.join(', ') || 'nothing'}.`)
    })
  })

  addJson(addData(role.command('delete').description('delete a custom role (its members keep their built-in roles)').argument('<name>', 'the role'))).action(async (name: string, opts: Opts) => {
    await withHearth(opts, async (h) => {
      await createRolesService(h.db, h.users).remove(name, null)
      output(opts, { deleted: name }, () => `The role ${name} is deleted.`)
    })
  })

  addJson(
    addData(role.command('give').description('give a member a custom role (or take it away with --none)').argument('<user>', 'username or id').argument('[role]', 'the custom role').option('--none', 'take their custom role away')),
  ).action(async (user: string, name: string | undefined, opts: Opts & { none?: boolean }) => {
    if (!name === !opts.none) throw usage('Name a role, or give --none.')
    await withHearth(opts, async (h) => {
      const row = await h.users.findRow(user)
      if (!row) throw new CliError(`There is no member "${user}".`, 'See `hearth user list`.')
      const after = await createRolesService(h.db, h.users).assign(row.id, { staff_role: opts.none ? null : name }, null)
      output(opts, { user: row.username, ...after }, () => `@${row.username} is ${after.role}${after.staff_role ? ` + ${after.staff_role}` : ''}.`)
    })
  })
}
