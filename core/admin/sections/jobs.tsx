// The job queue: jobs waiting, running and failed per kind; the failed ones with their errors, to retry (after fixing
// the cause) or discard, one at a time or every failed job of a kind. Every retry and discard is audited.
import type { Context } from 'hono'
import { z } from 'zod'
import { audit } from '../../audit.js'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import { idParam } from '../../http/params.js'
import { failedIds, failedJobs, jobCounts } from '../../jobs/queries.js'
import type { Services } from '../../services.js'
import { parse } from '../../validation.js'
import { ActionForm, DataTable } from '../../views/components.js'
import type { AdminSection } from '../registry.js'

const listQuery = z.object({
  kind: z.string().max(100, { error: 'kind is a job kind.' }).optional(),
  before: z.coerce.number({ error: 'before is a job id.' }).int().positive().optional(),
})
const bulkInput = z.object({ kind: z.string().min(1).max(100, { error: 'kind is a job kind.' }).optional() })

/** Retry failed jobs, audited (the console and `hearth jobs retry`; actorId null: the operator at the shell). */
export async function retryJobs(s: Pick<Services, 'db' | 'queue'>, ids: number[], actorId: number | null, kind?: string): Promise<number[]> {
  const back = await s.queue.retry(ids)
  if (back.length) await audit(s.db, { actorId, action: 'jobs.retried', targetType: 'job', targetId: back.length === 1 ? back[0] : undefined, details: { count: back.length, ...(kind && { kind }) } })
  return back
}

/** Discard failed jobs, audited. */
export async function discardJobs(s: Pick<Services, 'db' | 'queue'>, ids: number[], actorId: number | null, kind?: string): Promise<number> {
  const gone = await s.queue.discard(ids)
  if (gone) await audit(s.db, { actorId, action: 'jobs.discarded', targetType: 'job', targetId: ids.length === 1 ? ids[0] : undefined, details: { count: gone, ...(kind && { kind }) } })
  return gone
}

