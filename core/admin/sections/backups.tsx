// Backups: make one now, the list with downloads, a schedule (cron, UTC) and how many to keep. Admins only: an
// archive holds every password hash and two-factor secret.
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { Context } from 'hono'
import { notFound } from '../../errors.js'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields, type FormProblem } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import type { Services } from '../../services.js'
import { ActionForm, CsrfField, DataTable, FormError } from '../../views/components.js'
import { LAST_BACKUP_KEY } from '../problems.js'
import type { AdminSection } from '../registry.js'
import { formatValue } from './dashboard.js'

export function backupsSection(s: Services): AdminSection {
  const { backups } = s
  const download = (c: Context<AppEnv>) => {
    const name = c.req.param('name')!
    const path = backups.path(name)
    if (!path) throw notFound('That backup')
    const size = backups.list().find((b) => b.name === name)!.bytes
    return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200, {
      'content-type': 'application/gzip',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    })
  }
  const page = async (c: Context<AppEnv>, problem?: FormProblem, values?: Record<string, string>) => {
    const [list, schedule, last] = [backups.list(), await backups.schedule(), await s.settings.read(LAST_BACKUP_KEY)]
    const csrf = c.get('csrfToken')
    const v = values ?? { cron: schedule.cron, keep: String(schedule.keep) }
    return s.admin.page(
      c,
      { title: 'Backups', status: problem?.status ?? 200 },
      <>
        <section class="card">
          <h2>Make a backup</h2>
          <p>
            The database and every media file in one archive, made while Hearth keeps running. {typeof last === 'string' ? `The last one was made ${last.slice(0, 16).replace('T', ' ')} UTC.` : 'None has been made yet.'}
          </p>
          <ActionForm action="/admin/backups/run" csrf={csrf} label="Back up now" />
          <p class="hint">
            Restore one with <code>hearth restore FILE</code> while the server is stopped. Keep copies on another machine too: a backup on the same disk is lost with it.
          </p>
        </section>
        <section class="card">
          <h2>Backups kept</h2>
          <DataTable
            rows={list}
            label="Backups kept"
            empty="No backups in the data directory yet."
            rowData={(b) => ({ 'data-backup': b.name })}
            columns={[
              { label: 'Backup', cell: (b) => <a href={`/admin/backups/${b.name}/download`}>{b.name}</a> },
              { label: 'Made', cell: (b) => <time datetime={b.created_at}>{b.created_at.slice(0, 16).replace('T', ' ')}</time> },
              { label: 'Size', cell: (b) => formatValue(b.bytes, 'bytes') },
              { label: 'Delete', hideLabel: true, cell: (b) => <ActionForm action={`/admin/backups/${b.name}/delete`} csrf={csrf} label="Delete" class="secondary" title={`Delete ${b.name}`} /> },
            ]}
          />
        </section>
        <section class="card">
          <h2>Schedule</h2>
          <FormError message={problem?.message} />
          <form method="post" action="/admin/backups/schedule" novalidate>
            <CsrfField token={csrf} />
            <label>
              When (a cron pattern in UTC; empty: no schedule) <input name="cron" value={v.cron} maxLength={100} placeholder="0 3 * * *" aria-invalid={problem?.fields.cron ? 'true' : undefined} />
            </label>
            {problem?.fields.cron && <p class="field-error">{problem.fields.cron}</p>}
            <p class="hint">0 3 * * * is every day at 03:00; 0 3 * * 0 is every Sunday.</p>
            <label>
              Backups to keep <input name="keep" type="number" min={1} max={365} value={v.keep} aria-invalid={problem?.fields.keep ? 'true' : undefined} />
            </label>
            {problem?.fields.keep && <p class="field-error">{problem.fields.keep}</p>}
            <button type="submit">Save the schedule</button>
          </form>
        </section>
      </>,
    )
  }

  return {
    id: 'backups',
    label: 'Backups',
    icon: 'archive',
    order: 84,
    need: 'admin',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/run', async (c) => {
        await backups.enqueue(c.get('viewer')!.id)
        flash(c, 'ok', 'The backup is being made; it appears in the list when it is done.')
        return c.redirect('/admin/backups', 303)
      })
      r.post('/schedule', async (c) => {
        const form = await formFields(c)
        const res = await attempt(() => backups.setSchedule({ cron: form.cron ?? '', keep: form.keep }, c.get('viewer')!.id))
        if (!res.ok) return page(c, res.problem, form)
        flash(c, 'ok', res.value.cron ? `Backups run at “${res.value.cron}” (UTC); the newest ${res.value.keep} are kept.` : `No scheduled backups; the newest ${res.value.keep} are kept.`)
        return c.redirect('/admin/backups', 303)
      })
      r.get('/:name/download', download)
      r.post('/:name/delete', async (c) => {
        if (!(await backups.remove(c.req.param('name')!, c.get('viewer')!.id))) throw notFound('That backup')
        flash(c, 'ok', 'The backup is deleted.')
        return c.redirect('/admin/backups', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, { backups: backups.list(), schedule: await backups.schedule(), last_at: (await s.settings.read(LAST_BACKUP_KEY)) ?? null }))
      r.post('/', async (c) => ok(c, { job_id: await backups.enqueue(c.get('viewer')!.id) }, 202))
      r.put('/schedule', async (c) => ok(c, await backups.setSchedule(await jsonBody(c), c.get('viewer')!.id)))
      r.get('/:name', download)
      r.delete('/:name', async (c) => {
        if (!(await backups.remove(c.req.param('name')!, c.get('viewer')!.id))) throw notFound('That backup')
        return ok(c, { deleted: true })
      })
    },
  }
}
