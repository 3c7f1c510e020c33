// `hearth init`: create the data directory and database, and give a one-time link to create the first admin.
import type { Command } from 'commander'
import { createSetupToken } from '../../core/auth/setup-token.js'
import { addData, addJson, output, withHearth } from '../shared.js'

export function registerInit(program: Command): void {
  addJson(
    addData(
      program
        .command('init')
        .description('create the data directory and database; print a setup link while there is no admin')
        .option('--url <url>', 'public URL used in the setup link (default HEARTH_PUBLIC_URL or http://localhost:PORT)'),
    ),
  ).action(async (opts: { data?: string; json?: boolean; url?: string }) => {
    await withHearth(opts, async (h) => {
      await h.settings.secret()
      const hasAdmin = await h.users.hasAdmin()
      const base = (opts.url ?? h.config.publicUrl ?? `http://localhost:${h.config.port}`).replace(/\/$/, '')
      const setupUrl = hasAdmin ? null : `${base}/setup?token=${await createSetupToken(h.settings)}`
      output(opts, { data_dir: h.config.dataDir, database: h.config.dbFile, admin_exists: hasAdmin, setup_url: setupUrl }, () => [
        `Data directory ready: ${h.config.dataDir}`,
        hasAdmin ? 'An admin account exists.' : `No admin yet. Open this link once to create one:\n  ${setupUrl}`,
      ])
    })
  })
}
