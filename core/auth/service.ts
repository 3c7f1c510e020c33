// Logging in and out, registering, and two-factor setup: the rules shared by the pages and the JSON API.
import { z } from 'zod'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now, type UserRow } from '../db/schema.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { SettingsService } from '../settings/service.js'
import { parse } from '../validation.js'
import { codeInput, loginInput, registerInput } from '../users/inputs.js'
import { toPublicUser, type UsersService } from '../users/service.js'
import { DELETION_PENDING, type PublicUser } from '../users/types.js'
import { hashPassword, verifyPassword } from '../users/passwords.js'
import { clientKey, RateLimiter } from './rate-limit.js'
import {
  createLoginChallenge,
  createSession,
  deleteLoginChallenge,
  deleteSession,
  findLoginChallenge,
  takeChallengeAttempt,
  type NewSession,
} from '../users/sessions.js'
import { checkTotp, newRecoveryCodes, newTotpSecret, qrSvg, totpFor, twoFactorEnabled, useRecoveryCode } from './two-factor.js'
import type { ContentPolicy } from '../policy/service.js'
import { signupRefused, type AccessService } from '../access/service.js'
import type { Proofs } from '../access/proof.js'
import { createPasskeys, type RelyingParty } from './passkeys.js'

export interface RequestMeta {
  ip: string
  userAgent: string | null
}

export type LoginResult =
  | { kind: 'session'; session: NewSession; user: PublicUser }
  | { kind: 'challenge'; challenge: string; user: PublicUser }

export type AuthService = ReturnType<typeof createAuthService>

// Compared against when the login names nobody, so a miss takes as long as a wrong password.
let dummyHash: Promise<string> | null = null

/** The login-failure counter of an account (by id, so username and email share it), or of an unknown name. */
const accountLimitKey = (user: UserRow | undefined, login: string) => (user ? `login:user:${user.id}` : `login:name:${login.toLowerCase()}`)

/** The operator's terms (core/legal) as sign-up uses them: what must be accepted, and recording it. */
export interface SignupTerms {
  revision(): Promise<number>
  accept(userId: number): Promise<void>
}

