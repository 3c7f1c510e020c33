// Every enabled plugin imports, has its dependencies, and registers without throwing.
import { existsSync } from 'node:fs'
import { createHearth } from '../../../core/app.js'
import { createLogger } from '../../../core/logger.js'
import type { Check } from '../check.js'

export const plugins: Check = {
  name: 'Plugins',
  async run(config) {
    if (!existsSync(config.dbFile)) return { status: 'warn', message: 'no database yet', hint: 'Run `hearth init`.' }
    // Register plugins in a throwaway instance so problems show here rather than at the next start.
    const h = await createHearth({ config, log: createLogger({ level: 'silent' }), plugins: false })
    try {
      const before = await h.plugins.status()
      const problems = before.filter((p) => p.enabled && p.error).map((p) => `${p.name}: ${p.error}`)
      for (const p of before.filter((s) => s.enabled && !s.error)) {
        const found = h.plugins.found.find((f) => f.name === p.name)
        if (!found?.definition) problems.push(`${p.name}: could not be imported`)
        const missing = p.dependsOn.filter((d) => !before.find((b) => b.name === d)?.enabled)
        if (missing.length) problems.push(`${p.name}: needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not enabled`)
      }
      const enabled = before.filter((p) => p.enabled).map((p) => p.name)
      if (problems.length) return { status: 'fail', message: problems.join('; '), hint: 'See `hearth plugin info NAME`, fix or disable the plugin.' }
      return { status: 'ok', message: enabled.length ? `enabled: ${enabled.join(', ')}` : 'no plugins enabled' }
    } finally {
      await h.close()
    }
  },
}
