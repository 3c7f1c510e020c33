// `hearth restore FILE`: put a backup back; refuses while a server runs on the data directory.
import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { restoreBackup } from '../../core/backup.js'
import { CliError, addData, addJson, configFrom, output, runningServer } from '../shared.js'

export function registerRestore(program: Command): void {
  addJson(
    addData(
      program
        .command('restore')
        .description('restore a backup made by `hearth backup`; the current data is kept beside it')
        .argument('<file>', 'archive to restore')
        .option('--force', 'replace an existing database (it is kept as hearth.db.before-restore-TIME)'),
    ),
  ).action(async (file: string, opts: { data?: string; json?: boolean; force?: boolean }) => {
    const config = configFrom(opts)
    // LiteFS owns every file in its mount: a database goes in through `litefs import`, never by a copy.
    if (config.replication.mount) {
      throw new CliError(
        `HEARTH_LITEFS_DIR is set (${config.replication.mount}): a restore cannot put the database into LiteFS's mount.`,
        'Restore into a plain folder (unset HEARTH_LITEFS_DIR, add --data /tmp/restore), then on the primary run `litefs import -name hearth.db /tmp/restore/hearth.db` and move /tmp/restore/media into the data folder (docs/operators.md, "Replicas with LiteFS").',
      )
    }
    const running = runningServer(config.dataDir)
    if (running) throw new CliError(`Hearth is running on this data directory (pid ${running.pid}).`, 'Stop it before restoring.')
    if (existsSync(config.dbFile) && !opts.force) throw new CliError(`${config.dbFile} already exists.`, 'Add --force to replace it; the current files are kept beside it.')
    let result
    try {
      result = await restoreBackup(file, config.dataDir)
    } catch (err) {
      throw new CliError((err as Error).message)
    }
    output(opts, { restored: file, ...result }, () => [
      `Restored ${file} (made ${result.manifest.created_at} by Hearth ${result.manifest.hearth_version}).`,
      ...result.keptAs.map((k) => `Previous data kept at ${k}`),
    ])
  })
}
