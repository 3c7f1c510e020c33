// The console's Announcements and Re-engagement sections: write, preview the audience, send and follow the
// progress; the rules that remind members who stayed away, with their logs. Pages and API share each route.
import type { Context } from 'hono'
import type { AdminSection } from '../admin/registry.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { idParam } from '../http/params.js'
import type { Services } from '../services.js'
import { ActionForm, CsrfField, Field, FormError } from '../views/components.js'
import { baseUrl } from '../views/meta.js'
import { ACTIONS, type ReengageRule, type ReengageService } from './reengage.js'
import { describeAudience, type AnnouncementsService, type AnnouncementView } from './service.js'
import { CHANNELS, type Channel } from './tables.js'

const CHANNEL_LABELS: Record<Channel, string> = {
  banner: 'A banner on every page, until the member dismisses it',
  notification: 'An in-app notification',
  email: 'An email (not to members who unsubscribed from announcements)',
  push: 'A push to the browsers members turned push on in (if they keep announcements on)',
}
const STATUS: Record<AnnouncementView['status'], string> = { sending: 'Sending', sent: 'Sent', cancelled: 'Stopped' }

/** The announcement form's fields as the API's JSON. */
export function announcementFromForm(f: Record<string, string>) {
  const kind = f.audience ?? 'everyone'
  return {
    title: f.title,
    body: f.body,
    channels: CHANNELS.filter((ch) => f[`channel.${ch}`]),
    audience: kind === 'active' ? { kind, days: f.days } : kind === 'role' ? { kind, role: f.role } : { kind },
  }
}

function Progress({ a }: { a: AnnouncementView }) {
  const live = a.status === 'sending'
  return (
    <div id={`progress-${a.id}`} data-progress={a.id} data-status={a.status} hx-get={live ? `/admin/announcements/${a.id}/progress` : undefined} hx-trigger={live ? 'every 2s' : undefined} hx-swap="outerHTML">
      <progress value={a.reached} max={Math.max(a.total, 1)} aria-label={`Sent to ${a.reached} of ${a.total}`} /> {STATUS[a.status]}: {a.reached} of {a.total}
    </div>
  )
}

