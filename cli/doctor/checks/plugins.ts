// Every enabled plugin imports, has its dependencies, and registers without throwing. Changes nothing.
import { existsSync } from 'node:fs'
import { createHearth } from '../../../core/app.js'
import { createLogger } from '../../../core/logger.js'
import type { Check } from '../check.js'

export const plugins: Check = {
  name: 'Plugins',
  async run(config) {
    if (!existsSync(config.dbFile)) return { status: 'warn', message: 'no database yet', hint: 'Run `hearth init`.' }
    // A read-only instance registers the enabled plugins, so problems show here rather than at the next start.
    let h
    try {
      h = await createHearth({ config, log: createLogger({ level: 'silent' }), plugins: false, readonly: true })
    } catch (err) {
      return { status: 'warn', message: (err as Error).message }
    }
    try {
      const failures = await h.plugins.load()
      const loaded = [...h.plugins.loaded.keys()]
      if (failures.length) {
        return { status: 'fail', message: failures.map((f) => `${f.name}: ${f.error}`).join('; '), hint: 'See `hearth plugin info NAME`; fix or disable the plugin.' }
      }
      const pending = (await h.plugins.migrationStatus()).filter((m) => !m.executedAt)
      if (pending.length) return { status: 'warn', message: `pending plugin migrations: ${pending.map((m) => `${m.owner}/${m.name}`).join(', ')}`, hint: 'Run `hearth migrate`.' }
      return { status: 'ok', message: loaded.length ? `registered: ${loaded.join(', ')}` : 'no plugins enabled' }
    } finally {
      await h.close()
    }
  },
}
