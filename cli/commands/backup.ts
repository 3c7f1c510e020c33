// `hearth backup FILE`: a consistent copy of the database and media while Hearth keeps running.
import type { Command } from 'commander'
import { VERSION } from '../../core/app.js'
import { createBackup } from '../../core/backup.js'
import { openStore } from '../../core/db/connect.js'
import { LAST_BACKUP_KEY } from '../../core/admin/problems.js'
import { createSettings } from '../../core/settings/service.js'
import { CliError, addData, addJson, configFrom, output } from '../shared.js'

export function registerBackup(program: Command): void {
  addJson(addData(program.command('backup').description('write the database and media to FILE (.tar.gz); safe while the server runs').argument('<file>', 'archive to write'))).action(
    async (file: string, opts: { data?: string; json?: boolean }) => {
      const config = configFrom(opts)
      let result
      try {
        result = await createBackup(config, file, VERSION)
      } catch (err) {
        throw new CliError((err as Error).message, 'Check --data points at a Hearth data directory.')
      }
      // The console's "no backup for a day" check reads when the last one was made, whoever made it.
      await recordBackup(config.dbFile, result.created_at).catch(() => undefined)
      output(opts, { file, ...result }, () => `Backup written to ${file} (${(result.bytes / 1024).toFixed(1)} KiB, database${result.media ? ' and media' : ''}).`)
    },
  )
}

async function recordBackup(dbFile: string, at: string): Promise<void> {
  const store = openStore(dbFile)
  try {
    await createSettings(store.db).write(LAST_BACKUP_KEY, at)
  } finally {
    await store.close()
  }
}