export function createAuthService(deps: { db: Db; users: UsersService; settings: SettingsService; hooks: HookRegistry; limiter: RateLimiter; policy?: ContentPolicy; access?: AccessService; proofs?: Proofs; legal?: SignupTerms }) {
  const { db, users, settings, hooks, limiter, policy, access, proofs, legal } = deps
  const passkeys = createPasskeys(db)

  async function startSession(user: UserRow, kind: 'web' | 'api', meta: RequestMeta): Promise<NewSession> {
    const days = await settings.get('auth.session_days')
    const session = await createSession(db, user.id, kind, { ip: meta.ip, userAgent: meta.userAgent, days })
    await hooks.emit('action:user.logged-in', { user: toPublicUser(user), via: kind })
    return session
  }

  function assertNotSuspended(user: UserRow): void {
    if (user.approval === 'pending') throw new AppError(403, 'ACCOUNT_PENDING', 'Your sign-up is waiting for an admin’s approval. You can log in once it is approved.')
    if (user.approval === 'rejected') throw new AppError(403, 'ACCOUNT_REJECTED', 'Your sign-up was not approved.')
    // Hidden while a deletion they asked for waits: signing in is how they take it back (core/account).
    if (user.suspended_at && user.deletion_due_at && user.suspended_reason === DELETION_PENDING) return
    if (user.suspended_at) {
      const until = user.suspended_until ? ` until ${user.suspended_until.replace('T', ' ').slice(0, 16)} UTC` : ''
      throw new AppError(403, 'ACCOUNT_SUSPENDED', `Your account is suspended${until}: ${user.suspended_reason ?? 'no reason was given'}.`, {
        reason: user.suspended_reason,
        since: user.suspended_at,
        until: user.suspended_until,
      })
    }
  }

  /** Check a second factor: a TOTP code or a recovery code. Records the step so a code works once. */
  async function secondFactorOk(user: UserRow, code: string | undefined, recovery: string | undefined): Promise<boolean> {
    if (recovery) return useRecoveryCode(db, user.id, recovery)
    if (!code || !user.totp_secret) return false
    const step = checkTotp(user.totp_secret, code, user.totp_last_step)
    if (step === null) return false
    const r = await db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', user.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst()
    return Number(r.numUpdatedRows) === 1
  }

  /**
   * The member at the keyboard is the account's owner: their password, and when 2FA is on a current code (or a
   * recovery code) too, as turning 2FA off asks. Adding or removing a passkey needs it.
   */
  async function confirmIdentity(userId: number, input: { password?: unknown; code?: unknown; recovery_code?: unknown }): Promise<void> {
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)
    await users.checkPassword(userId, str(input.password))
    const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
    if (twoFactorEnabled(user) && !(await secondFactorOk(user, str(input.code), str(input.recovery_code)))) {
      throw validationFailed({ code: 'Enter the current code from your authenticator app (or a recovery code).' })
    }
  }

  /** Clear a member's TOTP secret and recovery codes, audited as `action`; staff's reset removes passkeys too (how many). */
  async function turnOffTwoFactor(userId: number, actorId: number | null, action: string): Promise<number> {
    // Staff's reset is for a member who lost their devices: their passkeys go with the app's secret.
    const removedPasskeys = action === 'user.2fa.reset' ? await passkeys.removeAll(userId) : 0
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ totp_secret: null, totp_pending_secret: null, totp_enabled_at: null, totp_last_step: null })
        .where('id', '=', userId)
        .execute()
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
    })
    await audit(db, { actorId, action, targetType: 'user', targetId: userId, ...(action === 'user.2fa.reset' && { details: { passkeys_removed: removedPasskeys } }) })
    await hooks.emit('action:user.two-factor-changed', { userId, enabled: false })
    return removedPasskeys
  }

  /**
   * Passkey sign-ins count per address like password ones. Options are asked by every login page (the autofill), so
   * they get four times the allowance: enough for busy shared addresses, still a bound on the challenges stored.
   */
  async function passkeyLimit(meta: RequestMeta, step: 'options' | 'login'): Promise<void> {
    const limit = await settings.get('auth.login.ip_limit')
    limiter.hit(`passkey-${step}:ip:${clientKey(meta.ip)}`, step === 'options' ? limit * 4 : limit, await settings.get('auth.login.window_seconds'))
  }

  return {
    /**
     * Log in with username or email and password. Rate limited per IP and per account.
     * Web logins of 2FA members get a challenge; API logins must send `totp_code` or `recovery_code`.
     */
    async login(input: unknown, kind: 'web' | 'api', meta: RequestMeta): Promise<LoginResult> {
      const data = parse(loginInput, input)
      const window = await settings.get('auth.login.window_seconds')
      limiter.hit(`login:ip:${clientKey(meta.ip)}`, await settings.get('auth.login.ip_limit'), window)
      // A deleted account's tombstone answers like no account at all.
      const found = await users.findByLogin(data.login)
      const user = found?.deleted_at ? undefined : found
      // One counter per account whether it is named by username or email. The attempt is counted
      // before the slow hash, so parallel guesses cannot all slip under the limit; success gives it back.
      const accountKey = accountLimitKey(user, data.login)
      limiter.hit(accountKey, await settings.get('auth.login.account_limit'), window)
      const ok = user ? await verifyPassword(data.password, user.password_hash) : await verifyPassword(data.password, await (dummyHash ??= hashPassword('not-a-real-password')))
      if (!user || !ok) throw new AppError(401, 'UNAUTHENTICATED', 'That username or email and password do not match.')
      assertNotSuspended(user)

      if (twoFactorEnabled(user)) {
        if (!data.totp_code && !data.recovery_code) {
          // The right password is not a failure: give its attempt back. Only wrong passwords and codes lock.
          limiter.release(accountKey)
          if (kind === 'web') return { kind: 'challenge', challenge: await createLoginChallenge(db, user.id), user: toPublicUser(user) }
          throw new AppError(401, 'TWO_FACTOR_REQUIRED', 'This account uses two-factor authentication: send totp_code or recovery_code.', {
            fields: { totp_code: 'Enter the 6-digit code from your app.' },
          })
        }
        if (!(await secondFactorOk(user, data.totp_code, data.recovery_code))) {
          throw new AppError(401, 'UNAUTHENTICATED', 'That two-factor code is not right.', { fields: { totp_code: 'That code is not right.' } })
        }
      }
      limiter.reset(accountKey)
      return { kind: 'session', session: await startSession(user, kind, meta), user: toPublicUser(user) }
    },

    /** Finish a web login with a TOTP code or a recovery code. */
    async completeChallenge(challenge: string, input: { code?: string; recovery_code?: string }, meta: RequestMeta): Promise<{ session: NewSession; user: PublicUser }> {
      const window = await settings.get('auth.login.window_seconds')
      limiter.hit(`two-factor:ip:${clientKey(meta.ip)}`, await settings.get('auth.login.ip_limit'), window)
      const pending = await findLoginChallenge(db, challenge)
      if (!pending) throw new AppError(401, 'UNAUTHENTICATED', 'This login has expired. Enter your password again.')
      const user = await db.selectFrom('users').selectAll().where('id', '=', pending.user_id).executeTakeFirst()
      if (!user) throw new AppError(401, 'UNAUTHENTICATED', 'This login has expired. Enter your password again.')
      assertNotSuspended(user)
      const code = input.code?.trim() || undefined
      const recovery = input.recovery_code?.trim() || undefined
      if (!code && !recovery) throw validationFailed({ code: 'Enter the 6-digit code from your app, or a recovery code.' })
      // Take an attempt before checking, so parallel guesses on one challenge cannot exceed the limit,
      // and count it against the account too, so fresh challenges do not reset the budget.
      const limit = await settings.get('auth.two_factor.attempt_limit')
      const tooMany = async () => {
        await deleteLoginChallenge(db, challenge)
        return new AppError(429, 'RATE_LIMITED', 'Too many wrong codes. Log in again from the start.', { retry_after: 0 })
      }
      const used = await takeChallengeAttempt(db, challenge, limit)
      if (used === null) throw await tooMany()
      const accountKey = accountLimitKey(user, user.username)
      limiter.hit(accountKey, await settings.get('auth.login.account_limit'), window)
      if (!(await secondFactorOk(user, code, recovery))) {
        if (used >= limit) throw await tooMany()
        throw validationFailed({ code: 'That code is not right. Check your app and try again.' })
      }
      limiter.reset(accountKey)
      await deleteLoginChallenge(db, challenge)
      return { session: await startSession(user, 'web', meta), user: toPublicUser(user) }
    },

    /** Register a new member; refused when registration is closed or a plugin's filter says no. */
    async register(input: unknown, kind: 'web' | 'api', meta: RequestMeta): Promise<{ user: PublicUser; session: NewSession | null }> {
      limiter.hit(`register:ip:${clientKey(meta.ip)}`, await settings.get('auth.register.ip_limit'), 3600)
      const raw = (input ?? {}) as { invite?: unknown; reason?: unknown; proof?: unknown; accept_terms?: unknown }
      await proofs?.check(raw.proof)
      // An invite link opens a closed community and skips the wait for approval.
      const invite = raw.invite !== undefined && raw.invite !== '' ? await access?.invite(raw.invite) : null
      if (invite === null && raw.invite !== undefined && raw.invite !== '') throw validationFailed({ invite: 'This invite link is not valid any more. Ask for a new one.' })
      if (!invite && !(await settings.get('registration.open'))) throw new AppError(403, 'FORBIDDEN', 'Registration is closed on this community.')
      const data = parse(registerInput, input)
      const blocked = await access?.signupBlock({ ip: meta.ip ?? '', email: data.email, username: data.username })
      if (blocked === 'refuse') throw signupRefused()
      const waits = blocked === 'approval' || (!invite && (await settings.get('registration.approval')))
      const reason = typeof raw.reason === 'string' ? raw.reason.trim() : ''
      if (waits && !reason) throw validationFailed({ reason: 'Tell the admins in a few words why you want to join.' })
      if (reason.length > 1000) throw validationFailed({ reason: 'Say it in at most 1000 characters.' })
      // The operator's terms and rules (core/legal), when published: accepted with a checkbox, recorded with the account.
      const terms = (await legal?.revision()) ?? 0
      if (terms > 0 && raw.accept_terms !== true && raw.accept_terms !== 'on') throw validationFailed({ accept_terms: 'Accept the terms and the community rules to join.' })
      const allowed = await hooks.apply('filter:user.registration.allowed', true, { username: data.username, email: data.email, ip: meta.ip })
      if (!allowed) throw new AppError(403, 'FORBIDDEN', 'Registration was refused.')
      const checked = { surface: 'username', authorId: null, text: data.username }
      const verdict = await policy?.enforce(checked).catch((err: unknown) => {
        // The rule's message is about the name: shown on the username field.
        if (err instanceof AppError && err.code === 'REFUSED_BY_POLICY') throw new AppError(422, 'REFUSED_BY_POLICY', err.message, { fields: { username: err.message } })
        throw err
      })
      if (invite) await access!.useInvite(invite.id)
      let user: PublicUser
      try {
        user = await users.create(data)
      } catch (err) {
        if (invite) await access!.returnInvite(invite.id)
        throw err
      }
      if (invite) await db.updateTable('users').set({ invite_id: invite.id }).where('id', '=', user.id).execute()
      if (terms > 0) await legal!.accept(user.id)
      if (verdict) await policy?.flagSaved(verdict, checked, { type: 'user', id: user.id })
      // A rule's hold on the name makes the sign-up wait for staff, as approval mode does (released from the queue).
      if (waits || verdict?.hold) {
        await access!.holdForApproval(user.id, reason)
        return { user, session: null }
      }
      const row = (await users.findRow(user.id))!
      return { user, session: await startSession(row, kind, meta) }
    },

    async logout(token: string, userId: number): Promise<void> {
      await deleteSession(db, token)
      await hooks.emit('action:user.logged-out', { userId })
    },

    /** Step 1 of turning on 2FA: a new pending secret, its otpauth URI and a QR code (SVG). */
    async beginTwoFactor(userId: number): Promise<{ secret: string; uri: string; qr: string }> {
      const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
      if (twoFactorEnabled(user)) throw new AppError(409, 'CONFLICT', 'Two-factor authentication is already on.')
      const secret = newTotpSecret()
      await db.updateTable('users').set({ totp_pending_secret: secret }).where('id', '=', userId).execute()
      const uri = totpFor(secret, user.username, await settings.get('site.name')).toString()
      return { secret, uri, qr: await qrSvg(uri) }
    },

    /** Step 2: prove the app works with one code; 2FA turns on and recovery codes are returned once. */
    async confirmTwoFactor(userId: number, input: unknown): Promise<string[]> {
      const { code, password } = parse(codeInput.extend({ password: z.string().optional() }), input)
      // A stolen session must not be able to lock the owner out by turning 2FA on.
      await users.checkPassword(userId, password)
      const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
      if (twoFactorEnabled(user)) throw new AppError(409, 'CONFLICT', 'Two-factor authentication is already on.')
      if (!user.totp_pending_secret) throw new AppError(409, 'CONFLICT', 'Start the two-factor setup first.')
      const step = checkTotp(user.totp_pending_secret, code, null)
      if (step === null) throw validationFailed({ code: 'That code is not right. Check the time on your phone and try again.' })
      // The set-up code proves the app works; it is not a sign-in. Marking its step used refused the code the app
      // still shows at the first sign-in that follows (for up to 30 s), so only steps before it are spent.
      await db
        .updateTable('users')
        .set({ totp_secret: user.totp_pending_secret, totp_pending_secret: null, totp_enabled_at: now(), totp_last_step: step - 1 })
        .where('id', '=', userId)
        .execute()
      const codes = await newRecoveryCodes(db, userId)
      await audit(db, { actorId: userId, action: 'user.2fa.enable', targetType: 'user', targetId: userId })
      await hooks.emit('action:user.two-factor-changed', { userId, enabled: true })
      return codes
    },

    /** Turn 2FA off; needs the password and a current code (or a recovery code). */
    async disableTwoFactor(userId: number, input: { password?: string; code?: string; recovery_code?: string }): Promise<void> {
      const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
      if (!twoFactorEnabled(user)) throw new AppError(409, 'CONFLICT', 'Two-factor authentication is not on.')
      await users.checkPassword(userId, input.password)
      if (!(await secondFactorOk(user, input.code?.trim() || undefined, input.recovery_code?.trim() || undefined))) {
        throw validationFailed({ code: 'That code is not right.' })
      }
      await turnOffTwoFactor(userId, userId, 'user.2fa.disable')
    },

    // ---- Passkeys (core/auth/passkeys.ts): added and removed by their owner after proving it is them.

    passkeys,

    /** Step 1 of adding a passkey: the member proves it is them; the browser gets options for a new credential. */
    async passkeyRegistrationOptions(userId: number, rp: RelyingParty, input: Record<string, unknown>) {
      await confirmIdentity(userId, input)
      const user = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', '=', userId).executeTakeFirstOrThrow()
      return passkeys.registrationOptions(user, rp)
    },

    /** Step 2: the credential the browser made, checked against that single-use challenge, kept under its name. */
    async addPasskey(userId: number, rp: RelyingParty, input: Record<string, unknown>) {
      const added = await passkeys.register(userId, rp, input.name, input.credential)
      await audit(db, { actorId: userId, action: 'user.passkey.add', targetType: 'user', targetId: userId, details: { passkey: added.id, name: added.name } })
      return added
    },

    async removePasskey(userId: number, id: number, input: Record<string, unknown>): Promise<void> {
      await confirmIdentity(userId, input)
      await passkeys.remove(userId, id)
      await audit(db, { actorId: userId, action: 'user.passkey.remove', targetType: 'user', targetId: userId, details: { passkey: id } })
    },

    /**
     * Options for signing in with a passkey: any passkey of this site (the login page), or, with the web login's
     * pending two-factor challenge, the member's own passkeys as their second factor.
     */
    async passkeyLoginOptions(rp: RelyingParty, meta: RequestMeta, pendingChallenge?: string) {
      await passkeyLimit(meta, 'options')
      if (pendingChallenge !== undefined) {
        const pending = await findLoginChallenge(db, pendingChallenge)
        if (!pending) throw new AppError(401, 'UNAUTHENTICATED', 'This login has expired. Enter your password again.')
        return passkeys.authenticationOptions(rp, 'second-factor', pending.user_id)
      }
      return passkeys.authenticationOptions(rp, 'login')
    },

    /**
     * Sign in with a passkey. A user-verified passkey (PIN or biometric on the device) is two factors in itself; one
     * that only proved presence leaves a 2FA account at the code step (web) or TWO_FACTOR_REQUIRED (API). With the
     * pending challenge of a password login, the passkey is that login's second factor.
     */
    async passkeyLogin(rp: RelyingParty, credential: unknown, kind: 'web' | 'api', meta: RequestMeta, pendingChallenge?: string): Promise<LoginResult> {
      await passkeyLimit(meta, 'login')
      const pending = pendingChallenge !== undefined ? await findLoginChallenge(db, pendingChallenge) : null
      if (pendingChallenge !== undefined && !pending) throw new AppError(401, 'UNAUTHENTICATED', 'This login has expired. Enter your password again.')
      const checked = await passkeys.authenticate(rp, pending ? 'second-factor' : 'login', credential)
      if (pending && checked.userId !== pending.user_id) throw new AppError(401, 'UNAUTHENTICATED', 'That passkey is not one of this account’s.')
      const user = await db.selectFrom('users').selectAll().where('id', '=', checked.userId).executeTakeFirst()
      if (!user || user.deleted_at) throw new AppError(401, 'UNAUTHENTICATED', 'That passkey could not be checked. Try again, or sign in with your password.')
      assertNotSuspended(user)
      if (pending) {
        await deleteLoginChallenge(db, pendingChallenge!)
      } else if (twoFactorEnabled(user) && !checked.userVerified) {
        if (kind === 'web') return { kind: 'challenge', challenge: await createLoginChallenge(db, user.id), user: toPublicUser(user) }
        throw new AppError(401, 'TWO_FACTOR_REQUIRED', 'This passkey did not verify you (no PIN or biometric) and the account uses two-factor: sign in with the password and a code.')
      }
      limiter.reset(accountLimitKey(user, user.username))
      return { kind: 'session', session: await startSession(user, kind, meta), user: toPublicUser(user) }
    },

    /** Admin escape hatch for a member who lost their phone and codes (`hearth user reset-2fa`): their passkeys go too; how many. */
    async resetTwoFactor(userId: number, actorId: number | null): Promise<number> {
      if (!(await db.selectFrom('users').select('id').where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst())) throw notFound('That member')
      return turnOffTwoFactor(userId, actorId, 'user.2fa.reset')
    },
  }
}