function ComposeForm(p: { csrf: string; values: Record<string, string>; problem?: FormProblem; preview?: { count: number; html: string; audience: string }; roles: string[] }) {
  const v = p.values
  const audience = v.audience ?? 'everyone'
  return (
    <section class="card stack">
      <h2>New announcement</h2>
      <FormError message={p.problem?.message} />
      {p.preview && (
        <div class="card stack" data-preview>
          <p>
            <strong data-count={p.preview.count}>{p.preview.count === 1 ? '1 member' : `${p.preview.count} members`}</strong> will get it ({p.preview.audience}).
          </p>
          <div class="prose" dangerouslySetInnerHTML={{ __html: p.preview.html }} />
        </div>
      )}
      <form method="post" action="/admin/announcements" class="stack">
        <CsrfField token={p.csrf} />
        <Field name="title" label="Title" value={v.title} maxLength={120} required error={p.problem?.fields.title} />
        <div class="field">
          <label for="f-body">Message</label>
          <textarea id="f-body" name="body" rows={6} maxLength={5000} required aria-describedby="f-body-hint">
            {v.body}
          </textarea>
          <p class="hint" id="f-body-hint">
            Plain text, or Markdown-lite: **bold**, *italic*, [a link](https://…), lists with “-”, headings with “#”. HTML shows as text.
          </p>
        </div>
        <fieldset>
          <legend>Channels</legend>
          {CHANNELS.map((ch) => (
            <label class="check">
              <input type="checkbox" name={`channel.${ch}`} checked={!!v[`channel.${ch}`]} /> {CHANNEL_LABELS[ch]}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Audience</legend>
          <label class="choice">
            <input type="radio" name="audience" value="everyone" checked={audience === 'everyone'} /> Everyone
          </label>
          <label class="choice">
            <input type="radio" name="audience" value="active" checked={audience === 'active'} /> Members active in the last{' '}
            <input name="days" type="number" min={1} max={3650} value={v.days ?? '30'} aria-label="Days" class="narrow" /> days
          </label>
          <label class="choice">
            <input type="radio" name="audience" value="role" checked={audience === 'role'} /> A role:{' '}
            <select name="role" aria-label="Role">
              {['staff', 'admin', 'moderator', 'member', ...p.roles].map((r) => (
                <option value={r} selected={v.role === r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label class="choice">
            <input type="radio" name="audience" value="creators" checked={audience === 'creators'} /> Creators
          </label>
          <label class="choice">
            <input type="radio" name="audience" value="verified" checked={audience === 'verified'} /> Verified members (with the site’s badge)
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit" name="intent" value="preview" class="secondary">
            Preview and count
          </button>
          <button type="submit" name="intent" value="send">
            Send
          </button>
        </div>
      </form>
    </section>
  )
}

export function announcementsSection(s: Services, announcements: AnnouncementsService): AdminSection {
  const roleNames = async () => (await s.db.selectFrom('staff_roles').select('name').orderBy('name').execute()).map((r) => r.name)
  const origin = (c: Context<AppEnv>) => baseUrl(c, s.config.publicUrl)

  const page = async (c: Context<AppEnv>, extra: { values?: Record<string, string>; problem?: FormProblem; preview?: { count: number; html: string; audience: string } } = {}) => {
    const list = await announcements.list()
    const csrf = c.get('csrfToken')
    return s.admin.page(
      c,
      { title: 'Announcements', status: extra.problem?.status ?? 200 },
      <>
        <ComposeForm csrf={csrf} values={extra.values ?? {}} problem={extra.problem} preview={extra.preview} roles={await roleNames()} />
        <section class="card stack">
          <h2>Sent</h2>
          {list.length === 0 && <p class="muted">Nothing yet.</p>}
          {list.map((a) => (
            <article class="stack" data-announcement={a.id}>
              <h3>{a.title}</h3>
              <p class="muted">
                {a.created_at.slice(0, 16).replace('T', ' ')} · {describeAudience(a.audience)} · {a.channels.join(', ')}
              </p>
              <Progress a={a} />
              {(a.status === 'sending' || (a.channels.includes('banner') && !a.banner_ended)) && (
                <ActionForm action={`/admin/announcements/${a.id}/cancel`} csrf={csrf} label={a.status === 'sending' ? 'Stop sending and take the banner down' : 'Take the banner down'} class="secondary" />
              )}
            </article>
          ))}
        </section>
      </>,
    )
  }

  return {
    id: 'announcements',
    label: 'Announcements',
    icon: 'megaphone',
    order: 40,
    need: 'manage_members',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = await formFields(c)
        const input = announcementFromForm(form)
        if (form.intent === 'preview') {
          const res = await attempt(() => announcements.preview(input))
          return res.ok ? page(c, { values: form, preview: res.value }) : page(c, { values: form, problem: res.problem })
        }
        const res = await attempt(() => announcements.send(input, c.get('viewer')!.id, origin(c)))
        if (!res.ok) return page(c, { values: form, problem: res.problem })
        flash(c, 'ok', `Sending “${res.value.title}” to ${res.value.total === 1 ? '1 member' : `${res.value.total} members`}.`)
        return c.redirect('/admin/announcements', 303)
      })
      r.get('/:id/progress', async (c) => s.render.partial(c, <Progress a={await announcements.get(idParam(c, 'id', 'That announcement'))} />))
      r.post('/:id/cancel', async (c) => {
        await announcements.cancel(idParam(c, 'id', 'That announcement'), c.get('viewer')!.id)
        flash(c, 'ok', 'Stopped; the banner is down.')
        return c.redirect('/admin/announcements', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, await announcements.list()))
      r.post('/preview', async (c) => ok(c, await announcements.preview(await jsonBody(c))))
      r.post('/', async (c) => ok(c, await announcements.send(await jsonBody(c), c.get('viewer')!.id, origin(c)), 201))
      r.get('/:id', async (c) => ok(c, await announcements.get(idParam(c, 'id', 'That announcement'))))
      r.post('/:id/cancel', async (c) => ok(c, await announcements.cancel(idParam(c, 'id', 'That announcement'), c.get('viewer')!.id)))
    },
  }
}

function RuleForm({ csrf, rule, values, problem }: { csrf: string; rule?: ReengageRule; values?: Record<string, string>; problem?: FormProblem }) {
  const v: Record<string, string> = values ?? (rule ? { name: rule.name, inactive_days: String(rule.inactive_days), action: rule.action, message: rule.message, period_days: String(rule.period_days), enabled: rule.enabled ? 'on' : '' } : { inactive_days: '30', enabled: 'on' })
  const id = rule ? `rule-${rule.id}` : 'rule-new'
  return (
    <form method="post" action={rule ? `/admin/reengagement/${rule.id}` : '/admin/reengagement'} class="stack" data-rule-form={rule?.id ?? 'new'}>
      <CsrfField token={csrf} />
      <FormError message={problem?.message} />
      <div class="field">
        <label for={`${id}-name`}>Name</label>
        <input id={`${id}-name`} name="name" value={v.name} maxLength={100} required />
      </div>
      <div class="field">
        <label for={`${id}-days`}>Away for at least (days)</label>
        <input id={`${id}-days`} name="inactive_days" type="number" min={1} max={3650} value={v.inactive_days} required />
      </div>
      <div class="field">
        <label for={`${id}-action`}>Then</label>
        <select id={`${id}-action`} name="action">
          {Object.entries(ACTIONS).map(([k, label]) => (
            <option value={k} selected={v.action === k}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-message`}>Message (for an email or a push)</label>
        <textarea id={`${id}-message`} name="message" rows={3} maxLength={1000}>
          {v.message}
        </textarea>
      </div>
      <div class="field">
        <label for={`${id}-period`}>At most once per (days; empty: once per absence)</label>
        <input id={`${id}-period`} name="period_days" type="number" min={1} max={3650} value={v.period_days} />
      </div>
      <label class="check">
        <input type="checkbox" name="enabled" checked={!!v.enabled} /> On
      </label>
      <button type="submit">{rule ? 'Save' : 'Make the rule'}</button>
    </form>
  )
}

const ruleFromForm = (f: Record<string, string>) => ({ name: f.name, inactive_days: f.inactive_days, action: f.action, message: f.message ?? '', period_days: f.period_days || undefined, enabled: !!f.enabled })

export function reengagementSection(s: Services, rules: ReengageService): AdminSection {

  const page = async (c: Context<AppEnv>, failed?: { id: number | 'new'; problem: FormProblem; values: Record<string, string> }) => {
    const list = await rules.list()
    const csrf = c.get('csrfToken')
    return s.admin.page(
      c,
      { title: 'Re-engagement', status: failed?.problem.status ?? 200 },
      <>
        <p class="hint">
          Rules run every hour. A member counts as away from the last day they opened the site (or the day they joined). Each member is reached at most once per rule per period; emails
          respect their unsubscribe choice, pushes their notification settings.
        </p>
        <ActionForm action="/admin/reengagement/run" csrf={csrf} label="Run the rules now" class="secondary" />
        {list.map((r) => (
          <section class="card stack" data-rule={r.id}>
            <h2>
              {r.name} <span class="muted">{r.enabled ? `reached ${r.reached_30d} in 30 days` : 'off'}</span>
            </h2>
            <RuleForm csrf={csrf} rule={r} values={failed?.id === r.id ? failed.values : undefined} problem={failed?.id === r.id ? failed.problem : undefined} />
            <p>
              <a href={`/admin/reengagement/${r.id}/log`}>Log</a>
            </p>
            <ActionForm action={`/admin/reengagement/${r.id}/delete`} csrf={csrf} label="Delete the rule" class="danger" />
          </section>
        ))}
        <section class="card stack">
          <h2>New rule</h2>
          <RuleForm csrf={csrf} values={failed?.id === 'new' ? failed.values : undefined} problem={failed?.id === 'new' ? failed.problem : undefined} />
        </section>
      </>,
    )
  }

  return {
    id: 'reengagement',
    label: 'Re-engagement',
    icon: 'repeat',
    order: 41,
    need: 'manage_members',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = await formFields(c)
        const res = await attempt(() => rules.save(ruleFromForm(form), c.get('viewer')!.id))
        if (!res.ok) return page(c, { id: 'new', problem: res.problem, values: form })
        flash(c, 'ok', `The rule “${res.value.name}” is saved.`)
        return c.redirect('/admin/reengagement', 303)
      })
      r.post('/run', async (c) => {
        const n = await rules.run()
        flash(c, 'ok', n === 1 ? 'One member is being reached.' : `${n} members are being reached.`)
        return c.redirect('/admin/reengagement', 303)
      })
      r.post('/:id', async (c) => {
        const id = idParam(c, 'id', 'That rule')
        const form = await formFields(c)
        const res = await attempt(() => rules.save(ruleFromForm(form), c.get('viewer')!.id, id))
        if (!res.ok) return page(c, { id, problem: res.problem, values: form })
        flash(c, 'ok', `The rule “${res.value.name}” is saved.`)
        return c.redirect('/admin/reengagement', 303)
      })
      r.post('/:id/delete', async (c) => {
        await rules.remove(idParam(c, 'id', 'That rule'), c.get('viewer')!.id)
        flash(c, 'ok', 'The rule is deleted.')
        return c.redirect('/admin/reengagement', 303)
      })
      r.get('/:id/log', async (c) => {
        const id = idParam(c, 'id', 'That rule')
        const rule = await rules.get(id)
        const log = await rules.log(id, 200)
        return s.admin.page(
          c,
          { title: `Log: ${rule.name}` },
          <section class="card">
            {log.length === 0 ? (
              <p class="muted">Nobody reached yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Member</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {log.map((l) => (
                    <tr data-log={l.id}>
                      <td>{l.sent_at.slice(0, 16).replace('T', ' ')}</td>
                      <td>
                        <a href={`/admin/users/${l.user_id}`}>@{l.username}</a>
                      </td>
                      <td>{l.outcome}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>,
        )
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, await rules.list()))
      r.post('/', async (c) => ok(c, await rules.save(await jsonBody(c), c.get('viewer')!.id), 201))
      r.post('/run', async (c) => ok(c, { queued: await rules.run() }))
      r.get('/:id', async (c) => ok(c, { ...(await rules.get(idParam(c, 'id', 'That rule'))), would_reach: await rules.wouldReach(idParam(c, 'id', 'That rule')) }))
      r.put('/:id', async (c) => ok(c, await rules.save(await jsonBody(c), c.get('viewer')!.id, idParam(c, 'id', 'That rule'))))
      r.delete('/:id', async (c) => {
        await rules.remove(idParam(c, 'id', 'That rule'), c.get('viewer')!.id)
        return ok(c, { deleted: true })
      })
      r.get('/:id/log', async (c) => ok(c, await rules.log(idParam(c, 'id', 'That rule'), 200)))
    },
  }
}
