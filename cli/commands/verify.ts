// `hearth verify grant|revoke|list|requests`: the verified badge from the shell (audited as done by the CLI).
import type { Command } from 'commander'
import { VERIFICATION_STATUSES, type VerificationStatus } from '../../core/verification/tables.js'
import { addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }

export function registerVerify(program: Command): void {
  const verify = program.command('verify').description('the verified badge: give it, take it away, list who has it and the requests')

  addJson(addData(verify.command('grant').description('verify a member (a waiting request of theirs is approved); they are notified').argument('<user>', 'username or id').option('--note <text>', 'a note the member reads'))).action(
    async (user: string, opts: Opts & { note?: string }) => {
      await withHearth(opts, async (h) => {
        const r = await h.verification.grant(user, null, opts.note ?? '')
        output(opts, r, () => `@${r.username} is verified.`)
      })
    },
  )

  addJson(addData(verify.command('revoke').description('take the badge away; the member is notified (with --note, told why)').argument('<user>', 'username or id').option('--note <text>', 'why, as the member reads it'))).action(
    async (user: string, opts: Opts & { note?: string }) => {
      await withHearth(opts, async (h) => {
        const r = await h.verification.revoke(user, null, opts.note ?? '')
        output(opts, r, () => `@${r.username} is no longer verified.`)
      })
    },
  )

  addJson(addData(verify.command('list').description('verified members, newest first').option('--page <n>', 'the page (100 a page)', '1'))).action(async (opts: Opts & { page: string }) => {
    if (!/^[1-9][0-9]{0,4}$/.test(opts.page)) throw usage('--page is a whole number from 1.')
    await withHearth(opts, async (h) => {
      const list = await h.verification.verifiedMembers({ page: Number(opts.page) })
      output(opts, list, () => (list.items.length ? list.items.map((m) => `@${m.username.padEnd(24)} since ${m.verified_at.slice(0, 10)}${m.verified_by ? ` by @${m.verified_by}` : ''}`) : 'Nobody is verified.'))
    })
  })

  addJson(addData(verify.command('requests').description('members’ requests, waiting ones first').option('--status <status>', `one of ${VERIFICATION_STATUSES.join(', ')}`).option('--page <n>', 'the page (50 a page)', '1'))).action(
    async (opts: Opts & { status?: string; page: string }) => {
      if (opts.status && !VERIFICATION_STATUSES.includes(opts.status as VerificationStatus)) throw usage(`Unknown status "${opts.status}".`, `The statuses are ${VERIFICATION_STATUSES.join(', ')}.`)
      if (!/^[1-9][0-9]{0,4}$/.test(opts.page)) throw usage('--page is a whole number from 1.')
      await withHearth(opts, async (h) => {
        const list = await h.verification.list({ status: opts.status as VerificationStatus | undefined, page: Number(opts.page) })
        output(opts, list, () => (list.items.length ? list.items.map((r) => `#${String(r.id).padEnd(6)} @${r.member.username.padEnd(24)} ${r.status.padEnd(9)} ${r.created_at.slice(0, 10)}  ${r.links.join(' ')}`) : 'No requests.'))
      })
    },
  )
}
