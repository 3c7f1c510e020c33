// Pages behind emailed links: forgot password, reset it, confirm an address, confirm a new address.
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import { baseUrl } from '../views/meta.js'
import { CsrfField, Field, FormError, ProofField } from '../views/components.js'
import { template } from '../views/theme.js'
import { TOKEN_MINUTES } from './service.js'
import { DIGEST_MODES, type EmailPreferences } from './digests.js'

/** The origin emailed links start with: HEARTH_PUBLIC_URL when set, else the address this request came to. */
export const linkOrigin = (c: Context<AppEnv>, s: Services) => baseUrl(c, s.config.publicUrl)

const formMessage = (p?: FormProblem) => (p && !Object.values(p.fields).includes(p.message) ? p.message : null)

export const ForgotPasswordPage = template('auth.forgot-password', function ForgotPasswordPage(s: { csrfToken: string; mailOn: boolean; login?: string; problem?: FormProblem; sent?: boolean; proof?: string | null }) {
  if (!s.mailOn) {
    return (
      <section class="card">
        <h1>Forgot your password?</h1>
        <p>This community does not send email, so an admin resets passwords. Ask one of them for a new password.</p>
        <p>
          <a href="/login">Back to log in</a>
        </p>
      </section>
    )
  }
  if (s.sent) {
    return (
      <section class="card">
        <h1>Check your email</h1>
        <p>If an account uses that name or address, we sent it a link to choose a new password. It works for {TOKEN_MINUTES.reset} minutes.</p>
        <p class="muted">Nothing came? Look in your spam folder, or try again in a few minutes.</p>
        <p>
          <a href="/login">Back to log in</a>
        </p>
      </section>
    )
  }
  return (
    <section class="card">
      <h1>Forgot your password?</h1>
      <p>Enter your username or email address and we will email you a link to choose a new password.</p>
      <FormError message={formMessage(s.problem)} />
      <form method="post" action="/password/forgot" novalidate>
        <CsrfField token={s.csrfToken} />
        <Field name="login" label="Username or email" value={s.login} error={s.problem?.fields.login} autocomplete="username" required />
        <ProofField challenge={s.proof ?? null} />
        {s.problem?.fields.proof && <p class="error">{s.problem.fields.proof}</p>}
        <div class="actions">
          <button type="submit">Email me a link</button>
          <a href="/login">Back to log in</a>
        </div>
      </form>
    </section>
  )
})

export const ResetPasswordPage = template('auth.reset-password', function ResetPasswordPage(s: { csrfToken: string; token: string; works: boolean; problem?: FormProblem }) {
  if (!s.works) {
    return (
      <section class="card">
        <h1>This link does not work any more</h1>
        <p>Reset links work once, for {TOKEN_MINUTES.reset} minutes, and only the newest one asked for.</p>
        <p>
          <a href="/password/forgot">Ask for a new link</a>
        </p>
      </section>
    )
  }
  return (
    <section class="card">
      <h1>Choose a new password</h1>
      <FormError message={formMessage(s.problem)} />
      <form method="post" action="/password/reset" novalidate>
        <CsrfField token={s.csrfToken} />
        <input type="hidden" name="token" value={s.token} />
        <Field name="password" label="New password" type="password" autocomplete="new-password" error={s.problem?.fields.password} required hint="At least 10 characters. Every session of your account is logged out." />
        <button type="submit">Save the new password</button>
      </form>
    </section>
  )
})

export const EmailLinkPage = template('auth.email-link', function EmailLinkPage(s: { title: string; text: string; action?: { url: string; label: string; token: string; csrfToken: string }; link?: { href: string; label: string } }) {
  return (
    <section class="card">
      <h1>{s.title}</h1>
      <p>{s.text}</p>
      {s.action && (
        <form method="post" action={s.action.url}>
          <CsrfField token={s.action.csrfToken} />
          <input type="hidden" name="token" value={s.action.token} />
          <button type="submit">{s.action.label}</button>
        </form>
      )}
      {s.link && (
        <p>
          <a href={s.link.href}>{s.link.label}</a>
        </p>
      )}
    </section>
  )
})

/**
 * On every page until the member confirms their address (the setting's "reminded until they use it"): where the link
 * went, what waits for it, and a button for a new one. Settings → Account, where it leads, says the same itself.
 */
export function ConfirmEmailBanner(p: { email: string; required: boolean; csrfToken: string }) {
  return (
    <aside class="alert alert-info" role="region" aria-label="Confirm your email address" data-confirm-email>
      <p>
        <strong>Confirm your email address:</strong> use the link we sent to {p.email}.{' '}
        {p.required ? 'Until then you can look around, but not post, comment or send messages.' : 'It lets us help you if you forget your password.'}
      </p>
      <form method="post" action="/email/resend" class="inline-form">
        <CsrfField token={p.csrfToken} />
        <button type="submit" class="secondary">
          Send the link again
        </button>{' '}
        <a href="/settings/account">Change the address</a>
      </form>
    </aside>
  )
}

