// Email: the sending job, the one-use tokens of emailed links, and the flows built on them (confirming an
// address, resetting a forgotten password, changing the address). Why it works this way: decision 036.
import { createHash, randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { audit } from '../audit.js'
import { AppError, validationFailed } from '../errors.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { RateLimiter } from '../auth/rate-limit.js'
import type { SettingsService } from '../settings/service.js'
import type { UsersService } from '../users/service.js'
import type { UserRow } from '../db/schema.js'
import { passwordProblem } from '../users/passwords.js'
import { email as emailInput } from '../users/inputs.js'
import { parse } from '../validation.js'
import { z } from 'zod'
import { composeMail, type MailContent, type MailMessage } from './messages.js'
import { mailSettings, sendMail } from './transport.js'
import type { EmailTokenPurpose } from './tables.js'
import type { Proofs } from '../access/proof.js'

export const SEND_JOB = 'mail.send'

/** How long each kind of emailed link works. */
export const TOKEN_MINUTES: Record<EmailTokenPurpose, number> = { verify: 3 * 24 * 60, reset: 60, change: 24 * 60 }

/** Password-reset emails per address and per client address per hour, so the form cannot flood an inbox. */
export const RESET_LIMITS = { perEmail: 3, perIp: 10, windowSeconds: 3600 }
/** Confirmation and address-change emails a member may ask for per hour. */
export const RESEND_LIMIT = { limit: 5, windowSeconds: 3600 }

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')
const plusMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString()
const linkProblem = () => new AppError(400, 'LINK_INVALID', 'This link has expired or was already used. Ask for a new one.')

export type MailService = ReturnType<typeof createMailService>

export function createMailService(deps: { db: Db; settings: SettingsService; queue: JobQueue; users: UsersService; limiter: RateLimiter; log: Logger; proofs?: Proofs }) {
  const { db, settings, queue, users, limiter, proofs } = deps

  const siteName = () => settings.get('site.name')

  /** Whether outgoing email is set up (an SMTP host is set). */
  async function configured(): Promise<boolean> {
    return (await settings.get('mail.host')) !== ''
  }

  const notConfigured = () => new AppError(503, 'MAIL_NOT_CONFIGURED', 'This community cannot send email yet. Ask an admin.')

  /** Queue an email in `trx` (so it goes out only if the change it tells of commits), or on its own. */
  async function enqueue(message: MailMessage, trx: Db = db): Promise<void> {
    await queue.enqueueIn(trx, SEND_JOB, message)
  }

  const mail = async (to: string, content: MailContent) => composeMail(to, await siteName(), content)

  /**
   * A new link of `purpose` for `userId` and the email that carries it, written together: the email is composed
   * first (reading settings needs the connection a transaction would hold), then the link and the email's job
   * commit in one transaction. Earlier unused links of the same purpose stop working.
   */
  async function sendLink(userId: number, purpose: EmailTokenPurpose, email: string, compose: (token: string) => Promise<MailMessage>, also: MailMessage[] = []): Promise<void> {
    const token = randomBytes(32).toString('base64url')
    const message = await compose(token)
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('email_tokens').set({ used_at: now() }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute()
      await trx.insertInto('email_tokens').values({ user_id: userId, purpose, token_hash: hashToken(token), email, created_at: now(), expires_at: plusMinutes(TOKEN_MINUTES[purpose]) }).execute()
      await enqueue(message, trx)
      for (const m of also) await enqueue(m, trx)
    })
  }

  /** The unused, unexpired link row for `token`, or null. Nothing is marked. */
  async function peekToken(token: unknown, purpose: EmailTokenPurpose) {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null
    return (
      (await db
        .selectFrom('email_tokens')
        .selectAll()
        .where('token_hash', '=', hashToken(token))
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now())
        .executeTakeFirst()) ?? null
    )
  }

  /** Mark a link used, once: false when another request used it first. */
  async function useToken(trx: Db, id: number): Promise<boolean> {
    const r = await trx.updateTable('email_tokens').set({ used_at: now() }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst()
    return Number(r.numUpdatedRows) === 1
  }

  const hello = (u: Pick<UserRow, 'username'>) => `Hi @${u.username},`

  async function confirmationMail(u: UserRow, origin: string, token: string, to = u.email): Promise<MailMessage> {
    return mail(to, {
      subject: `Confirm your email address for ${await siteName()}`,
      greeting: hello(u),
      paragraphs: [`Confirm that ${to} is your address, so we can reach you if you forget your password.`],
      action: { label: 'Confirm my address', url: `${origin}/email/confirm?token=${token}` },
      footer: `The link works for ${TOKEN_MINUTES.verify / 60 / 24} days. If you did not sign up, ignore this email.`,
    })
  }

  const service = {
    configured,
    enqueue,
    notConfigured,

    /**
     * Email a member a short notice (no link kept in the database), queued; nothing when email is not set up.
     * @example await s.mail.notify(user.email, { subject: 'Your sign-up is approved', paragraphs: ['You can log in now.'] })
     */
    async notify(to: string, content: MailContent): Promise<boolean> {
      if (!(await configured())) return false
      await enqueue(await mail(to, content))
      return true
    },

    /** Send the message the job carries (the job's handler). */
    async deliver(message: MailMessage): Promise<void> {
      const sent = await sendMail(await mailSettings(settings), message)
      deps.log.info({ to: message.to, subject: message.subject, messageId: sent.messageId }, 'email sent')
    },

    /** Send a test email now, not through the queue, so the operator sees the server's answer at once. */
    async sendTest(to: string): Promise<{ messageId: string }> {
      const address = parse(z.object({ to: emailInput }), { to }).to
      if (!(await configured())) throw notConfigured()
      try {
        return await sendMail(
          await mailSettings(settings),
          await mail(address, { subject: `Test email from ${await siteName()}`, paragraphs: ['Outgoing email works: this message came through your SMTP settings.'] }),
        )
      } catch (err) {
        throw new AppError(503, 'MAIL_FAILED', `The mail server did not take the message: ${err instanceof Error ? err.message : String(err)}`)
      }
    },

    /**
     * Email a member the link that confirms their address. `quiet` (after sign-up): nothing happens when email is
     * off or not set up; otherwise those are errors the member sees.
     */
    async sendConfirmation(userId: number, origin: string, options: { quiet?: boolean } = {}): Promise<void> {
      const u = await users.findRow(userId)
      if (!u || u.email_verified_at) return
      const off = (await settings.get('registration.email_confirmation')) === 'off'
      if (!(await configured()) || off) {
        if (options.quiet) return
        throw off ? new AppError(409, 'CONFIRMATION_OFF', 'This community does not ask members to confirm their address.') : notConfigured()
      }
      if (!options.quiet) limiter.hit(`email-confirm:user:${userId}`, RESEND_LIMIT.limit, RESEND_LIMIT.windowSeconds, 'emails')
      await sendLink(u.id, 'verify', u.email, (token) => confirmationMail(u, origin, token))
    },

    /** Use a confirmation link: the address it was sent to is confirmed, if it is still the member's. */
    async confirmEmail(token: unknown): Promise<{ userId: number }> {
      const row = await peekToken(token, 'verify')
      if (!row) throw linkProblem()
      return db.transaction().execute(async (trx) => {
        if (!(await useToken(trx, row.id))) throw linkProblem()
        const r = await trx.updateTable('users').set({ email_verified_at: now() }).where('id', '=', row.user_id).where(sql<boolean>`email = ${row.email} collate nocase`).executeTakeFirst()
        if (Number(r.numUpdatedRows) !== 1) throw linkProblem() // the address changed since the link was sent
        return { userId: row.user_id }
      })
    },

    /**
     * "Forgot password": email a reset link to the account with this address or username. The answer is the
     * same whether or not such an account exists, and limits count the address asked for, not the account.
     */
    async requestPasswordReset(login: unknown, origin: string, ip: string, proof?: unknown): Promise<void> {
      await proofs?.check(proof)
      const asked = typeof login === 'string' ? login.trim().toLowerCase() : ''
      if (!asked) throw validationFailed({ login: 'Enter your username or email address.' })
      if (asked.length > 254) throw validationFailed({ login: 'That is too long for a username or an email address.' })
      if (!(await configured())) throw new AppError(503, 'MAIL_NOT_CONFIGURED', 'This community cannot send email, so passwords are reset by an admin. Ask one.')
      limiter.hit(`password-reset:ip:${ip}`, RESET_LIMITS.perIp, RESET_LIMITS.windowSeconds, 'reset requests')
      limiter.hit(`password-reset:login:${asked}`, RESET_LIMITS.perEmail, RESET_LIMITS.windowSeconds, 'reset requests')
      const u = await users.findByLogin(asked)
      if (!u) return
      const subject = `Reset your password on ${await siteName()}`
      await sendLink(u.id, 'reset', u.email, (token) =>
        mail(u.email, {
          subject,
          greeting: hello(u),
          paragraphs: ['Someone (we hope you) asked to reset the password of your account. Choose a new one with the link below.'],
          action: { label: 'Choose a new password', url: `${origin}/password/reset?token=${token}` },
          footer: `The link works for ${TOKEN_MINUTES.reset} minutes, once. If you did not ask, ignore this email: your password stays as it is.`,
        }),
      )
    },

    /** Whether a reset link still works (the page asks before showing the form). */
    async resetLinkWorks(token: unknown): Promise<boolean> {
      return (await peekToken(token, 'reset')) !== null
    },

    /**
     * Use a reset link: the new password is checked before the link is spent, every session ends, the address
     * counts as confirmed (the member just proved they read it), and they are told by email.
     */
    async resetPassword(token: unknown, password: unknown): Promise<{ userId: number }> {
      const row = await peekToken(token, 'reset')
      if (!row) throw linkProblem()
      const u = await users.findRow(row.user_id)
      if (!u) throw linkProblem()
      const pw = typeof password === 'string' ? password : ''
      const weak = passwordProblem(pw, u)
      if (weak) throw validationFailed({ password: weak })
      await db.transaction().execute(async (trx) => {
        if (!(await useToken(trx, row.id))) throw linkProblem()
        await trx.updateTable('users').set({ email_verified_at: sql`coalesce(email_verified_at, ${now()})` }).where('id', '=', u.id).where(sql<boolean>`email = ${row.email} collate nocase`).execute()
      })
      await users.setPassword(u.id, pw, { actorId: u.id })
      await audit(db, { actorId: u.id, action: 'user.password.reset-by-email', targetType: 'user', targetId: u.id })
      await enqueue(
        await mail(u.email, {
          subject: `Your password on ${await siteName()} was changed`,
          greeting: hello(u),
          paragraphs: ['Your password was just changed with a reset link sent to this address, and every session was logged out.'],
          footer: 'If this was not you, reset your password again at once and tell an admin.',
        }),
      )
      return { userId: u.id }
    },

    /**
     * Ask to change the address: the password is checked, a link goes to the new address and a notice to the
     * old one; nothing changes until the link is used. Without email set up the address changes at once.
     */
    async requestEmailChange(userId: number, input: { email?: unknown; password?: unknown }, origin: string): Promise<{ pending: boolean }> {
      const { email } = parse(z.object({ email: emailInput }), { email: input.email })
      const u = await users.findRow(userId)
      if (!u) throw new AppError(404, 'NOT_FOUND', 'That account does not exist.')
      await users.checkPassword(userId, typeof input.password === 'string' ? input.password : undefined)
      if (email.toLowerCase() === u.email.toLowerCase()) throw validationFailed({ email: 'That is already your address.' })
      const taken = await db.selectFrom('users').select('id').where(sql<boolean>`email = ${email} collate nocase`).executeTakeFirst()
      if (taken) throw validationFailed({ email: 'Another account uses that email address.' })
      if (!(await configured())) {
        await db.updateTable('users').set({ email, email_verified_at: null, updated_at: now() }).where('id', '=', userId).execute()
        await audit(db, { actorId: userId, action: 'user.email.change', targetType: 'user', targetId: userId })
        return { pending: false }
      }
      limiter.hit(`email-change:user:${userId}`, RESEND_LIMIT.limit, RESEND_LIMIT.windowSeconds, 'emails')
      const site = await siteName()
      const notice = await mail(u.email, {
        subject: `A change of email address was asked for on ${site}`,
        greeting: hello(u),
        paragraphs: [`Someone signed in to your account asked to change its email address to ${email}. It changes only when the link sent there is used.`],
        footer: 'If this was not you, change your password now: it stops the change.',
      })
      await sendLink(
        userId,
        'change',
        email,
        (token) =>
          mail(email, {
            subject: `Confirm your new email address for ${site}`,
            greeting: hello(u),
            paragraphs: [`Confirm that ${email} should become the address of your account.`],
            action: { label: 'Use this address', url: `${origin}/email/change?token=${token}` },
            footer: `The link works for ${TOKEN_MINUTES.change / 60} hours. If you did not ask, ignore this email.`,
          }),
        [notice],
      )
      return { pending: true }
    },

    /** Use an address-change link: the new address replaces the old one, confirmed. */
    async confirmEmailChange(token: unknown): Promise<{ userId: number; email: string }> {
      const row = await peekToken(token, 'change')
      if (!row) throw linkProblem()
      return db.transaction().execute(async (trx) => {
        if (!(await useToken(trx, row.id))) throw linkProblem()
        const taken = await trx.selectFrom('users').select('id').where(sql<boolean>`email = ${row.email} collate nocase`).where('id', '!=', row.user_id).executeTakeFirst()
        if (taken) throw new AppError(409, 'EMAIL_TAKEN', 'Another account started using that address meanwhile; choose another.')
        await trx.updateTable('users').set({ email: row.email, email_verified_at: now(), updated_at: now() }).where('id', '=', row.user_id).execute()
        await audit(trx, { actorId: row.user_id, action: 'user.email.change', targetType: 'user', targetId: row.user_id })
        return { userId: row.user_id, email: row.email }
      })
    },

    /** A changed password stops a pending change of address (it may have been asked for by someone else). */
    async cancelPendingChanges(userId: number): Promise<void> {
      await db.updateTable('email_tokens').set({ used_at: now() }).where('user_id', '=', userId).where('purpose', '=', 'change').where('used_at', 'is', null).execute()
    },

    /**
     * What the reminder on every page tells a member who has not confirmed their address yet: where the link went,
     * and whether writes wait for it (required). Null once confirmed, or when no link is sent (off, or no email set up).
     */
    async confirmationReminder(userId: number): Promise<{ email: string; required: boolean } | null> {
      const mode = await settings.get('registration.email_confirmation')
      if (mode === 'off' || !(await configured())) return null
      const u = await users.findRow(userId)
      return u && !u.email_verified_at ? { email: u.email, required: mode === 'required' } : null
    },

    /** Whether writes wait for this member to confirm their address (`registration.email_confirmation` required). */
    async mustConfirm(account: Pick<UserRow, 'email_verified_at'>): Promise<boolean> {
      if (account.email_verified_at) return false
      return (await settings.get('registration.email_confirmation')) === 'required' && (await configured())
    },
  }
  return service
}