export function jobsSection(s: Services): AdminSection {
  const retry = (ids: number[], actorId: number, kind?: string) => retryJobs(s, ids, actorId, kind)
  const discard = (ids: number[], actorId: number, kind?: string) => discardJobs(s, ids, actorId, kind)
  const back = (c: Context<AppEnv>, kind?: string) => c.redirect(kind ? `/admin/jobs?kind=${encodeURIComponent(kind)}` : '/admin/jobs', 303)

  return {
    id: 'jobs',
    label: 'Jobs',
    icon: 'list-checks',
    order: 83,
    need: 'manage_settings',
    pages(r) {
      r.get('/', async (c) => {
        const q = parse(listQuery, { kind: c.req.query('kind') || undefined, before: c.req.query('before') })
        const [counts, failed] = await Promise.all([jobCounts(s.db), failedJobs(s.db, { ...q, limit: 50 })])
        const csrf = c.get('csrfToken')
        const kindFields: Record<string, string> = q.kind ? { kind: q.kind } : {}
        return s.admin.page(
          c,
          { title: 'Jobs' },
          <>
            <section class="card">
              <h2>By kind</h2>
              <p class="hint">Finished jobs are kept a day, failed ones a month.</p>
              <DataTable
                rows={counts}
                label="Jobs by kind"
                empty="No jobs in the queue."
                rowData={(k) => ({ 'data-kind': k.kind })}
                columns={[
                  { label: 'Kind', cell: (k) => (k.failed ? <a href={`/admin/jobs?kind=${encodeURIComponent(k.kind)}`}>{k.kind}</a> : k.kind) },
                  { label: 'Waiting', cell: (k) => k.pending },
                  { label: 'Running', cell: (k) => k.running },
                  { label: 'Done', cell: (k) => k.done },
                  { label: 'Failed', cell: (k) => k.failed },
                ]}
              />
            </section>
            <section class="card" data-failed={failed.length}>
              <h2>{q.kind ? `Failed jobs: ${q.kind}` : 'Failed jobs'}</h2>
              {q.kind && <a href="/admin/jobs">Every kind</a>}
              {failed.length > 0 && (
                <div class="actions">
                  <ActionForm action="/admin/jobs/retry-failed" csrf={csrf} fields={kindFields} label={q.kind ? `Retry every failed ${q.kind}` : 'Retry every failed job'} />
                  <ActionForm action="/admin/jobs/discard-failed" csrf={csrf} fields={kindFields} label={q.kind ? `Discard every failed ${q.kind}` : 'Discard every failed job'} class="secondary" />
                </div>
              )}
              <DataTable
                rows={failed}
                label="Failed jobs"
                empty="No failed jobs."
                rowData={(j) => ({ 'data-job': j.id })}
                columns={[
                  { label: 'Job', cell: (j) => `#${j.id} ${j.kind}` },
                  { label: 'Failed', cell: (j) => <time datetime={j.failed_at}>{j.failed_at.slice(0, 16).replace('T', ' ')}</time> },
                  { label: 'Attempts', cell: (j) => `${j.attempts} of ${j.max_attempts}` },
                  { label: 'Error', cell: (j) => <code>{(j.last_error ?? '').slice(0, 300)}</code> },
                  {
                    label: 'Actions',
                    hideLabel: true,
                    cell: (j) => (
                      <div class="actions">
                        <ActionForm action={`/admin/jobs/${j.id}/retry`} csrf={csrf} label="Retry" title={`Retry job ${j.id}`} />
                        <ActionForm action={`/admin/jobs/${j.id}/discard`} csrf={csrf} label="Discard" class="secondary" title={`Discard job ${j.id}`} />
                      </div>
                    ),
                  },
                ]}
              />
              {failed.length === 50 && <a href={`/admin/jobs?${new URLSearchParams({ ...kindFields, before: String(failed.at(-1)!.id) })}`}>Older</a>}
            </section>
          </>,
        )
      })
      r.post('/:id/retry', async (c) => {
        const id = idParam(c, 'id', 'That job')
        const done = await retry([id], c.get('viewer')!.id)
        flash(c, done.length ? 'ok' : 'error', done.length ? `Job ${id} will run again.` : `Job ${id} is not a failed job (or one like it is already waiting).`)
        return back(c)
      })
      r.post('/:id/discard', async (c) => {
        const id = idParam(c, 'id', 'That job')
        const gone = await discard([id], c.get('viewer')!.id)
        flash(c, gone ? 'ok' : 'error', gone ? `Job ${id} is discarded.` : `Job ${id} is not a failed job.`)
        return back(c)
      })
      r.post('/retry-failed', async (c) => {
        const { kind } = parse(bulkInput, { kind: (await formFields(c)).kind || undefined })
        const done = await retry(await failedIds(s.db, kind), c.get('viewer')!.id, kind)
        flash(c, 'ok', `${done.length} failed job(s) will run again.`)
        return back(c, kind)
      })
      r.post('/discard-failed', async (c) => {
        const { kind } = parse(bulkInput, { kind: (await formFields(c)).kind || undefined })
        const gone = await discard(await failedIds(s.db, kind), c.get('viewer')!.id, kind)
        flash(c, 'ok', `${gone} failed job(s) discarded.`)
        return back(c)
      })
    },
    api(r) {
      r.get('/', async (c) => {
        const q = parse(listQuery, { kind: c.req.query('kind') || undefined, before: c.req.query('before') })
        const [counts, failed] = await Promise.all([jobCounts(s.db), failedJobs(s.db, { ...q, limit: 50 })])
        return ok(c, { counts, failed })
      })
      r.post('/:id/retry', async (c) => {
        const id = idParam(c, 'id', 'That job')
        return ok(c, { retried: (await retry([id], c.get('viewer')!.id)).length })
      })
      r.post('/:id/discard', async (c) => {
        const id = idParam(c, 'id', 'That job')
        return ok(c, { discarded: await discard([id], c.get('viewer')!.id) })
      })
      r.post('/retry-failed', async (c) => {
        const { kind } = parse(bulkInput, await jsonBody(c, { optional: true }))
        return ok(c, { retried: (await retry(await failedIds(s.db, kind), c.get('viewer')!.id, kind)).length })
      })
      r.post('/discard-failed', async (c) => {
        const { kind } = parse(bulkInput, await jsonBody(c, { optional: true }))
        return ok(c, { discarded: await discard(await failedIds(s.db, kind), c.get('viewer')!.id, kind) })
      })
    },
  }
}
