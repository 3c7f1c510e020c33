// Account pages: register, log in (with the two-factor step), log out, and the account and security settings.
import { Hono, type Context } from 'hono'
import type { ComponentChildren } from 'preact'
import { deleteCookie, getCookie } from 'hono/cookie'
import { setAppCookie } from '../http/cookies.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, requestMeta, type FormProblem } from '../http/forms.js'
import { requireMember, safeNext } from '../http/middleware.js'
import type { Services } from '../services.js'
import { CsrfField, Field, FormError, ProofField } from '../views/components.js'
import { template } from '../views/theme.js'
import { SESSION_COOKIE } from '../users/sessions.js'
import { baseUrl } from '../views/meta.js'
import { qrSvg, remainingRecoveryCodes, totpFor, twoFactorEnabled } from './two-factor.js'
import { relyingParty, type PasskeyView } from './passkeys.js'
import { shortTime } from '../views/time.js'
import { idParam } from '../http/params.js'

const CHALLENGE_COOKIE = 'hearth_2fa'

interface FormState {
  csrfToken: string
  values?: Record<string, string>
  problem?: FormProblem
}

const fieldError = (s: FormState, name: string) => s.problem?.fields[name]
// Show the form-level message only when no field carries it.
const formMessage = (s: FormState) => (s.problem && !Object.values(s.problem.fields).includes(s.problem.message) ? s.problem.message : null)

export const RegisterPage = template('auth.register', function RegisterPage(s: FormState & { open: boolean; approval?: boolean; invite?: string; pending?: boolean; proof?: string | null; terms?: { href: string; title: string }[] }) {
  if (s.pending) {
    return (
      <section class="card">
        <h1>Thank you for signing up</h1>
        <p>An admin of this community will look at your request. Once it is approved you can log in with the username and password you chose.</p>
      </section>
    )
  }
  if (!s.open && s.problem) {
    return (
      <section class="card">
        <h1>This invite link does not work</h1>
        <p>{s.problem.message}</p>
      </section>
    )
  }
  if (!s.open) {
    return (
      <section class="card">
        <h1>Registration is closed</h1>
        <p>This community is not taking new members right now. Ask an admin for an invitation.</p>
      </section>
    )
  }
  return (
    <section class="card">
      <h1>Create your account</h1>
      <FormError message={formMessage(s)} />
      {s.invite && <p>You were invited: welcome.</p>}
      {s.approval && !s.invite && <p>New members here are approved by an admin. Tell them why you would like to join.</p>}
      <form method="post" action="/register" novalidate>
        <CsrfField token={s.csrfToken} />
        {s.invite && <input type="hidden" name="invite" value={s.invite} />}
        {fieldError(s, 'invite') && <p class="field-error">{fieldError(s, 'invite')}</p>}
        <Field name="username" label="Username" value={s.values?.username} error={fieldError(s, 'username')} autocomplete="username" required maxLength={30} hint="3 to 30 letters, digits or underscores." />
        <Field name="email" label="Email" type="email" value={s.values?.email} error={fieldError(s, 'email')} autocomplete="email" required />
        <Field name="password" label="Password" type="password" error={fieldError(s, 'password')} autocomplete="new-password" required hint="At least 10 characters." />
        <ProofField challenge={s.proof ?? null} />
        {fieldError(s, 'proof') && <p class="error">{fieldError(s, 'proof')}</p>}
        {(s.approval || fieldError(s, 'reason')) && !s.invite && (
          <Field name="reason" label="Why do you want to join?" value={s.values?.reason} error={fieldError(s, 'reason')} required maxLength={1000} multiline />
        )}
        {s.terms && s.terms.length > 0 && (
          <div class={fieldError(s, 'accept_terms') ? 'field field-invalid' : 'field'}>
            <label class="check">
              <input type="checkbox" name="accept_terms" value="on" required aria-invalid={fieldError(s, 'accept_terms') ? 'true' : undefined} aria-describedby={fieldError(s, 'accept_terms') ? 'f-accept_terms-error' : undefined} /> I have read and accept the{' '}
              {s.terms.map((t, i) => (
                <>
                  {i > 0 && (i === s.terms!.length - 1 ? ' and the ' : ', the ')}
                  <a href={t.href} target="_blank">
                    {t.title.toLowerCase()}
                  </a>
                </>
              ))}
            </label>
            {fieldError(s, 'accept_terms') && (
              <p class="error" id="f-accept_terms-error">
                {fieldError(s, 'accept_terms')}
              </p>
            )}
          </div>
        )}
        <div class="actions">
          <button type="submit">Create account</button>
          <a href="/login">I already have an account</a>
        </div>
      </form>
    </section>
  )
})

