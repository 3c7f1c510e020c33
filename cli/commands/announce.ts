// `hearth announce`: send an announcement to members (banner, notification, email, push), follow it, stop it.
import type { Command } from 'commander'
import { readFile } from 'node:fs/promises'
import { reachServices } from '../../core/announcements/module.js'
import { describeAudience, type AnnouncementView } from '../../core/announcements/service.js'
import { addData, addJson, output, readStdin, usage, withHearth } from '../shared.js'

/** `everyone`, `active:30`, `role:moderator`, `creators`, `verified` as the API's audience. */
export function parseAudience(text: string): unknown {
  const [kind, arg] = text.split(':', 2)
  if ((kind === 'everyone' || kind === 'creators' || kind === 'verified') && arg === undefined) return { kind }
  if (kind === 'active') return { kind, days: arg }
  if (kind === 'role') return { kind, role: arg }
  throw usage(`“${text}” is not an audience.`, 'Use everyone, active:DAYS, role:NAME, creators or verified.')
}

const line = (a: AnnouncementView) => `#${a.id} ${a.status.padEnd(9)} ${String(a.reached).padStart(6)}/${a.total}  ${a.title}  (${describeAudience(a.audience)}; ${a.channels.join(', ')})`

export function registerAnnounce(program: Command): void {
  const cmd = program.command('announce').description('announcements to members: a banner, a notification, an email, a push (Admin → Announcements)')

  addJson(
    addData(
      cmd
        .command('send')
        .description('write an announcement and queue it; the running server sends it in batches (`hearth announce status ID` follows it)')
        .requiredOption('--title <text>', 'the title (also the email subject)')
        .option('--body <text>', 'the message, plain text or Markdown-lite')
        .option('--body-file <path>', 'read the message from a file (`-` reads standard input)')
        .option('--channels <list>', 'comma-separated: banner, notification, email, push', 'banner,notification')
        .option('--audience <who>', 'everyone, active:DAYS, role:NAME, creators, or verified (members with the site’s verified badge)', 'everyone')
        .option('--dry-run', 'count the audience and show the message as text, send nothing'),
    ),
  ).action(async (opts: { data?: string; json?: boolean; title: string; body?: string; bodyFile?: string; channels: string; audience: string; dryRun?: boolean }) => {
    if (opts.body !== undefined && opts.bodyFile !== undefined) throw usage('Give --body or --body-file, not both.')
    const body = opts.bodyFile === '-' ? await readStdin() : opts.bodyFile ? await readFile(opts.bodyFile, 'utf8') : opts.body
    if (body === undefined) throw usage('Give the message with --body or --body-file.')
    const input = { title: opts.title, body, channels: opts.channels.split(',').map((c) => c.trim()).filter(Boolean), audience: parseAudience(opts.audience) }
    await withHearth(opts, async (h) => {
      const { announcements } = reachServices(h)
      if (opts.dryRun) {
        const p = await announcements.preview(input)
        output(opts, { count: p.count, text: p.text }, () => [`${p.count === 1 ? '1 member' : `${p.count} members`} would get it (${p.audience}):`, '', p.text])
        return
      }
      const a = await announcements.send(input, null, await h.emails.scheduledOrigin(h.config.publicUrl))
      output(opts, a, () => `Queued announcement #${a.id} for ${a.total === 1 ? '1 member' : `${a.total} members`}; the running server sends it (hearth announce status ${a.id}).`)
    })
  })

  addJson(addData(cmd.command('list').description('the latest announcements with their progress'))).action(async (opts: { data?: string; json?: boolean }) => {
    await withHearth(opts, async (h) => {
      const list = await reachServices(h).announcements.list(20)
      output(opts, list, () => (list.length ? list.map(line) : ['No announcements yet.']))
    })
  })

  addJson(addData(cmd.command('status').description('one announcement’s progress').argument('<id>', 'its number'))).action(async (id: string, opts: { data?: string; json?: boolean }) => {
    if (!/^[0-9]+$/.test(id)) throw usage(`“${id}” is not an announcement number.`)
    await withHearth(opts, async (h) => {
      const a = await reachServices(h).announcements.get(Number(id))
      output(opts, a, () => line(a))
    })
  })

  addJson(addData(cmd.command('cancel').description('stop sending it and take its banner down').argument('<id>', 'its number'))).action(async (id: string, opts: { data?: string; json?: boolean }) => {
    if (!/^[0-9]+$/.test(id)) throw usage(`“${id}” is not an announcement number.`)
    await withHearth(opts, async (h) => {
      const a = await reachServices(h).announcements.cancel(Number(id), null)
      output(opts, a, () => line(a))
    })
  })
}
