// `hearth doctor`: check that this machine and data directory can run Hearth; exit 1 when a check fails.
import type { Command } from 'commander'
import type { Check, CheckResult } from '../doctor/check.js'
import { dataDir } from '../doctor/checks/data-dir.js'
import { database } from '../doctor/checks/database.js'
import { ffmpeg } from '../doctor/checks/ffmpeg.js'
import { nodeVersion } from '../doctor/checks/node-version.js'
import { plugins } from '../doctor/checks/plugins.js'
import { problemChecks } from '../doctor/checks/problems.js'
import { replication } from '../doctor/checks/replication.js'
import { sharpCheck } from '../doctor/checks/sharp.js'
import { CliError, addData, addJson, configFrom, output } from '../shared.js'

const CHECKS: Check[] = [nodeVersion, dataDir, database, replication, sharpCheck, ffmpeg, plugins, ...problemChecks]

export function registerDoctor(program: Command): void {
  addJson(addData(program.command('doctor').description('check Node, the data directory, the database, replication (LiteFS), sharp, ffmpeg, plugins, and the console\'s problem checks (disk, failing jobs, backups, email)'))).action(
    async (opts: { data?: string; json?: boolean }) => {
      const config = configFrom(opts)
      const results: (CheckResult & { name: string })[] = []
      for (const check of CHECKS) {
        let r: CheckResult
        try {
          r = await check.run(config)
        } catch (err) {
          r = { status: 'fail', message: (err as Error).message }
        }
        results.push({ name: check.name, ...r })
      }
      const failed = results.filter((r) => r.status === 'fail')
      output(opts, { ok: failed.length === 0, checks: results }, () => [
        ...results.map((r) => `${r.status === 'ok' ? 'ok  ' : r.status === 'warn' ? 'warn' : 'FAIL'}  ${r.name}: ${r.message}${r.hint ? `\n      ${r.hint}` : ''}`),
        failed.length ? `${failed.length} check(s) failed.` : 'All checks passed.',
      ])
      if (failed.length) throw new CliError(`${failed.length} doctor check(s) failed.`)
    },
  )
}
