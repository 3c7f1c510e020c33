// `hearth user ...`: create, list, promote, demote, suspend, unsuspend, ban, delete, warn, sign-out, reset-password and reset-2fa.
import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import type { Hearth } from '../../core/app.js'
import type { Role } from '../../core/db/schema.js'
import { createMembersService } from '../../core/admin/members.js'
import { toPrivateUser } from '../../core/users/service.js'
import type { PrivateUser } from '../../core/users/types.js'
import { CliError, addData, addJson, output, readStdin, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }

/** Account changes load the enabled plugins, so their hook handlers see changes made from the CLI too. */
const withPlugins = <T>(opts: Opts, fn: (h: Hearth) => Promise<T>) => withHearth(opts, fn, { plugins: true })

async function target(h: Hearth, name: string) {
  const row = await h.users.findRow(name)
  if (!row) throw new CliError(`There is no member "${name}".`, 'See `hearth user list`.')
  return row
}

const generated = () => randomBytes(12).toString('base64url')

async function passwordFrom(opts: { password?: string; passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (opts.password && opts.passwordStdin) throw usage('Give either --password or --password-stdin, not both.')
  if (opts.passwordStdin) {
    const password = await readStdin()
    if (!password) throw usage('No password arrived on standard input.')
    return { password, generated: false }
  }
  if (opts.password) return { password: opts.password, generated: false }
  return { password: generated(), generated: true }
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage member accounts')

  addJson(
    addData(
      user
        .command('create')
        .description('create an account (a password is generated and printed when none is given)')
        .requiredOption('--username <name>', 'username')
        .requiredOption('--email <email>', 'email address')
        .option('--password <password>', 'password (visible in shell history: prefer --password-stdin)')
        .option('--password-stdin', 'read the password from standard input')
        .option('--admin', 'make the account an admin')
        .option('--role <role>', 'member, moderator or admin', 'member'),
    ),
  ).action(async (opts: Opts & { username: string; email: string; password?: string; passwordStdin?: boolean; admin?: boolean; role: string }) => {
    const role = (opts.admin ? 'admin' : opts.role) as Role
    if (!['member', 'moderator', 'admin'].includes(role)) throw usage(`The role "${opts.role}" is not member, moderator or admin.`)
    const pw = await passwordFrom(opts)
    await withPlugins(opts, async (h) => {
      const created = await h.users.create({ username: opts.username, email: opts.email, password: pw.password }, { role, actorId: null })
      output(opts, { user: created, ...(pw.generated ? { password: pw.password } : {}) }, () => [
        `Created ${created.role} @${created.username} (id ${created.id}).`,
        ...(pw.generated ? [`Password: ${pw.password}`, 'Share it privately; they can change it in Settings.'] : []),
      ])
    })
  })

  addJson(
    addData(
      user
        .command('list')
        .description('list accounts')
        .option('--role <role>', 'only this role')
        .option('--search <text>', 'match username, display name or email')
        .option('--limit <n>', 'at most this many', '100'),
    ),
  ).action(async (opts: Opts & { role?: string; search?: string; limit: string }) => {
    const limit = Number(opts.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw usage('--limit must be a whole number from 1 to 10000.')
    if (opts.role && !['member', 'moderator', 'admin'].includes(opts.role)) throw usage(`The role "${opts.role}" is not member, moderator or admin.`)
    await withPlugins(opts, async (h) => {
      const items: PrivateUser[] = []
      let cursor: string | null = null
      do {
        const page = await h.users.list({ cursor, limit: Math.min(100, limit - items.length), role: opts.role as Role | undefined, q: opts.search })
        items.push(...page.items)
        cursor = page.nextCursor
      } while (cursor && items.length < limit)
      output(opts, items, () =>
        items.length
          ? items.map((u) => `${String(u.id).padStart(5)}  @${u.username.padEnd(20)} ${u.role.padEnd(9)} ${u.email}${u.suspended ? '  [suspended]' : ''}${u.two_factor_enabled ? '  [2fa]' : ''}`)
          : 'No accounts.',
      )
    })
  })

  addJson(addData(user.command('promote').description('raise a member to moderator or admin').argument('<user>', 'username or id').option('--to <role>', 'moderator or admin', 'admin'))).action(
    async (name: string, opts: Opts & { to: string }) => {
      if (!['moderator', 'admin'].includes(opts.to)) throw usage('--to must be moderator or admin.')
      await withPlugins(opts, async (h) => {
        const u = await h.users.setRole((await target(h, name)).id, opts.to as Role, null)
        output(opts, u, () => `@${u.username} is now ${u.role}.`)
      })
    },
  )

  addJson(addData(user.command('demote').description('make a moderator or admin a member again').argument('<user>', 'username or id'))).action(async (name: string, opts: Opts) => {
    await withPlugins(opts, async (h) => {
      const u = await h.users.setRole((await target(h, name)).id, 'member', null)
      output(opts, u, () => `@${u.username} is now a member.`)
    })
  })

  addJson(
    addData(
      user
        .command('suspend')
        .description('suspend an account; they are logged out and shown the reason')
        .argument('<user>', 'username or id')
        .requiredOption('--reason <text>', 'why; shown to them')
        .option('--days <n>', 'lift it by itself after this many days (default: until lifted)'),
    ),
  ).action(async (name: string, opts: Opts & { reason: string; days?: string }) => {
    const days = opts.days === undefined ? null : Number(opts.days)
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) throw usage('--days must be a whole number from 1 to 3650.')
    await withPlugins(opts, async (h) => {
      const u = await h.users.suspend((await target(h, name)).id, opts.reason, null, { until: days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString() })
      output(opts, u, () => `@${u.username} is suspended${days === null ? '' : ` for ${days} day${days === 1 ? '' : 's'}`}.`)
    })
  })

  addJson(addData(user.command('ban').description('ban an account: suspended until lifted (`hearth user unsuspend`), signed out, shown the reason').argument('<user>', 'username or id').requiredOption('--reason <text>', 'why; shown to them'))).action(
    async (name: string, opts: Opts & { reason: string }) => {
      await withPlugins(opts, async (h) => {
        const row = await target(h, name)
        await h.account.ban(null, row.id, opts.reason)
        output(opts, { user: row.username, banned: true }, () => `@${row.username} is banned.`)
      })
    },
  )

  addJson(
    addData(
      user
        .command('delete')
        .description('delete an account now, without a grace period: their content is purged or anonymised as the setting account.deletion_policy says, media files removed; they are told by email what stays')
        .argument('<user>', 'username or id')
        .requiredOption('--reason <text>', 'why; kept in the audit log')
        .option('--yes', 'do it (without it, nothing is deleted: the command says what would happen)'),
    ),
  ).action(async (name: string, opts: Opts & { reason: string; yes?: boolean }) => {
    await withPlugins(opts, async (h) => {
      const row = await target(h, name)
      const policy = await h.settings.get('account.deletion_policy')
      if (!opts.yes) throw usage(`This deletes @${row.username} for good (policy: ${policy}). Run it again with --yes.`)
      await h.account.deleteByStaff(null, row.id, opts.reason, { inline: true })
      output(opts, { user: row.username, deleted: true, policy }, () => `@${row.username} is deleted (${policy}).`)
    })
  })

  addJson(addData(user.command('warn').description('warn a member: they get a notification and read it on their next visit').argument('<user>', 'username or id').requiredOption('--note <text>', 'what the warning is about; they read it'))).action(
    async (name: string, opts: Opts & { note: string }) => {
      await withPlugins(opts, async (h) => {
        const row = await target(h, name)
        const w = await createMembersService(h.db, h.hooks).warn(null, row.id, { note: opts.note })
        output(opts, { user: row.username, warning_id: w.id }, () => `@${row.username} is warned; they read it on their next visit.`)
      })
    },
  )

  addJson(addData(user.command('sign-out').description('end every session of a member (a lost phone, a compromised account)').argument('<user>', 'username or id'))).action(async (name: string, opts: Opts) => {
    await withPlugins(opts, async (h) => {
      const row = await target(h, name)
      const ended = await h.users.signOutEverywhere(row.id, null)
      output(opts, { user: row.username, sessions_ended: ended }, () => `@${row.username} is signed out everywhere (${ended} session${ended === 1 ? '' : 's'}).`)
    })
  })

  addJson(addData(user.command('unsuspend').description('let a suspended account log in again').argument('<user>', 'username or id'))).action(async (name: string, opts: Opts) => {
    await withPlugins(opts, async (h) => {
      const u = await h.users.unsuspend((await target(h, name)).id, null)
      output(opts, u, () => `@${u.username} may log in again.`)
    })
  })

  addJson(
    addData(
      user
        .command('reset-password')
        .description('set a new password (generated and printed when none is given); ends their sessions')
        .argument('<user>', 'username or id')
        .option('--password <password>', 'the new password (prefer --password-stdin)')
        .option('--password-stdin', 'read the new password from standard input'),
    ),
  ).action(async (name: string, opts: Opts & { password?: string; passwordStdin?: boolean }) => {
    const pw = await passwordFrom(opts)
    await withPlugins(opts, async (h) => {
      const row = await target(h, name)
      await h.users.setPassword(row.id, pw.password, { actorId: null })
      output(opts, { user: toPrivateUser(row), ...(pw.generated ? { password: pw.password } : {}) }, () => [
        `New password set for @${row.username}; their sessions were ended.`,
        ...(pw.generated ? [`Password: ${pw.password}`] : []),
      ])
    })
  })

  addJson(addData(user.command('reset-2fa').description('turn off two-factor and remove the passkeys of a member who lost their devices and recovery codes').argument('<user>', 'username or id'))).action(
    async (name: string, opts: Opts) => {
      await withPlugins(opts, async (h) => {
        const row = await target(h, name)
        const removed = await h.auth.resetTwoFactor(row.id, null)
        output(opts, { user: row.username, two_factor_enabled: false, passkeys_removed: removed }, () => `Two-factor is off for @${row.username}${removed ? `; ${removed} passkey${removed === 1 ? '' : 's'} removed` : ''}.`)
      })
    },
  )
}
