// `hearth plugin list|enable|disable|info`: plugins state lives in the database; changes apply at the next start.
import type { Command } from 'commander'
import type { Hearth } from '../../core/app.js'
import { PLUGIN_NAME } from '../../core/plugins/loader.js'
import { pluginSettingsStore } from '../../core/plugins/settings.js'
import { shownValue } from '../../core/settings/schema.js'
import { CliError, addData, addJson, output, restartHint, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }

async function find(h: Hearth, name: string, allowNpm: boolean) {
  const statuses = await h.plugins.status()
  let s = statuses.find((p) => p.name === name)
  if (!s && allowNpm && !PLUGIN_NAME.test(name.replace(/^@[^/]+\//, 'x'))) throw new CliError(`"${name}" is not a plugin or package name.`)
  if (!s && allowNpm) {
    try {
      await h.plugins.addNpm(name)
    } catch {
      throw new CliError(`There is no plugin "${name}".`, `Put it in plugins/${name}/ or install its npm package with \`npm install ${name}\`, then try again.`)
    }
    s = (await h.plugins.status()).find((p) => p.name === name)
  }
  if (!s) throw new CliError(`There is no plugin "${name}".`, 'See `hearth plugin list`.')
  return s
}

export function registerPlugin(program: Command): void {
  const plugin = program.command('plugin').description('list, enable, disable and inspect plugins')

  addJson(addData(plugin.command('list').description('list every plugin found, with its state'))).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const list = await h.plugins.status()
      output(
        opts,
        list.map(({ dir: _dir, settings: _s, loaded: _l, ...rest }) => rest),
        () =>
          list.length
            ? list.map((p) => `${p.enabled ? 'enabled ' : 'disabled'}  ${p.name.padEnd(16)} ${(p.version ?? '?').padEnd(8)} ${p.description}${p.error ? `\n          error: ${p.error}` : ''}`)
            : 'No plugins found. Add one under plugins/ (see docs/plugins.md).',
      )
    })
  })

  for (const verb of ['enable', 'disable'] as const) {
    addJson(addData(plugin.command(verb).description(`${verb} a plugin (by folder name or npm package); applies at the next start`).argument('<name>', 'plugin name'))).action(
      async (name: string, opts: Opts) => {
        await withHearth(opts, async (h) => {
          const s = await find(h, name, verb === 'enable')
          const { changed } = await h.plugins.setEnabled(s.name, verb === 'enable', null)
          const hint = restartHint(h.config.dataDir)
          output(opts, { plugin: s.name, enabled: verb === 'enable', changed, restart_required: changed }, () =>
            changed ? `${s.name} is ${verb}d. ${hint}` : `${s.name} was already ${verb}d.`,
          )
        })
      },
    )
  }

  addJson(addData(plugin.command('info').description("show a plugin's manifest, settings and migrations").argument('<name>', 'plugin name'))).action(async (name: string, opts: Opts) => {
    await withHearth(opts, async (h) => {
      const s = await find(h, name, false)
      const stored = s.error && !s.version ? {} : await pluginSettingsStore(h.settings, s.name, s.settings).all()
      // A secret (a payment provider's key) only as set or not, as core's own settings show theirs.
      const values = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, shownValue(s.settings[k], v)]))
      const migrations = (await h.plugins.migrationStatus()).filter((m) => m.owner === s.name)
      output(opts, { ...s, values, migrations }, () => [
        `${s.name} ${s.version ?? ''} (${s.enabled ? 'enabled' : 'disabled'}, from ${s.source === 'npm' ? 'npm' : s.dir})`,
        s.description,
        ...(s.dependsOn.length ? [`Depends on: ${s.dependsOn.join(', ')}`] : []),
        ...(s.error ? [`Error: ${s.error}`] : []),
        ...Object.entries(s.settings).map(([k, spec]) => `Setting ${k} (${spec.type}) = ${JSON.stringify(values[k])}  ${spec.label}`),
        ...migrations.map((m) => `Migration ${m.name}: ${m.executedAt ? 'done' : 'pending'}`),
      ])
    })
  })
}
