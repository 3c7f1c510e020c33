// JSON API for accounts: register, login (bearer tokens), logout, me, profiles, password and two-factor.
import { Hono } from 'hono'
import { deleteCookie } from 'hono/cookie'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { requestMeta } from '../http/forms.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import { changePasswordInput } from '../users/inputs.js'
import { toPrivateUser } from '../users/service.js'
import { parse } from '../validation.js'
import { jsonBody } from '../http/json.js'
import { SESSION_COOKIE } from '../users/sessions.js'
import { baseUrl } from '../views/meta.js'
import { relyingParty } from './passkeys.js'
import type { Context } from 'hono'
import { idParam } from '../http/params.js'


export function usersApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { auth, users } = s

  // A proof-of-work challenge for sign-up or password reset, when the community asks for one (else null). Before
  // any /users/:id route.
  app.get('/users/proof-challenge', async (c) => ok(c, (await s.proofs.required()) ? await s.proofs.challenge() : null))

  app.post('/users/register', async (c) => {
    const { user, session } = await auth.register(await jsonBody(c), 'api', requestMeta(c))
    await s.mail.sendConfirmation(user.id, baseUrl(c, s.config.publicUrl), { quiet: true })
    // Waiting for an admin: no session until they approve.
    if (!session) return ok(c, { user, pending: true }, 201)
    await s.emails.loginFrom(user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: false })
    return ok(c, { user, token: session.token, token_type: 'Bearer', expires_at: session.expiresAt }, 201)
  })

  app.post('/users/login', async (c) => {
    const result = await auth.login(await jsonBody(c), 'api', requestMeta(c))
    if (result.kind !== 'session') throw new AppError(401, 'TWO_FACTOR_REQUIRED', 'Send totp_code or recovery_code.')
    await s.emails.loginFrom(result.user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: true })
    return ok(c, { token: result.session.token, token_type: 'Bearer', expires_at: result.session.expiresAt, user: result.user })
  })

  app.post('/users/logout', requireMember, async (c) => {
    await auth.logout(c.get('sessionToken')!, c.get('viewer')!.id)
    if (c.get('authVia') === 'cookie') deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return ok(c, { logged_out: true })
  })

  app.get('/users/me', requireMember, (c) => ok(c, toPrivateUser(c.get('account')!)))

  app.put('/users/me/password', requireMember, async (c) => {
    const input = parse(changePasswordInput, await jsonBody(c))
    await users.changePassword(c.get('viewer')!.id, input.current_password, input.new_password, c.get('sessionToken') ?? undefined)
    return ok(c, { changed: true })
  })

  app.post('/users/me/2fa/setup', requireMember, async (c) => {
    const { secret, uri } = await auth.beginTwoFactor(c.get('viewer')!.id)
    return ok(c, { secret, otpauth_url: uri })
  })
  app.post('/users/me/2fa/enable', requireMember, async (c) => {
    const codes = await auth.confirmTwoFactor(c.get('viewer')!.id, await jsonBody(c))
    return ok(c, { enabled: true, recovery_codes: codes })
  })
  app.post('/users/me/2fa/disable', requireMember, async (c) => {
    const body = await jsonBody(c)
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
    await auth.disableTwoFactor(c.get('viewer')!.id, { password: str(body.password), code: str(body.code), recovery_code: str(body.recovery_code) })
    return ok(c, { enabled: false })
  })

  // ---- Passkeys (WebAuthn): see docs/api.md. The relying party is this site as core links to it (HEARTH_PUBLIC_URL).
  const rp = async (c: Context<AppEnv>) => relyingParty(baseUrl(c, s.config.publicUrl), await s.settings.get('site.name'))

  app.post('/users/passkeys/login-options', async (c) => ok(c, { options: await auth.passkeyLoginOptions(await rp(c), requestMeta(c)) }))
  app.post('/users/passkeys/login', async (c) => {
    const body = await jsonBody(c)
    const result = await auth.passkeyLogin(await rp(c), body.credential, 'api', requestMeta(c))
    if (result.kind !== 'session') throw new AppError(401, 'TWO_FACTOR_REQUIRED', 'Sign in with the password and a code.')
    await s.emails.loginFrom(result.user.id, requestMeta(c), baseUrl(c, s.config.publicUrl), { alert: true })
    return ok(c, { token: result.session.token, token_type: 'Bearer', expires_at: result.session.expiresAt, user: result.user })
  })
  app.get('/users/me/passkeys', requireMember, async (c) => ok(c, await auth.passkeys.list(c.get('viewer')!.id)))
  app.post('/users/me/passkeys/options', requireMember, async (c) => ok(c, { options: await auth.passkeyRegistrationOptions(c.get('viewer')!.id, await rp(c), await jsonBody(c)) }))
  app.post('/users/me/passkeys', requireMember, async (c) => ok(c, await auth.addPasskey(c.get('viewer')!.id, await rp(c), await jsonBody(c)), 201))
  app.patch('/users/me/passkeys/:id', requireMember, async (c) => ok(c, await auth.passkeys.rename(c.get('viewer')!.id, idParam(c, 'id', 'That passkey'), (await jsonBody(c)).name)))
  app.delete('/users/me/passkeys/:id', requireMember, async (c) => {
    await auth.removePasskey(c.get('viewer')!.id, idParam(c, 'id', 'That passkey'), await jsonBody(c))
    return ok(c, { removed: true })
  })

  return app
}
