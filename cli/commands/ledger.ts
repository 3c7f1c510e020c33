// `hearth ledger verify|export`: check that the ledger balances, and write its transfers as CSV.
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Command } from 'commander'
import { CliError, addData, addJson, output, withHearth } from '../shared.js'

export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description('check and export the ledger of coins and earnings')

  addJson(
    addData(ledger.command('verify').description('check that every transfer balances, the ledger sums to zero and stored balances equal their transfers; exits 1 otherwise')),
  ).action(async (opts: { data?: string; json?: boolean }) => {
    const report = await withHearth(opts, (h) => h.ledger.verify())
    if (opts.json) output(opts, report, () => '')
    if (!report.ok) {
      const more = report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : ''
      throw new CliError(`The ledger does not balance: ${report.problems[0]!.replace(/\.$/, '')}${more}.`, opts.json ? undefined : 'Run `hearth ledger verify --json` to list every problem.')
    }
    if (!opts.json) output(opts, report, () => `The ledger balances: ${report.accounts} accounts, ${report.transfers} transfers.`)
  })

  addData(
    ledger
      .command('export')
      .description('write every transfer as CSV, oldest first (to standard output, or to --out FILE)')
      .option('--out <file>', 'write to this file instead of standard output'),
  ).action(async (opts: { data?: string; out?: string }) => {
    let file: WriteStream | null = null
    if (opts.out) {
      file = createWriteStream(opts.out, { flags: 'wx' })
      try {
        await once(file, 'open')
      } catch (err) {
        const e = err as NodeJS.ErrnoException
        throw new CliError(e.code === 'EEXIST' ? `${opts.out} already exists.` : `Cannot write ${opts.out}: ${e.message}`, e.code === 'EEXIST' ? 'Choose another file, or remove it first.' : undefined)
      }
    }
    const out = file ?? process.stdout
    const n = await withHearth(opts, (h) =>
      h.ledger.exportCsv(async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain')
      }),
    )
    if (file) {
      await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())))
      process.stdout.write(`${n} transfers written to ${opts.out}.\n`)
    }
  })
}
