// `hearth migrate [--status]`: apply or list the migrations of core and every enabled plugin.
import { existsSync, readdirSync } from 'node:fs'
import type { Command } from 'commander'
import { openStore } from '../../core/db/connect.js'
import { CORE_MIGRATIONS, migrationStatus, type MigrationStatus } from '../../core/db/migrate.js'
import { addData, addJson, configFrom, output, withHearth } from '../shared.js'

export function registerMigrate(program: Command): void {
  addJson(addData(program.command('migrate').description('run pending migrations of core and enabled plugins').option('--status', 'list migrations and whether each has run; change nothing'))).action(
    async (opts: { data?: string; json?: boolean; status?: boolean }) => {
      if (opts.status) {
        const config = configFrom(opts)
        let list: MigrationStatus[]
        if (existsSync(config.dbFile)) {
          // Read-only: listing must not create or change anything.
          const store = openStore(config.dbFile, { readonly: true })
          try {
            list = await migrationStatus(store.db, 'core', CORE_MIGRATIONS)
          } finally {
            await store.close()
          }
        } else {
          list = readdirSync(CORE_MIGRATIONS)
            .filter((f) => /\.(ts|js)$/.test(f))
            .map((f) => ({ owner: 'core', name: f.replace(/\.(ts|js)$/, ''), executedAt: null }))
            .sort((a, b) => a.name.localeCompare(b.name))
        }
        const corePending = list.some((m) => !m.executedAt)
        if (!corePending) await withHearth(opts, async (h) => list.push(...(await h.plugins.migrationStatus())))
        output(opts, list, () => [
          ...list.map((m) => `${m.executedAt ? 'done   ' : 'pending'}  ${m.owner.padEnd(14)} ${m.name}${m.executedAt ? `  (${m.executedAt})` : ''}`),
          ...(corePending ? ['Plugin migrations are listed once core is migrated: run `hearth migrate`.'] : []),
        ])
        return
      }
      await withHearth(opts, async (h) => {
        const applied = await h.plugins.migrate()
        output(opts, { core: 'up to date', plugins: applied }, () => [
          'Core: up to date.',
          ...applied.map((a) => `${a.plugin}: ${a.applied.length ? `applied ${a.applied.join(', ')}` : 'up to date'}.`),
        ])
      })
    },
  )
}
