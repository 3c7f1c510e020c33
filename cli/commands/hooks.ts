// `hearth hooks`: every hook, who declared it and which plugins handle it, plus slots and scheduled jobs.
import type { Command } from 'commander'
import { addData, addJson, output, withHearth } from '../shared.js'

export function registerHooks(program: Command): void {
  addJson(addData(program.command('hooks').description('list hooks, UI slots and jobs with the plugins that use them'))).action(async (opts: { data?: string; json?: boolean }) => {
    await withHearth(
      opts,
      async (h) => {
        const hooks = h.hooks.describe()
        const ui = h.ui.describe()
        const jobs = h.scheduler.list()
        output(opts, { hooks, ui, jobs }, () => [
          'Hooks:',
          ...hooks.map(
            (k) =>
              `  ${k.name.padEnd(40)} ${k.declaredBy === 'core' ? '' : `(declared by ${k.declaredBy}) `}${k.handlers.length ? k.handlers.map((x) => `${x.owner}@${x.priority}`).join(', ') : '-'}`,
          ),
          'Navigation:',
          ...ui.nav.map((n) => `  ${n.id.padEnd(20)} ${n.href.padEnd(24)} ${n.owner}`),
          ...(ui.slots.length ? ['Slots:', ...ui.slots.map((s) => `  ${s.name.padEnd(20)} ${s.owners.join(', ')}`)] : []),
          ...(ui.profileTabs.length ? ['Profile tabs:', ...ui.profileTabs.map((t) => `  ${t.id.padEnd(20)} ${t.owner}`)] : []),
          ...(ui.settingsPanels.length ? ['Settings panels:', ...ui.settingsPanels.map((p) => `  ${p.id.padEnd(20)} ${p.owner}`)] : []),
          'Jobs:',
          ...jobs.map((j) => `  ${`${j.owner}:${j.name}`.padEnd(40)} ${j.pattern}`),
        ])
      },
      { plugins: true },
    )
  })
}
