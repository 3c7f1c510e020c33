// Outgoing email: whether it is set up, where, and a test message sent now so the operator reads the server's answer.
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields, type FormProblem } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import type { Services } from '../../services.js'
import { CsrfField, FormError } from '../../views/components.js'
import type { AdminSection } from '../registry.js'

export function mailSection(s: Services): AdminSection {
  const status = async () => ({
    configured: await s.mail.configured(),
    host: await s.settings.get('mail.host'),
    port: await s.settings.get('mail.port'),
    security: await s.settings.get('mail.security'),
    from: await s.settings.get('mail.from'),
  })
  const page = async (c: Context<AppEnv>, problem?: FormProblem, to = '') => {
    const st = await status()
    return s.admin.page(
      c,
      { title: 'Mail', status: problem?.status ?? 200 },
      <>
        <section class="card" data-mail={st.configured ? 'configured' : 'off'}>
          <h2>Outgoing email</h2>
          {st.configured ? (
            <p>
              Sent through <code>{`${st.host}:${st.port}`}</code> ({st.security}) from {st.from || `noreply@${st.host}`}.
            </p>
          ) : (
            <p class="alert alert-info">No email is sent: password resets, sign-up confirmations and digests are off until an SMTP server is set.</p>
          )}
          <p>
            <a href="/admin/settings">Change the SMTP settings</a>
          </p>
        </section>
        <section class="card">
          <h2>Send a test email</h2>
          <FormError message={problem?.message} />
          <form method="post" action="/admin/mail/test" novalidate>
            <CsrfField token={c.get('csrfToken')} />
            <label>
              To <input name="to" type="email" value={to} required maxLength={320} autocomplete="email" />
            </label>
            <button type="submit">Send it now</button>
          </form>
        </section>
      </>,
    )
  }
  return {
    id: 'mail',
    label: 'Mail',
    icon: 'mail',
    order: 88,
    need: 'manage_settings',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/test', async (c) => {
        const form = await formFields(c)
        const res = await attempt(() => s.mail.sendTest(form.to ?? ''))
        if (!res.ok) return page(c, res.problem, form.to)
        flash(c, 'ok', `The mail server took the test message for ${form.to}.`)
        return c.redirect('/admin/mail', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, await status()))
      r.post('/test', async (c) => {
        const { messageId } = await s.mail.sendTest((await jsonBody(c)).to as string)
        return ok(c, { sent: true, message_id: messageId })
      })
    },
  }
}
