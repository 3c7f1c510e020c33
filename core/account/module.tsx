// The account folder as a core module: Settings → Your data (export, delete), its jobs and schedules, the JSON API,
// signing in cancelling a pending deletion, and staff "view as" (its gate on every request and the way out).
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { requireMember } from '../http/middleware.js'
import { idParam } from '../http/params.js'
import type { CoreModule } from '../module.js'
import type { Services } from '../services.js'
import { CsrfField } from '../views/components.js'
import { baseUrl } from '../views/meta.js'
import { VIEW_AS_END } from '../views/view-as-banner.js'
import type { DeletionPolicy } from '../hooks/types.js'
import { DELETE_JOB, EXPORT_JOB, whatStays } from './service.js'
import type { AccountExportRow } from './tables.js'
import { endViewAs, viewAsGate } from './view-as.js'

const when = (iso: string | null) => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '')
const size = (bytes: number | null) => (bytes === null ? '' : bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`)

/** An export as the API shows it (never the file's path). */
const exportView = (e: AccountExportRow | null) =>
  e && { id: e.id, status: e.status, bytes: e.bytes, error: e.error, created_at: e.created_at, ready_at: e.ready_at, expires_at: e.expires_at, download_url: e.status === 'ready' ? `/api/v1/users/me/export/${e.id}/download` : null }

function ExportPart({ latest, csrf, hours }: { latest: AccountExportRow | null; csrf: string; hours: number }) {
  const busy = latest?.status === 'pending' || latest?.status === 'building'
  return (
    <section class="card stack" data-export aria-labelledby="export-h">
      <h2 id="export-h">Download your data</h2>
      <p>
        A zip file with your profile, posts, comments, photos and videos, followers and the accounts you follow, and what the community’s features hold of
        yours (messages you can read, stories, groups, coins). We make it in the background and tell you when it is ready; it can be downloaded for {hours} hours.
      </p>
      {latest?.status === 'ready' && (
        <p class="alert alert-ok" data-export-ready>
          Ready: <a href={`/settings/data/export/${latest.id}`} download>Download my data</a> ({size(latest.bytes)}), until {when(latest.expires_at)}.
        </p>
      )}
      {busy && (
        <p class="alert alert-info" data-export-busy>
          Your data is being gathered. We tell you when it is ready; you can leave this page.
        </p>
      )}
      {latest?.status === 'failed' && (
        <p class="alert alert-error" data-export-failed>
          The last export could not be made. Try again; if it fails again, tell the admins.
        </p>
      )}
      {!busy && (
        <form method="post" action="/settings/data/export">
          <CsrfField token={csrf} />
          <button type="submit">{latest?.status === 'ready' ? 'Make a new export' : 'Export my data'}</button>
        </form>
      )}
    </section>
  )
}

function DeletePart({ csrf, days, policy }: { csrf: string; days: number; policy: DeletionPolicy }) {
  return (
    <section class="card stack" data-delete aria-labelledby="delete-h">
      <h2 id="delete-h">Delete your account</h2>
      <p>
        Your account is hidden from everyone at once and deleted {days === 0 ? 'within the hour' : `${days} day${days === 1 ? '' : 's'} later`}. You are signed out
        everywhere; if you change your mind, sign in before then and nothing is lost. Download your data first if you want to keep it.
      </p>
      <p>What stays after the deletion:</p>
      <ul data-what-stays>
        {whatStays(policy).map((s) => (
          <li>{s}</li>
        ))}
      </ul>
      <form method="post" action="/settings/data/delete" class="stack">
        <CsrfField token={csrf} />
        <div class="field">
          <label for="delete-password">Your password</label>
          <input id="delete-password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
    </section>
  )
}

/** A member's own export, as a download (page and API alike); anyone else's answers 404. */
async function zipDownload(s: Services, c: Context<AppEnv>): Promise<Response> {
  const file = await s.account.download(c.get('viewer')!.id, idParam(c, 'id', 'That export'))
  return new Response(file.stream, {
    headers: { 'content-type': 'application/zip', 'content-length': String(file.bytes), 'content-disposition': `attachment; filename="${file.name}"`, 'cache-control': 'private, no-store' },
  })
}

function pages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const me = (c: Context<AppEnv>) => c.get('viewer')!
  const origin = (c: Context<AppEnv>) => baseUrl(c, s.config.publicUrl)

  app.post('/settings/data/export', requireMember, async (c) => {
    const r = await attempt(() => s.account.requestExport(me(c).id, origin(c)))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? 'Your data is being gathered. We tell you when it is ready.' : r.problem.message)
    return c.redirect('/settings/data', 303)
  })
  app.get('/settings/data/export/:id', requireMember, (c) => zipDownload(s, c))
  app.post('/settings/data/delete', requireMember, async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => s.account.requestDeletion(me(c).id, form.password))
    if (!r.ok) {
      flash(c, 'error', r.problem.fields?.password ?? r.problem.message)
      return c.redirect('/settings/data', 303)
    }
    flash(c, 'ok', `Your account will be deleted on ${when(r.value.due_at)}. Changed your mind? Sign in before then and it is cancelled.`)
    return c.redirect('/login', 303)
  })
  app.post(VIEW_AS_END, requireMember, async (c) => {
    const memberId = await endViewAs(s.db, me(c).id, c.get('sessionToken'))
    flash(c, 'ok', 'You see the site as yourself again.')
    return c.redirect(memberId ? `/admin/users/${memberId}` : '/', 303)
  })
  return app
}

function api(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const me = (c: Context<AppEnv>) => c.get('viewer')!
  app.get('/users/me/export', requireMember, async (c) => ok(c, exportView(await s.account.latestExport(me(c).id))))
  app.post('/users/me/export', requireMember, async (c) => ok(c, exportView(await s.account.requestExport(me(c).id, baseUrl(c, s.config.publicUrl))), 201))
  app.get('/users/me/export/:id/download', requireMember, (c) => zipDownload(s, c))
  app.post('/users/me/delete', requireMember, async (c) => {
    const body = await jsonBody(c)
    return ok(c, await s.account.requestDeletion(me(c).id, typeof body.password === 'string' ? body.password : undefined))
  })
  return app
}

export const accountModule: CoreModule = {
  name: 'account',
  wire(s) {
    s.queue.define<{ exportId: number; origin: string | null }>(EXPORT_JOB, ({ exportId, origin }) => s.account.build(exportId, origin), {
      maxAttempts: 3,
      concurrency: 1,
      onFailed: ({ exportId }, error) => s.account.exportFailed(exportId, error),
    })
    s.queue.define<{ userId: number; actorId: number | null; dueBy?: string }>(DELETE_JOB, (p) => s.account.runDeletion(p), { maxAttempts: 5, concurrency: 1 })
    s.scheduler.add('core', '*/10 * * * *', 'account-deletions', async () => {
      const n = await s.account.queueDueDeletions()
      if (n) s.log.info({ accounts: n }, 'account deletions queued')
    })
    s.scheduler.add('core', '41 * * * *', 'expire-exports', async () => void (await s.account.expireExports()))
    // Signing in during the grace period is changing one's mind.
    s.hooks.on('action:user.logged-in', async ({ user }) => void (await s.account.cancelDeletion(user.id, user.id, 'signed-in')))
    s.ui.addSettingsPanel('core', {
      id: 'data',
      label: 'Your data',
      order: 90,
      render: async ({ viewer, csrfToken }) => (
        <div class="stack">
          <ExportPart latest={await s.account.latestExport(viewer.id)} csrf={csrfToken} hours={await s.settings.get('account.export_hours')} />
          <DeletePart csrf={csrfToken} days={await s.settings.get('account.deletion_grace_days')} policy={(await s.settings.get('account.deletion_policy')) as DeletionPolicy} />
        </div>
      ),
    })
  },
  middleware: (s) => viewAsGate(s.db),
  pages,
  api,
}
