// `hearth reports list|resolve`: the moderation queue from the shell.
import type { Command } from 'commander'
import type { Hearth } from '../../core/app.js'
import { AppError } from '../../core/errors.js'
import { OUTCOMES } from '../../core/moderation/inputs.js'
import type { ReportView } from '../../core/moderation/service.js'
import type { Viewer } from '../../core/users/types.js'
import { CliError, addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }
const STATUSES = ['open', 'resolved', 'all']

const line = (r: ReportView) =>
  [
    `#${String(r.id).padEnd(5)}`,
    r.status.padEnd(8),
    `${r.target_type} ${r.target_id}`.padEnd(16),
    (r.target_user ? `@${r.target_user.username}` : '-').padEnd(16),
    r.reason.padEnd(14),
    `by ${r.reporter ? `@${r.reporter.username}` : 'system'}`.padEnd(18),
    r.created_at.replace('T', ' ').slice(0, 16),
    r.resolution ? `  -> ${r.resolution.outcome}${r.resolution.actor ? ` by @${r.resolution.actor.username}` : ''}` : '',
    r.note ? `  "${r.note.length > 60 ? `${r.note.slice(0, 59)}…` : r.note}"` : '',
  ].join(' ')

/** The staff account a decision is recorded under (--as), or null: the operator at the shell. */
async function actingAs(h: Hearth, name: string | undefined): Promise<Viewer | null> {
  if (!name) return null
  const row = await h.users.findRow(name)
  if (!row) throw new CliError(`There is no member "${name}".`, 'See `hearth user list --role moderator`.')
  if (row.role === 'member') throw new CliError(`@${row.username} is not a moderator or admin.`, 'Promote them with `hearth user promote NAME --to moderator`.')
  if (row.suspended_at) throw new CliError(`@${row.username} is suspended.`)
  return { id: row.id, username: row.username, display_name: row.display_name || row.username, role: row.role }
}

export function registerReports(program: Command): void {
  const reports = program.command('reports').description('list and resolve reports in the moderation queue')

  addJson(
    addData(
      reports
        .command('list')
        .description('list reports, newest first')
        .option('--status <status>', 'open, resolved or all', 'open')
        .option('--limit <n>', 'at most this many', '100'),
    ),
  ).action(async (opts: Opts & { status: string; limit: string }) => {
    if (!STATUSES.includes(opts.status)) throw usage(`The status "${opts.status}" is not open, resolved or all.`)
    const limit = Number(opts.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw usage('--limit must be a whole number from 1 to 10000.')
    await withHearth(opts, async (h) => {
      const items: ReportView[] = []
      let cursor: string | null = null
      do {
        const page = await h.moderation.list({ status: opts.status as 'open', cursor, limit: Math.min(100, limit - items.length) })
        items.push(...page.items)
        cursor = page.nextCursor
      } while (cursor && items.length < limit)
      output(opts, items, () => (items.length ? items.map(line) : opts.status === 'all' ? 'No reports.' : `No ${opts.status} reports.`))
    })
  })

  addJson(
    addData(
      reports
        .command('resolve')
        .description('decide on a report; closes every open report on the same target and writes the audit log')
        .argument('<id>', 'report id')
        .requiredOption('--outcome <outcome>', 'dismiss, remove, sensitive (a post’s media behind a warning), warn or suspend')
        .option('--note <text>', 'a note for the record')
        .option('--reason <text>', 'for suspend (and removing a member): the reason the member is shown')
        .option('--as <user>', 'record the decision under this moderator or admin (needed to remove a post or comment)'),
    ),
  ).action(async (rawId: string, opts: Opts & { outcome: string; note?: string; reason?: string; as?: string }) => {
    if (!/^[1-9]\d{0,15}$/.test(rawId)) throw usage(`"${rawId}" is not a report id.`, 'See `hearth reports list`.')
    if (!(OUTCOMES as readonly string[]).includes(opts.outcome)) throw usage(`The outcome "${opts.outcome}" is not one of ${OUTCOMES.join(', ')}.`)
    const id = Number(rawId)
    // Plugins load so their handlers of action:report.resolved (and of deletions, suspensions) run.
    await withHearth(
      opts,
      async (h) => {
        const actor = await actingAs(h, opts.as)
        const report = await h.moderation.get(id).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'NOT_FOUND') throw new CliError(`There is no report ${id}.`, 'See `hearth reports list --status all`.')
          throw err
        })
        if (opts.outcome === 'remove' && !actor && (report.target_type === 'post' || report.target_type === 'comment')) {
          throw usage(`Removing a ${report.target_type} is done in a moderator's name.`, `Add --as NAME (a moderator or admin).`)
        }
        const done = await h.moderation.resolve(actor, id, { outcome: opts.outcome, note: opts.note, reason: opts.reason })
        output(opts, done, () => `Report ${id} resolved: ${done.outcome} (${done.reports_count} report${done.reports_count === 1 ? '' : 's'} on ${report.target_type} ${report.target_id} closed).`)
      },
      { plugins: true },
    )
  })
}
