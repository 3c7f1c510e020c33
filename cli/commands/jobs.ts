// `hearth jobs list|retry|discard`: the job queue from the shell (the same as Admin → Jobs, audited the same way).
import type { Command } from 'commander'
import { discardJobs, retryJobs } from '../../core/admin/sections/jobs.js'
import { failedIds, failedJobs, jobCounts } from '../../core/jobs/queries.js'
import { addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean; kind?: string; all?: boolean }

/** The ids a retry or discard names: one id, or --all (of --kind). */
function target(id: string | undefined, opts: Opts): number | 'all' {
  if (opts.all && id) throw usage('Give a job id or --all, not both.')
  if (opts.all) return 'all'
  if (!id || !/^[1-9]\d{0,15}$/.test(id)) throw usage('Give the id of a failed job, or --all.', 'See `hearth jobs list`.')
  if (opts.kind) throw usage('--kind goes with --all.')
  return Number(id)
}

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('the background job queue: counts per kind, failed jobs, retry and discard')

  addJson(addData(jobs.command('list').description('jobs per kind, and the newest failed jobs with their errors').option('--kind <kind>', 'failed jobs of this kind only'))).action(async (opts: Opts) => {
    await withHearth(
      opts,
      async (h) => {
        const [counts, failed] = await Promise.all([jobCounts(h.db), failedJobs(h.db, { kind: opts.kind, limit: 100 })])
        output(opts, { counts, failed }, () => [
          ...(counts.length ? counts.map((k) => `${k.kind.padEnd(32)} waiting ${k.pending}  running ${k.running}  done ${k.done}  failed ${k.failed}`) : ['No jobs in the queue.']),
          ...(failed.length ? ['', 'Failed:', ...failed.map((j) => `#${String(j.id).padEnd(6)} ${j.kind.padEnd(28)} ${j.failed_at.slice(0, 16).replace('T', ' ')}  ${(j.last_error ?? '').split('\n')[0]!.slice(0, 100)}`)] : []),
        ])
      },
      { plugins: false },
    )
  })

  for (const verb of ['retry', 'discard'] as const) {
    addJson(
      addData(
        jobs
          .command(verb)
          .description(verb === 'retry' ? 'run failed jobs again (a running server picks them up within seconds)' : 'delete failed jobs: their work will not be done')
          .argument('[id]', 'a failed job’s id')
          .option('--all', 'every failed job')
          .option('--kind <kind>', 'with --all: of this kind only'),
      ),
    ).action(async (id: string | undefined, opts: Opts) => {
      const which = target(id, opts)
      await withHearth(
        opts,
        async (h) => {
          const ids = which === 'all' ? await failedIds(h.db, opts.kind) : [which]
          const n = verb === 'retry' ? (await retryJobs(h, ids, null, opts.kind)).length : await discardJobs(h, ids, null, opts.kind)
          output(opts, { [verb === 'retry' ? 'retried' : 'discarded']: n }, () => (verb === 'retry' ? `${n} job(s) will run again.` : `${n} job(s) discarded.`))
        },
        { plugins: false },
      )
    })
  }
}
