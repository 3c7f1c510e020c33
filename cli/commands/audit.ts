// `hearth audit verify|export`: check the audit log's hash chain (a row changed by hand shows), and export it.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Command } from 'commander'
import { auditExport, verifyAuditChain } from '../../core/admin/audit-log.js'
import { CliError, addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log: verify its hash chain, export it')

  addJson(
    addData(
      audit
        .command('verify')
        .description('check that every audit row follows the one before it and matches its hash (exit 1 when a row was changed, removed or added by hand)'),
    ),
  ).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const report = await verifyAuditChain(h.db)
      if (!report.ok) {
        if (opts.json) output(opts, report, () => '')
        throw new CliError(`The audit chain breaks at row ${report.broken!.id}: ${report.broken!.problem}`, 'Restore the audit log from a backup, or keep this report: rows from there on cannot be trusted.')
      }
      output(opts, report, () => [`The audit chain holds: ${report.rows} rows.`, `Newest hash: ${report.head ?? 'none (the log is empty)'}`, 'Note it elsewhere: a later check that ends on another hash shows rows cut off the end.'])
    })
  })

  addData(
    audit
      .command('export')
      .description('write the audit log (oldest first, with each row\'s hash) as CSV or JSON')
      .option('--format <format>', 'csv or json', 'csv')
      .option('--out <file>', 'write to this file instead of standard output')
      .option('--actor <username>', 'only what this member did')
      .option('--action <action>', 'only this action (a prefix ending in a dot matches many: user.)')
      .option('--from <day>', 'from this day (YYYY-MM-DD)')
      .option('--to <day>', 'to this day (YYYY-MM-DD)'),
  ).action(async (opts: Opts & { format: string; out?: string; actor?: string; action?: string; from?: string; to?: string }) => {
    if (opts.format !== 'csv' && opts.format !== 'json') throw usage('--format must be csv or json.')
    await withHearth(opts, async (h) => {
      const out = opts.out ? createWriteStream(opts.out) : process.stdout
      for await (const chunk of auditExport(h.db, { actor: opts.actor, action: opts.action, from: opts.from, to: opts.to }, opts.format as 'csv' | 'json')) {
        if (!out.write(chunk)) await once(out, 'drain')
      }
      if (opts.out) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())))
    })
  })
}