export const LoginPage = template('auth.login', function LoginPage(s: FormState & { next: string }) {
  return (
    <section class="card">
      <h1>Log in</h1>
      <FormError message={formMessage(s) ?? (s.problem && !s.problem.fields.login && !s.problem.fields.password ? s.problem.message : null)} />
      <form method="post" action={`/login${s.next !== '/' ? `?next=${encodeURIComponent(s.next)}` : ''}`} novalidate>
        <CsrfField token={s.csrfToken} />
        {/* `webauthn` lets the browser offer this site's passkeys in the field's autofill (conditional UI). */}
        <Field name="login" label="Username or email" value={s.values?.login} error={fieldError(s, 'login')} autocomplete="username webauthn" required />
        <Field name="password" label="Password" type="password" error={fieldError(s, 'password')} autocomplete="current-password" required />
        <div class="actions">
          <button type="submit">Log in</button>
          <a href="/password/forgot">Forgot your password?</a>
          <a href="/register">Create an account</a>
        </div>
      </form>
      <PasskeySignIn csrfToken={s.csrfToken} next={s.next} label="Sign in with a passkey" />
    </section>
  )
})

/** The passkey button of the login and two-factor pages: shown by /static/passkeys.js where the browser has WebAuthn. */
function PasskeySignIn(props: { csrfToken: string; next: string; label: string; secondFactor?: boolean }) {
  return (
    <div class="passkey-sign-in" data-passkey-login data-csrf={props.csrfToken} data-next={props.next} data-second-factor={props.secondFactor ? '1' : undefined} hidden>
      <p class="muted">or</p>
      <button type="button" class="secondary" data-passkey-button>
        {props.label}
      </button>
      <p class="error" role="alert" data-passkey-message />
      <script src="/static/passkeys.js" defer />
    </div>
  )
}

export const TwoFactorPage = template('auth.two-factor', function TwoFactorPage(s: FormState & { next: string }) {
  return (
    <section class="card">
      <h1>Two-factor check</h1>
      <p>Enter the 6-digit code from your authenticator app.</p>
      <FormError message={formMessage(s)} />
      <form method="post" action={`/login/2fa${s.next !== '/' ? `?next=${encodeURIComponent(s.next)}` : ''}`} novalidate>
        <CsrfField token={s.csrfToken} />
        <Field name="code" label="Code" inputmode="numeric" autocomplete="one-time-code" error={fieldError(s, 'code')} maxLength={6} autofocus />
        <details>
          <summary>Use a recovery code instead</summary>
          <Field name="recovery_code" label="Recovery code" autocomplete="off" hint="One of the codes you saved when you turned on two-factor." />
        </details>
        <div class="actions">
          <button type="submit">Verify</button>
          <a href="/login">Start again</a>
        </div>
      </form>
      <PasskeySignIn csrfToken={s.csrfToken} next={s.next} label="Use a passkey instead" secondFactor />
    </section>
  )
})

