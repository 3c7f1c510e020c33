// `hearth backup FILE`: a consistent copy of the database and media while Hearth keeps running.
import type { Command } from 'commander'
import { VERSION } from '../../core/app.js'
import { createBackup } from '../../core/backup.js'
import { CliError, addData, addJson, configFrom, output } from '../shared.js'

export function registerBackup(program: Command): void {
  addJson(addData(program.command('backup').description('write the database and media to FILE (.tar.gz); safe while the server runs').argument('<file>', 'archive to write'))).action(
    async (file: string, opts: { data?: string; json?: boolean }) => {
      const config = configFrom(opts)
      let result
      try {
        result = await createBackup(config.dataDir, file, VERSION)
      } catch (err) {
        throw new CliError((err as Error).message, 'Check --data points at a Hearth data directory.')
      }
      output(opts, { file, ...result }, () => `Backup written to ${file} (${(result.bytes / 1024).toFixed(1)} KiB, database${result.media ? ' and media' : ''}).`)
    },
  )
}
