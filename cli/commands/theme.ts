// `hearth theme list|use`: the active theme is a setting, read on every page, so a change shows at once.
import type { Command } from 'commander'
import { templateNames } from '../../core/views/theme.js'
import { CliError, addData, addJson, output, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }

export function registerTheme(program: Command): void {
  const theme = program.command('theme').description('list themes and choose the active one')

  addJson(addData(theme.command('list').description('list installed themes'))).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const active = await h.settings.get('theme')
      const list = [...h.themes.values()].map((t) => ({
        name: t.definition.name,
        description: t.definition.description,
        active: t.definition.name === active,
        overrides: Object.keys(t.definition.templates),
      }))
      output(opts, { themes: list, problems: h.themeProblems, templates: templateNames() }, () => [
        ...list.map((t) => `${t.active ? '*' : ' '} ${t.name.padEnd(16)} ${t.description}`),
        ...h.themeProblems.map((p) => `! ${p.name.padEnd(16)} broken: ${p.error}`),
      ])
    })
  })

  addJson(addData(theme.command('use').description('make a theme the active one').argument('<name>', 'theme folder name under themes/'))).action(async (name: string, opts: Opts) => {
    await withHearth(opts, async (h) => {
      if (!h.themes.has(name)) {
        const broken = h.themeProblems.find((p) => p.name === name)
        throw new CliError(broken ? `The theme "${name}" is broken: ${broken.error}` : `There is no theme "${name}".`, 'See `hearth theme list`.')
      }
      await h.settings.set('theme', name)
      output(opts, { theme: name }, () => `The active theme is now ${name}. Pages use it from the next request.`)
    })
  })
}
