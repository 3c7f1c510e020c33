// `hearth settings list|set|reset`: the core settings of Admin → Site settings, from the shell.
import type { Command } from 'commander'
import { shownValue, type SettingsSchema } from '../../core/settings/schema.js'
import { CORE_SCHEMA } from '../../core/settings/service.js'
import { addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }
const KEYS = Object.keys(CORE_SCHEMA)

export function registerSettings(program: Command): void {
  const settings = program.command('settings').description('show and change core settings (site name, registration, login limits)')

  addJson(addData(settings.command('list').description('list core settings with their values and defaults'))).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const rows: { key: string; value: unknown; default: unknown; label: string }[] = []
      for (const [key, spec] of Object.entries(CORE_SCHEMA)) rows.push({ key, value: shownValue(spec, await h.settings.get(key as keyof typeof CORE_SCHEMA)), default: shownValue(spec, spec.default), label: spec.label })
      output(opts, rows, () => rows.map((r) => `${r.key.padEnd(30)} ${JSON.stringify(r.value).padEnd(28)} ${r.label}${r.value === r.default ? '' : ` (default ${JSON.stringify(r.default)})`}`))
    })
  })

  addJson(addData(settings.command('set').description('change one setting (the change takes effect at once, also in a running server)').argument('<key>', `one of: ${KEYS.join(', ')}`).argument('<value>', 'the new value (true/false for switches)'))).action(
    async (key: string, value: string, opts: Opts) => {
      if (!KEYS.includes(key)) throw usage(`There is no setting "${key}".`, 'See `hearth settings list`.')
      await withHearth(opts, async (h) => {
        const changed = await h.settings.updateCore({ [key]: value }, null)
        const shown = { [key]: shownValue((CORE_SCHEMA as SettingsSchema)[key], changed[key]) }
        output(opts, shown, () => `${key} is now ${JSON.stringify(shown[key])}.`)
      })
    },
  )

  addJson(addData(settings.command('reset').description('return one setting to its default').argument('<key>', 'the setting'))).action(async (key: string, opts: Opts) => {
    if (!KEYS.includes(key)) throw usage(`There is no setting "${key}".`, 'See `hearth settings list`.')
    await withHearth(opts, async (h) => {
      await h.settings.remove(key)
      const value = shownValue((CORE_SCHEMA as SettingsSchema)[key], await h.settings.get(key as keyof typeof CORE_SCHEMA))
      output(opts, { [key]: value }, () => `${key} is back to its default, ${JSON.stringify(value)}.`)
    })
  })
}