const DIGEST_LABELS: Record<(typeof DIGEST_MODES)[number], string> = { off: 'Never', daily: 'Once a day', weekly: 'Once a week' }

/** Settings → Email and push: push on this device, the summary of unread notifications, alerts of new logins. */
export function EmailSettingsPanel(p: { csrfToken: string; message?: string; on: boolean; prefs: EmailPreferences; pushKey: string; pushDevices: number }) {
  return (
    <>
      <section class="card" data-push data-key={p.pushKey} data-csrf={p.csrfToken}>
        <h2>Push notifications</h2>
        <p>Your notifications appear on this device even when Hearth is closed. They say only what the notifications page would show you.</p>
        <p class="muted" data-push-state aria-live="polite">
          Turning push on needs JavaScript and a browser that supports it.
        </p>
        <div class="actions">
          <button type="button" data-push-on hidden>
            Turn on for this device
          </button>
          <button type="button" class="secondary" data-push-off hidden>
            Turn off for this device
          </button>
        </div>
        {p.pushDevices > 0 && <p class="muted">Push is on in {p.pushDevices === 1 ? '1 browser' : `${p.pushDevices} browsers`} of yours.</p>}
        <script src="/static/push.js" defer />
      </section>
      <EmailChoices {...p} />
    </>
  )
}

function EmailChoices(p: { csrfToken: string; message?: string; on: boolean; prefs: EmailPreferences }) {
  if (!p.on) {
    return (
      <section class="card">
        <h2>Email</h2>
        <p class="muted">This community does not send email.</p>
      </section>
    )
  }
  return (
    <section class="card">
      <h2>Email</h2>
      <FormError message={p.message} />
      <form method="post" action="/settings/emails">
        <CsrfField token={p.csrfToken} />
        <fieldset>
          <legend>A summary of notifications you have not seen</legend>
          {DIGEST_MODES.map((mode) => (
            <label class="choice">
              <input type="radio" name="digest" value={mode} checked={p.prefs.digest === mode} /> {DIGEST_LABELS[mode]}
            </label>
          ))}
          <p class="muted">Only when there is something new since the last one. It never shows what you can no longer see.</p>
        </fieldset>
        <label class="choice">
          <input type="checkbox" name="login_alerts" value="on" checked={p.prefs.login_alerts} /> Email me when my account is logged in to from a new device
        </label>
        <label class="choice">
          <input type="checkbox" name="announcements" value="on" checked={p.prefs.announcements} /> Email me announcements and reminders from the team
        </label>
        <button type="submit">Save</button>
      </form>
    </section>
  )
}

export async function saveEmailSettings(s: Services, userId: number, form: Record<string, string>): Promise<string> {
  await s.emails.set(userId, { digest: form.digest, login_alerts: form.login_alerts === 'on', announcements: form.announcements === 'on' })
  return 'Your email settings are saved.'
}

export const UnsubscribePage = template('auth.unsubscribe', function UnsubscribePage(p: { csrfToken: string; query: string; kind: string; done?: boolean; invalid?: boolean }) {
  const what = p.kind === 'login_alerts' ? 'alerts of logins from new devices' : p.kind === 'announcements' ? 'announcements and reminders from the team' : 'summaries of your notifications'
  return (
    <section class="card">
      {p.invalid ? (
        <>
          <h1>This link does not work</h1>
          <p>Change what you get by email in your settings instead.</p>
        </>
      ) : p.done ? (
        <>
          <h1>You are unsubscribed</h1>
          <p>You will not get {what} by email any more. Turn them back on in your settings.</p>
        </>
      ) : (
        <>
          <h1>Stop these emails?</h1>
          <p>You will not get {what} by email any more.</p>
          <form method="post" action={`/email/unsubscribe?${p.query}`}>
            <CsrfField token={p.csrfToken} />
            <button type="submit">Unsubscribe</button>
          </form>
        </>
      )}
      <p>
        <a href="/settings/emails">Email settings</a>
      </p>
    </section>
  )
})