export function SettingsShell(props: { active: string; panels: { id: string; label: string }[]; children: ComponentChildren }) {
  const items = [{ id: 'profile', label: 'Profile' }, { id: 'account', label: 'Account' }, { id: 'security', label: 'Security' }, { id: 'privacy', label: 'Privacy' }, { id: 'filters', label: 'Content filters' }, { id: 'notifications', label: 'Notifications' }, ...props.panels]
  return (
    <div class="settings-layout">
      <h1 class="settings-title">Settings</h1>
      <nav class="settings-nav" aria-label="Settings">
        <ul>
          {items.map((i) => (
            <li>
              <a href={`/settings/${i.id}`} aria-current={i.id === props.active ? 'page' : undefined}>
                {i.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="stack">{props.children}</div>
    </div>
  )
}

export const AccountSettingsPage = template('settings.account', function AccountSettingsPage(
  s: FormState & { displayName: string; username: string; email: string; passwordProblem?: FormProblem; emailProblem?: FormProblem; emailValue?: string; emailConfirmed: boolean; confirmations: boolean },
) {
  const pw: FormState = { csrfToken: s.csrfToken, problem: s.passwordProblem }
  const em: FormState = { csrfToken: s.csrfToken, problem: s.emailProblem }
  return (
    <>
      <section class="card">
        <h2>Profile</h2>
        <p class="muted">
          Signed in as <strong>@{s.username}</strong> ({s.email})
        </p>
        <FormError message={formMessage(s)} />
        <form method="post" action="/settings/account" novalidate>
          <CsrfField token={s.csrfToken} />
          <Field name="display_name" label="Display name" value={s.values?.display_name ?? s.displayName} error={fieldError(s, 'display_name')} maxLength={50} />
          <button type="submit">Save</button>
        </form>
      </section>
      <section class="card">
        <h2>Email address</h2>
        <p>
          {s.email}{' '}
          {s.confirmations && <span class={s.emailConfirmed ? 'badge' : 'badge badge-warn'}>{s.emailConfirmed ? 'Confirmed' : 'Not confirmed'}</span>}
        </p>
        {s.confirmations && !s.emailConfirmed && (
          <form method="post" action="/email/resend">
            <CsrfField token={s.csrfToken} />
            <p class="muted">Use the link we emailed you to confirm it. Nothing came?</p>
            <button type="submit" class="secondary">Send the link again</button>
          </form>
        )}
        <details open={!!s.emailProblem}>
          <summary>Change your email address</summary>
          <FormError message={formMessage(em)} />
          <form method="post" action="/settings/email" novalidate>
            <CsrfField token={s.csrfToken} />
            <Field name="email" label="New email address" type="email" value={s.emailValue} error={fieldError(em, 'email')} autocomplete="email" required hint="We email a link to the new address; it changes when you use it." />
            <Field name="password" label="Your password" type="password" autocomplete="current-password" error={fieldError(em, 'password')} required />
            <button type="submit">Change email address</button>
          </form>
        </details>
      </section>
      <section class="card">
        <h2>Change password</h2>
        <FormError message={formMessage(pw)} />
        <form method="post" action="/settings/password" novalidate>
          <CsrfField token={s.csrfToken} />
          <Field name="current_password" label="Current password" type="password" autocomplete="current-password" error={fieldError(pw, 'current_password')} required />
          <Field name="new_password" label="New password" type="password" autocomplete="new-password" error={fieldError(pw, 'new_password')} required hint="At least 10 characters. Your other sessions are logged out." />
          <button type="submit">Change password</button>
        </form>
      </section>
    </>
  )
})

export const SecuritySettingsPage = template('settings.security', function SecuritySettingsPage(
  s: FormState & {
    enabled: boolean
    remainingCodes: number
    setup?: { secret: string; uri: string; qr: string }
    recoveryCodes?: string[]
    passkeys: PasskeyView[]
    passkeyProblem?: FormProblem & { passkey?: number }
  },
) {
  if (s.recoveryCodes) {
    return (
      <section class="card">
        <h2>Save your recovery codes</h2>
        <p>Each code logs you in once if you lose your phone. Store them somewhere safe: they are shown only now.</p>
        <ol class="codes" data-recovery-codes>
          {s.recoveryCodes.map((c) => (
            <li>{c}</li>
          ))}
        </ol>
        <a class="button" href="/settings/security">
          I saved them
        </a>
      </section>
    )
  }
  if (s.setup) {
    return (
      <section class="card">
        <h2>Set up two-factor authentication</h2>
        <p>Scan this code with an authenticator app (Aegis, Google Authenticator, 1Password...), then enter the 6-digit code it shows.</p>
        <div class="qr" dangerouslySetInnerHTML={{ __html: s.setup.qr }} />
        <p>
          Or enter this key by hand: <code data-totp-secret>{s.setup.secret}</code>
        </p>
        <FormError message={formMessage(s)} />
        <form method="post" action="/settings/security/2fa/confirm" novalidate>
          <CsrfField token={s.csrfToken} />
          <Field name="code" label="Code from the app" inputmode="numeric" autocomplete="one-time-code" maxLength={6} error={fieldError(s, 'code')} autofocus />
          <Field name="password" label="Your password" type="password" autocomplete="current-password" error={fieldError(s, 'password')} hint="To confirm it is you." />
          <div class="actions">
            <button type="submit">Turn on</button>
            <a href="/settings/security">Cancel</a>
          </div>
        </form>
      </section>
    )
  }
  return (
    <>
    <section class="card">
      <h2>Two-factor authentication</h2>
      {s.enabled ? (
        <>
          <p>
            <span class="badge badge-ok">On</span> You have {s.remainingCodes} unused recovery code{s.remainingCodes === 1 ? '' : 's'}.
          </p>
          <FormError message={formMessage(s)} />
          <form method="post" action="/settings/security/2fa/disable" novalidate>
            <CsrfField token={s.csrfToken} />
            <Field name="password" label="Password" type="password" autocomplete="current-password" error={fieldError(s, 'password')} />
            <Field name="code" label="Code from your app" inputmode="numeric" autocomplete="one-time-code" maxLength={6} error={fieldError(s, 'code')} />
            <button type="submit" class="danger">
              Turn off two-factor
            </button>
          </form>
        </>
      ) : (
        <>
          <p>Protect your account with a code from your phone in addition to your password.</p>
          <FormError message={formMessage(s)} />
          <form method="post" action="/settings/security/2fa/start">
            <CsrfField token={s.csrfToken} />
            <button type="submit">Set up two-factor</button>
          </form>
        </>
      )}
    </section>
    <PasskeysCard csrfToken={s.csrfToken} passkeys={s.passkeys} twoFactor={s.enabled} problem={s.passkeyProblem} />
    </>
  )
})

/** Who-is-it fields of the passkey forms (ids unique per form: several sit on one page). */
function ConfirmFields(props: { prefix: string; twoFactor: boolean; problem?: FormProblem }) {
  const err = (name: string) => props.problem?.fields[name]
  return (
    <>
      <div class={err('password') ? 'field field-invalid' : 'field'}>
        <label for={`${props.prefix}-password`}>Your password</label>
        <input id={`${props.prefix}-password`} name="password" type="password" autocomplete="current-password" required aria-invalid={err('password') ? 'true' : undefined} />
        {err('password') && <p class="error">{err('password')}</p>}
      </div>
      {props.twoFactor && (
        <div class={err('code') ? 'field field-invalid' : 'field'}>
          <label for={`${props.prefix}-code`}>Code from your authenticator app</label>
          <input id={`${props.prefix}-code`} name="code" inputmode="numeric" autocomplete="one-time-code" maxLength={6} aria-invalid={err('code') ? 'true' : undefined} />
          {err('code') && <p class="error">{err('code')}</p>}
        </div>
      )}
    </>
  )
}

/** Settings → Security: the member's passkeys, adding one (needs the browser's WebAuthn: /static/passkeys.js) and removing them. */
function PasskeysCard(s: { csrfToken: string; passkeys: PasskeyView[]; twoFactor: boolean; problem?: FormProblem & { passkey?: number } }) {
  const addProblem = s.problem && s.problem.passkey === undefined ? s.problem : undefined
  return (
    <section class="card" id="passkeys">
      <h2>Passkeys</h2>
      <p>Sign in with your fingerprint, face or device PIN instead of a password. A passkey that checks it is you also stands in for the two-factor code.</p>
      {s.passkeys.length ? (
        <ul class="stack passkeys" data-passkeys>
          {s.passkeys.map((p) => (
            <li data-passkey={p.id}>
              <strong>{p.name}</strong> {p.synced && <span class="badge">Synced</span>}
              <br />
              <span class="muted">
                Added {shortTime(p.created_at)} · {p.last_used_at ? `last used ${shortTime(p.last_used_at)}` : 'never used yet'}
              </span>
              <details open={s.problem?.passkey === p.id}>
                <summary>Remove</summary>
                <FormError message={s.problem?.passkey === p.id ? s.problem.message : null} />
                <form method="post" action={`/settings/security/passkeys/${p.id}/remove`} novalidate>
                  <CsrfField token={s.csrfToken} />
                  <ConfirmFields prefix={`pk-${p.id}`} twoFactor={s.twoFactor} problem={s.problem?.passkey === p.id ? s.problem : undefined} />
                  <button type="submit" class="danger">
                    Remove this passkey
                  </button>
                </form>
              </details>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">You have no passkeys yet.</p>
      )}
      <details open={!!addProblem}>
        <summary>Add a passkey</summary>
        <FormError message={addProblem?.message ?? null} />
        <form method="post" action="/settings/security/passkeys" novalidate data-passkey-add data-csrf={s.csrfToken}>
          <CsrfField token={s.csrfToken} />
          <div class="field">
            <label for="pk-name">Name</label>
            <input id="pk-name" name="name" maxLength={50} placeholder="My phone" aria-describedby="pk-name-hint" />
            <p class="hint" id="pk-name-hint">
              To tell your passkeys apart, for example the device it is on.
            </p>
          </div>
          <ConfirmFields prefix="pk-add" twoFactor={s.twoFactor} problem={addProblem} />
          <p class="error" role="alert" data-passkey-message />
          <button type="submit">Add a passkey</button>
        </form>
        <script src="/static/passkeys.js" defer />
      </details>
    </section>
  )
}

export function authPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { render, auth, users, settings, ui } = s

  async function startSession(c: Context<AppEnv>, token: string, expiresAt: string, next: string) {
    setAppCookie(c, SESSION_COOKIE, token, { expires: new Date(expiresAt) })
    deleteCookie(c, CHALLENGE_COOKIE, { path: '/' })
    return c.redirect(safeNext(next), 303)
  }

  const settingsPage = async (c: Context<AppEnv>, active: string, title: string, body: ComponentChildren, status = 200) =>
    render.page(c, { title, status }, <SettingsShell active={active} panels={ui.settingsPanels}>{body}</SettingsShell>)

  /** The form as this visitor may use it: open, or opened by a valid invite; with the reason box when sign-ups wait. */
  const registerForm = async (c: Context<AppEnv>, inviteCode: string | undefined, extra: { values?: Record<string, string>; problem?: FormProblem } = {}, status = 200) => {
    const invite = inviteCode ? await s.access.invite(inviteCode) : null
    const open = !!invite || (await settings.get('registration.open'))
    const proof = (await s.proofs.required()) ? JSON.stringify(await s.proofs.challenge()) : null
    const terms = await s.legal.signupTerms()
    const page = <RegisterPage csrfToken={c.get('csrfToken')} open={open} approval={await settings.get('registration.approval')} invite={invite?.code} proof={proof} terms={terms} {...extra} />
    return render.page(c, { title: 'Register', status: (inviteCode && !invite && !extra.problem ? 400 : status) as 400 }, inviteCode && !invite && !extra.problem ? <RegisterPage csrfToken={c.get('csrfToken')} open={false} problem={{ status: 400, message: 'This invite link is not valid any more. Ask for a new one.', fields: {} }} /> : page)
  }
  app.get('/register', async (c) => {
    if (c.get('viewer')) return c.redirect('/')
    return registerForm(c, c.req.query('invite'))
  })
  app.post('/register', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => auth.register(form, 'web', requestMeta(c)))
    if (!r.ok) {
      const values = { username: form.username ?? '', email: form.email ?? '', reason: form.reason ?? '' }
      return registerForm(c, form.invite || undefined, { values, problem: r.problem }, r.problem.status)
    }
    await s.mail.sendConfirmation(r.value.user.id, baseUrl(c, s.config.publicUrl), { quiet: true })
    if (!r.value.session) return render.page(c, { title: 'Thank you' }, <RegisterPage csrfToken={c.get('csrfToken')} open pending values={{ email: form.email ?? '' }} />)
    await s.emails.loginFrom(r.value.user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: false })
    flash(c, 'ok', `Welcome, @${r.value.user.username}!`)
    return startSession(c, r.value.session.token, r.value.session.expiresAt, '/')
  })

  app.get('/login', async (c) => {
    if (c.get('viewer')) return c.redirect(safeNext(c.req.query('next')))
    return render.page(c, { title: 'Log in' }, <LoginPage csrfToken={c.get('csrfToken')} next={safeNext(c.req.query('next'))} />)
  })
  app.post('/login', async (c) => {
    const form = await formFields(c)
    const next = safeNext(c.req.query('next'))
    const r = await attempt(() => auth.login({ login: form.login, password: form.password }, 'web', requestMeta(c)))
    if (!r.ok) {
      return render.page(c, { title: 'Log in', status: r.problem.status as 400 }, <LoginPage csrfToken={c.get('csrfToken')} next={next} values={{ login: form.login ?? '' }} problem={r.problem} />)
    }
    if (r.value.kind === 'challenge') {
      setAppCookie(c, CHALLENGE_COOKIE, r.value.challenge, { maxAge: 600 })
      return c.redirect(`/login/2fa${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, 303)
    }
    await s.emails.loginFrom(r.value.user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: true })
    flash(c, 'ok', `Welcome back, @${r.value.user.username}.`)
    return startSession(c, r.value.session.token, r.value.session.expiresAt, next)
  })

  app.get('/login/2fa', async (c) => {
    if (!getCookie(c, CHALLENGE_COOKIE)) return c.redirect('/login')
    return render.page(c, { title: 'Two-factor check' }, <TwoFactorPage csrfToken={c.get('csrfToken')} next={safeNext(c.req.query('next'))} />)
  })
  app.post('/login/2fa', async (c) => {
    const form = await formFields(c)
    const next = safeNext(c.req.query('next'))
    const challenge = getCookie(c, CHALLENGE_COOKIE) ?? ''
    const r = await attempt(() => auth.completeChallenge(challenge, { code: form.code, recovery_code: form.recovery_code }, requestMeta(c)))
    if (!r.ok) {
      if (r.problem.status === 401 || r.problem.status === 429) {
        deleteCookie(c, CHALLENGE_COOKIE, { path: '/' })
        flash(c, 'error', r.problem.message)
        return c.redirect('/login', 303)
      }
      return render.page(c, { title: 'Two-factor check', status: r.problem.status as 400 }, <TwoFactorPage csrfToken={c.get('csrfToken')} next={next} problem={r.problem} />)
    }
    await s.emails.loginFrom(r.value.user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: true })
    flash(c, 'ok', `Welcome back, @${r.value.user.username}.`)
    return startSession(c, r.value.session.token, r.value.session.expiresAt, next)
  })

  // ---- Signing in with a passkey (JSON for /static/passkeys.js; the API has its own in api.ts)
  const rp = async (c: Context<AppEnv>) => relyingParty(baseUrl(c, s.config.publicUrl), await settings.get('site.name'))
  const pendingFor = async (c: Context<AppEnv>) => ((await c.req.json().catch(() => ({}))) as { second_factor?: unknown; credential?: unknown })
  app.post('/login/passkey/options', async (c) => {
    const body = await pendingFor(c)
    const r = await attempt(async () => auth.passkeyLoginOptions(await rp(c), requestMeta(c), body.second_factor ? (getCookie(c, CHALLENGE_COOKIE) ?? '') : undefined))
    return r.ok ? c.json({ options: r.value }) : c.json({ error: { message: r.problem.message } }, r.problem.status as 400)
  })
  app.post('/login/passkey', async (c) => {
    const body = await pendingFor(c)
    const next = safeNext(c.req.query('next'))
    const pending = body.second_factor ? (getCookie(c, CHALLENGE_COOKIE) ?? '') : undefined
    const r = await attempt(async () => auth.passkeyLogin(await rp(c), body.credential, 'web', requestMeta(c), pending))
    if (!r.ok) return c.json({ error: { message: r.problem.message } }, r.problem.status as 400)
    // A passkey that did not verify the user, on a 2FA account: on to the code, as after a password.
    if (r.value.kind === 'challenge') {
      setAppCookie(c, CHALLENGE_COOKIE, r.value.challenge, { maxAge: 600 })
      return c.json({ redirect: `/login/2fa${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}` })
    }
    await s.emails.loginFrom(r.value.user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: true })
    flash(c, 'ok', `Welcome back, @${r.value.user.username}.`)
    setAppCookie(c, SESSION_COOKIE, r.value.session.token, { expires: new Date(r.value.session.expiresAt) })
    deleteCookie(c, CHALLENGE_COOKIE, { path: '/' })
    return c.json({ redirect: next })
  })

  app.post('/logout', async (c) => {
    const token = c.get('sessionToken')
    const viewer = c.get('viewer')
    if (token && viewer) await auth.logout(token, viewer.id)
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    flash(c, 'info', 'You are logged out.')
    return c.redirect('/', 303)
  })

  // ---- Settings (members only)
  app.use('/settings', requireMember)
  app.use('/settings/*', requireMember)
  app.get('/settings', (c) => c.redirect('/settings/account'))

  const accountPage = async (c: Context<AppEnv>, extra: { values?: Record<string, string>; problem?: FormProblem; passwordProblem?: FormProblem; emailProblem?: FormProblem; emailValue?: string } = {}) => {
    const me = c.get('account')!
    const status = extra.problem?.status ?? extra.passwordProblem?.status ?? extra.emailProblem?.status ?? 200
    const confirmations = (await s.mail.configured()) && (await settings.get('registration.email_confirmation')) !== 'off'
    return settingsPage(
      c,
      'account',
      'Account settings',
      <AccountSettingsPage csrfToken={c.get('csrfToken')} displayName={me.display_name} username={me.username} email={me.email} emailConfirmed={!!me.email_verified_at} confirmations={confirmations} {...extra} />,
      status,
    )
  }
  app.get('/settings/account', (c) => accountPage(c))
  app.post('/settings/account', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => users.setDisplayName(c.get('viewer')!.id, form.display_name ?? ''))
    if (!r.ok) return accountPage(c, { values: { display_name: form.display_name ?? '' }, problem: r.problem })
    flash(c, 'ok', 'Your profile is saved.')
    return c.redirect('/settings/account', 303)
  })
  app.post('/settings/email', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => s.mail.requestEmailChange(c.get('viewer')!.id, { email: form.email, password: form.password }, baseUrl(c, s.config.publicUrl)))
    if (!r.ok) return accountPage(c, { emailProblem: r.problem, emailValue: form.email ?? '' })
    flash(c, 'ok', r.value.pending ? `We sent a link to ${form.email?.trim()}: your address changes when you use it.` : 'Your email address is changed.')
    return c.redirect('/settings/account', 303)
  })
  app.post('/settings/password', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => users.changePassword(c.get('viewer')!.id, form.current_password ?? '', form.new_password ?? '', c.get('sessionToken') ?? undefined))
    if (!r.ok) return accountPage(c, { passwordProblem: r.problem })
    flash(c, 'ok', 'Your password is changed. Your other sessions were logged out.')
    return c.redirect('/settings/account', 303)
  })

  const securityPage = async (c: Context<AppEnv>, extra: { problem?: FormProblem; setup?: { secret: string; uri: string; qr: string }; recoveryCodes?: string[]; passkeyProblem?: FormProblem & { passkey?: number } } = {}) => {
    const me = (await users.findRow(c.get('viewer')!.id))!
    return settingsPage(
      c,
      'security',
      'Security',
      <SecuritySettingsPage csrfToken={c.get('csrfToken')} enabled={twoFactorEnabled(me)} remainingCodes={await remainingRecoveryCodes(s.db, me.id)} passkeys={await auth.passkeys.list(me.id)} {...extra} />,
      extra.problem?.status ?? extra.passkeyProblem?.status ?? 200,
    )
  }
  app.get('/settings/security', (c) => securityPage(c))
  app.post('/settings/security/2fa/start', async (c) => {
    const r = await attempt(() => auth.beginTwoFactor(c.get('viewer')!.id))
    return r.ok ? securityPage(c, { setup: r.value }) : securityPage(c, { problem: r.problem })
  })
  app.post('/settings/security/2fa/confirm', async (c) => {
    const form = await formFields(c)
    const viewer = c.get('viewer')!
    const r = await attempt(() => auth.confirmTwoFactor(viewer.id, { code: form.code, password: form.password }))
    if (!r.ok) {
      const me = (await users.findRow(viewer.id))!
      if (!me.totp_pending_secret) return securityPage(c, { problem: r.problem })
      const setup = await attempt(async () => {
        const uri = totpFor(me.totp_pending_secret!, me.username, await settings.get('site.name')).toString()
        return { secret: me.totp_pending_secret!, uri, qr: await qrSvg(uri) }
      })
      return securityPage(c, { problem: r.problem, setup: setup.ok ? setup.value : undefined })
    }
    flash(c, 'ok', 'Two-factor authentication is on.')
    return securityPage(c, { recoveryCodes: r.value })
  })
  app.post('/settings/security/2fa/disable', async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => auth.disableTwoFactor(c.get('viewer')!.id, form))
    if (!r.ok) return securityPage(c, { problem: r.problem })
    flash(c, 'ok', 'Two-factor authentication is off.')
    return c.redirect('/settings/security', 303)
  })
  // Adding a passkey is the browser's work (/static/passkeys.js and the API); without a script the form says so.
  app.post('/settings/security/passkeys', (c) =>
    securityPage(c, { passkeyProblem: { status: 400, message: 'Adding a passkey needs JavaScript and a browser that supports passkeys.', fields: {} } }),
  )
  app.post('/settings/security/passkeys/:id/remove', async (c) => {
    const id = idParam(c, 'id', 'That passkey')
    const r = await attempt(async () => auth.removePasskey(c.get('viewer')!.id, id, await formFields(c)))
    if (!r.ok) return securityPage(c, { passkeyProblem: { ...r.problem, passkey: id } })
    flash(c, 'ok', 'The passkey is removed. Remove it from your device or password manager too.')
    return c.redirect('/settings/security', 303)
  })

  // ---- Plugin settings panels
  const panelPage = async (c: Context<AppEnv>, message?: string, status = 200) => {
    const panel = ui.settingsPanels.find((p) => p.id === c.req.param('panel'))
    if (!panel) return null
    const body = await panel.render({ viewer: c.get('viewer')!, csrfToken: c.get('csrfToken'), message })
    return settingsPage(c, panel.id, panel.label, body, status)
  }
  // Plugin panels; other /settings pages (the profile) are served by their own modules.
  app.get('/settings/:panel', async (c, next) => (await panelPage(c)) ?? next())
  app.post('/settings/:panel', async (c, next) => {
    const panel = ui.settingsPanels.find((p) => p.id === c.req.param('panel'))
    if (!panel) return next()
    if (!panel.save) return c.notFound()
    const form = await formFields(c)
    const r = await attempt(() => panel.save!({ viewer: c.get('viewer')!, form }))
    if (!r.ok) return (await panelPage(c, r.problem.message, r.problem.status))!
    if (r.value) flash(c, 'ok', r.value)
    return c.redirect(`/settings/${panel.id}`, 303)
  })

  return app
}
