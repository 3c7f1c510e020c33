// The database opens, passes SQLite's integrity check, and has every core migration applied.
import { existsSync } from 'node:fs'
import { openStore } from '../../../core/db/connect.js'
import { CORE_MIGRATIONS, migrationStatus } from '../../../core/db/migrate.js'
import type { Check } from '../check.js'

export const database: Check = {
  name: 'Database',
  async run(config) {
    if (!existsSync(config.dbFile)) return { status: 'warn', message: `no database yet at ${config.dbFile}`, hint: 'Run `hearth init`.' }
    const store = openStore(config.dbFile, { readonly: true })
    try {
      const rows = store.sqlite.pragma('integrity_check') as { integrity_check: string }[]
      const result = rows.map((r) => r.integrity_check).join('; ')
      if (result !== 'ok') return { status: 'fail', message: `integrity check failed: ${result}`, hint: 'Restore from a backup (`hearth restore FILE`).' }
      const pending = (await migrationStatus(store.db, 'core', CORE_MIGRATIONS)).filter((m) => !m.executedAt)
      if (pending.length) return { status: 'warn', message: `${pending.length} core migration(s) pending`, hint: 'Run `hearth migrate`.' }
      const mode = (store.sqlite.pragma('journal_mode') as { journal_mode: string }[])[0]?.journal_mode
      return { status: 'ok', message: `integrity ok, migrations applied, journal ${mode}` }
    } finally {
      await store.close()
    }
  },
}