export function mailPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { mail, render } = s
  const token = (c: Context<AppEnv>) => c.req.query('token') ?? ''
  const linkDead = (c: Context<AppEnv>, title: string, status = 400) =>
    render.page(c, { title, status: status as 400 }, <EmailLinkPage title={title} text="This link has expired or was already used." link={{ href: '/settings/account', label: 'Go to your account settings' }} />)

  const proof = async () => ((await s.proofs.required()) ? JSON.stringify(await s.proofs.challenge()) : null)
  app.get('/password/forgot', async (c) => render.page(c, { title: 'Forgot password' }, <ForgotPasswordPage csrfToken={c.get('csrfToken')} mailOn={await mail.configured()} proof={await proof()} />))
  app.post('/password/forgot', async (c) => {
    const form = await formFields(c)
    if (!(await mail.configured())) return render.page(c, { title: 'Forgot password', status: 503 }, <ForgotPasswordPage csrfToken={c.get('csrfToken')} mailOn={false} />)
    const r = await attempt(() => mail.requestPasswordReset(form.login, linkOrigin(c, s), c.get('ip'), form.proof))
    if (!r.ok) return render.page(c, { title: 'Forgot password', status: r.problem.status as 400 }, <ForgotPasswordPage csrfToken={c.get('csrfToken')} mailOn login={form.login ?? ''} problem={r.problem} proof={await proof()} />)
    return render.page(c, { title: 'Check your email' }, <ForgotPasswordPage csrfToken={c.get('csrfToken')} mailOn sent />)
  })

  app.get('/password/reset', async (c) => {
    const t = token(c)
    const works = await mail.resetLinkWorks(t)
    return render.page(c, { title: 'Choose a new password', status: works ? 200 : 400 }, <ResetPasswordPage csrfToken={c.get('csrfToken')} token={t} works={works} />)
  })
  app.post('/password/reset', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => mail.resetPassword(form.token, form.password))
    if (!r.ok) {
      const works = r.problem.status !== 400 || !!Object.keys(r.problem.fields).length
      return render.page(c, { title: 'Choose a new password', status: r.problem.status as 400 }, <ResetPasswordPage csrfToken={c.get('csrfToken')} token={form.token ?? ''} works={works} problem={r.problem} />)
    }
    flash(c, 'ok', 'Your password is changed. Log in with it.')
    return c.redirect('/login', 303)
  })

  // Confirming an address only confirms it: a link scanner opening it first does no harm.
  app.get('/email/confirm', async (c) => {
    const r = await attempt(() => mail.confirmEmail(token(c)))
    if (!r.ok) return linkDead(c, 'Confirm your address', r.problem.status)
    return render.page(c, { title: 'Address confirmed' }, <EmailLinkPage title="Your address is confirmed" text="Thank you: we can reach you there now." link={{ href: '/', label: 'Go to your home page' }} />)
  })
  // Changing the address takes a press of a button, so a link scanner cannot do it.
  app.get('/email/change', async (c) => {
    return render.page(c, { title: 'Use this address' }, <EmailLinkPage title="Use this address for your account?" text="Your account’s email address becomes the one this link was sent to." action={{ url: '/email/change', label: 'Use this address', token: token(c), csrfToken: c.get('csrfToken') }} />)
  })
  app.post('/email/change', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => mail.confirmEmailChange(form.token))
    if (!r.ok) return linkDead(c, 'Use this address', r.problem.status)
    return render.page(c, { title: 'Address changed' }, <EmailLinkPage title="Your address is changed" text={`Your account now uses ${r.value.email}.`} link={{ href: '/settings/account', label: 'Go to your account settings' }} />)
  })

  // One click from the email (RFC 8058: the mail program POSTs `List-Unsubscribe=One-Click`, without a session
  // or a CSRF token; the signed link is the authority), or the button on the page a scanner cannot press.
  const unsubscribeQuery = (c: Context<AppEnv>) => ({ u: c.req.query('u'), k: c.req.query('k'), s: c.req.query('s') })
  const queryString = (c: Context<AppEnv>) => new URLSearchParams(Object.entries(unsubscribeQuery(c)).map(([k, v]) => [k, v ?? ''])).toString()
  app.get('/email/unsubscribe', (c) =>
    render.page(c, { title: 'Unsubscribe' }, <UnsubscribePage csrfToken={c.get('csrfToken')} query={queryString(c)} kind={c.req.query('k') ?? ''} />),
  )
  app.post('/email/unsubscribe', async (c) => {
    const done = await s.emails.unsubscribe(unsubscribeQuery(c))
    if (c.req.header('content-type')?.startsWith('application/x-www-form-urlencoded') && !c.req.header('cookie') && done) return c.body(null, 204)
    return render.page(c, { title: 'Unsubscribe', status: done ? 200 : 400 }, <UnsubscribePage csrfToken={c.get('csrfToken')} query="" kind={done?.kind ?? ''} done={!!done} invalid={!done} />)
  })

  app.post('/email/resend', requireMember, async (c) => {
    if (!(await mail.configured())) {
      flash(c, 'error', mail.notConfigured().message)
      return c.redirect('/settings/account', 303)
    }
    const r = await attempt(() => mail.sendConfirmation(c.get('viewer')!.id, linkOrigin(c, s)))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? `We sent a new link to ${c.get('account')!.email}.` : r.problem.message)
    return c.redirect('/settings/account', 303)
  })
  return app
}
