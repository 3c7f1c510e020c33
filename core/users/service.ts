// The users service: accounts, roles and suspension. Core routes, the CLI and plugins (ctx.core.users) all go through it.
import { sql } from 'kysely'
import { audit } from '../audit.js'
import { deleteUserSessions } from './sessions.js'
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js'
import type { RateLimiter } from '../auth/rate-limit.js'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import { now, type Role, type UserRow } from '../db/schema.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import { postsEngagedBy, recountEngagement } from '../db/engagement-counts.js'
import { parse } from '../validation.js'
import { displayNameInput, registerInput, roleInput, type RegisterInput } from './inputs.js'
import { refuseStaffLookalike, shiftFollowCounts } from './queries.js'
import type { PrivateUser, PublicUser } from './types.js'
import { displayName } from './display-name.js'

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    username: row.username,
    display_name: displayName(row),
    role: row.role,
    verified: row.verified_at !== null,
    created_at: row.created_at,
  }
}

export function toPrivateUser(row: UserRow): PrivateUser {
  return {
    ...toPublicUser(row),
    email: row.email,
    email_verified: row.email_verified_at !== null,
    two_factor_enabled: row.totp_enabled_at !== null,
    suspended: row.suspended_at !== null,
    suspended_reason: row.suspended_reason,
    suspended_until: row.suspended_until,
  }
}

export interface CreateUserOptions {
  role?: Role
  /** Who made the account (an admin, the CLI = null). Recorded in the audit log when set; such an account's address counts as confirmed. */
  actorId?: number | null
  /** How an account made by no member came to be, when not the CLI ('setup link'): the audit log names it. */
  via?: string
}

export type UsersService = ReturnType<typeof createUsersService>

/** Password checks a member may make (changing it, turning 2FA on or off) per 15 minutes. */
export const PASSWORD_CHECKS = { limit: 10, windowSeconds: 900 }

export function createUsersService(db: Db, hooks: HookRegistry, limiter: RateLimiter) {
  const shapes = queryShapes(db, 8)
  async function row(id: number): Promise<UserRow> {
    const found = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    if (!found) throw notFound('That member')
    return found
  }

  /** Admins other than `id` who are not suspended. */
  async function otherActiveAdmins(q: Db, id: number): Promise<number> {
    const r = await q
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('suspended_at', 'is', null)
      .where('id', '!=', id)
      .executeTakeFirstOrThrow()
    return Number(r.n)
  }

  const service = {

    /**
     * Create an account. Throws VALIDATION_FAILED (bad or weak input) or CONFLICT (taken username/email).
     * @example const user = await ctx.core.users.create({ username: 'ana', email: 'ana@example.org', password })
     */
    async create(input: RegisterInput, options: CreateUserOptions = {}): Promise<PublicUser> {
      const data = parse(registerInput, input)
      const weak = passwordProblem(data.password, data)
      if (weak) throw validationFailed({ password: weak })
      const taken = await db
        .selectFrom('users')
        .select(['username', 'email'])
        .where((eb) => eb.or([eb('username', '=', data.username), eb('email', '=', data.email)]))
        .execute()
      if (taken.length) {
        const fields: Record<string, string> = {}
        for (const t of taken) {
          if (t.username.toLowerCase() === data.username.toLowerCase()) fields.username = 'That username is taken.'
          if (t.email.toLowerCase() === data.email.toLowerCase()) fields.email = 'An account with that email already exists.'
        }
        throw new AppError(409, 'CONFLICT', Object.values(fields)[0] ?? 'That account already exists.', { fields })
      }
      // After the taken check: a name that is taken says so, rather than that it looks like staff.
      await refuseStaffLookalike(db, { username: data.username, display_name: data.display_name }, null)
      const password_hash = await hashPassword(data.password)
      let created: UserRow
      try {
        created = await db
          .insertInto('users')
          .values({
            username: data.username,
            email: data.email,
            password_hash,
            display_name: data.display_name ?? '',
            role: options.role ?? 'member',
            // Made by the operator (an admin, the CLI, the setup link): they vouch for the address.
            email_verified_at: options.actorId !== undefined ? now() : null,
            updated_at: now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow()
      } catch (err) {
        // Two registrations raced for the same name between the check and the insert.
        if (String(err).includes('UNIQUE')) throw new AppError(409, 'CONFLICT', 'That username or email is taken.')
        throw err
      }
      if (options.actorId !== undefined) {
        await audit(db, { actorId: options.actorId, action: 'user.create', targetType: 'user', targetId: created.id, details: { role: created.role, ...(options.via ? { via: options.via } : {}) } })
      }
      const user = toPublicUser(created)
      await hooks.emit('action:user.registered', { user })
      return user
    },

    /** A member by id or username (case-insensitive), or null. */
    async find(idOrUsername: number | string): Promise<PublicUser | null> {
      const r = await service.findRow(idOrUsername)
      return r ? toPublicUser(r) : null
    },

    /** The full row, for core code that needs the password hash or 2FA state. Not part of the plugin API. */
    async findRow(idOrUsername: number | string): Promise<UserRow | undefined> {
      const key = String(idOrUsername).trim()
      // Built once each (plugins and pages look members up on many requests), the key bound at each call.
      const [row] = /^\d+$/.test(key)
        ? await shapes.all('user.by-id', (slot) => db.selectFrom('users').selectAll().where('id', '=', slot<number>('id')), { id: Number(key) })
        : await shapes.all('user.by-username', (slot) => db.selectFrom('users').selectAll().where('username', '=', slot<string>('username')), { username: key.replace(/^@/, '') })
      return row
    },

    /** A member by username or email, for logging in. */
    async findByLogin(login: string): Promise<UserRow | undefined> {
      const key = login.trim()
      return db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('username', '=', key), eb('email', '=', key)]))
        .executeTakeFirst()
    },

    /** Members, oldest first, with cursor pagination. `q` matches username, display name or email. */
    async list(options: { cursor?: string | null; limit?: number; role?: Role; q?: string } = {}): Promise<Page<PrivateUser>> {
      const limit = options.limit ?? 50
      const after = decodeCursor(options.cursor, { id: 'id' })
      let q = db.selectFrom('users').selectAll().orderBy('id').limit(limit + 1)
      if (after) q = q.where('id', '>', Number(after.id))
      if (options.role) q = q.where('role', '=', options.role)
      if (options.q) {
        const like = `%${options.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`
        q = q.where((eb) =>
          eb.or([
            eb('username', 'like', sql<string>`${like} escape '\\'`),
            eb('display_name', 'like', sql<string>`${like} escape '\\'`),
            eb('email', 'like', sql<string>`${like} escape '\\'`),
          ]),
        )
      }
      const page = pageOf(await q.execute(), limit, (r) => ({ id: r.id }))
      return { items: page.items.map(toPrivateUser), nextCursor: page.nextCursor }
    },

    async count(): Promise<number> {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      return Number(r.n)
    },

    async hasAdmin(): Promise<boolean> {
      return !!(await db.selectFrom('users').select('id').where('role', '=', 'admin').executeTakeFirst())
    },

    async setRole(id: number, role: Role, actorId: number | null): Promise<PublicUser> {
      const newRole = parse(roleInput, role)
      const before = await row(id)
      // Check and change in one transaction (they are serialised), so concurrent demotions cannot both pass.
      await db.transaction().execute(async (trx) => {
        if (before.role === 'admin' && newRole !== 'admin' && (await otherActiveAdmins(trx, id)) === 0) {
          throw new AppError(409, 'CONFLICT', 'This is the last active admin; promote another member first.')
        }
        await trx.updateTable('users').set({ role: newRole, updated_at: now() }).where('id', '=', id).execute()
      })
      await audit(db, { actorId, action: 'user.role', targetType: 'user', targetId: id, details: { from: before.role, to: newRole } })
      const user = toPublicUser(await row(id))
      await hooks.emit('action:user.role-changed', { user, from: before.role, to: newRole, actorId })
      return user
    },

    /**
     * Suspend a member: they are logged out everywhere and told the reason when they try to log in. With `until`
     * (an ISO time), the suspension lifts by itself then (core's job, audited as automatic); without, until lifted.
     */
    async suspend(id: number, reason: string, actorId: number | null, options: { until?: string | null } = {}): Promise<PublicUser> {
      const until = options.until ?? null
      if (until !== null && !(Date.parse(until) > Date.now())) throw validationFailed({ until: 'The suspension must end in the future.' })
      const text = reason.trim()
      if (!text) throw validationFailed({ reason: 'Say why the account is suspended; the member is shown it.' })
      if (text.length > 500) throw validationFailed({ reason: 'Keep the reason under 500 characters.' })
      const target = await row(id)
      if (actorId !== null && actorId === id) throw new AppError(409, 'CONFLICT', 'You cannot suspend yourself.')
      await db.transaction().execute(async (trx) => {
        if (target.role === 'admin' && (await otherActiveAdmins(trx, id)) === 0) {
          throw new AppError(409, 'CONFLICT', 'This is the last active admin; it cannot be suspended.')
        }
        // Only a change counts: suspending again (a new reason) must not take their follows out twice.
        const r = await trx.updateTable('users').set({ suspended_at: now(), suspended_reason: text, suspended_until: until, updated_at: now() }).where('id', '=', id).where('suspended_at', 'is', null).executeTakeFirst()
        if (Number(r.numUpdatedRows) === 1) {
          await shiftFollowCounts(trx, id, -1)
          await recountEngagement(trx, postsEngagedBy(id))
        } else await trx.updateTable('users').set({ suspended_at: now(), suspended_reason: text, suspended_until: until, updated_at: now() }).where('id', '=', id).execute()
      })
      await deleteUserSessions(db, id)
      await audit(db, { actorId, action: 'user.suspend', targetType: 'user', targetId: id, details: until ? { reason: text, until } : { reason: text } })
      const user = toPublicUser(target)
      await hooks.emit('action:user.suspended', { user, reason: text, actorId })
      return user
    },

    /** Lift a suspension; `automatic` when its period ended (the audit row says so). */
    async unsuspend(id: number, actorId: number | null, options: { automatic?: boolean } = {}): Promise<PublicUser> {
      const target = await row(id)
      await db.transaction().execute(async (trx) => {
        // Only a change counts: unsuspending an active member must not count their follows twice.
        const r = await trx.updateTable('users').set({ suspended_at: null, suspended_reason: null, suspended_until: null, updated_at: now() }).where('id', '=', id).where('suspended_at', 'is not', null).executeTakeFirst()
        if (Number(r.numUpdatedRows) === 1) {
          await shiftFollowCounts(trx, id, 1)
          await recountEngagement(trx, postsEngagedBy(id))
        }
      })
      await audit(db, { actorId, action: 'user.unsuspend', targetType: 'user', targetId: id, ...(options.automatic ? { details: { automatic: true, until: target.suspended_until } } : {}) })
      const user = toPublicUser(target)
      await hooks.emit('action:user.unsuspended', { user, actorId })
      return user
    },

    /** Lift every suspension whose period has ended (run each minute by core's scheduler). Returns how many. */
    async liftEndedSuspensions(at = new Date()): Promise<number> {
      const ended = await db.selectFrom('users').select('id').where('suspended_at', 'is not', null).where('suspended_until', 'is not', null).where('suspended_until', '<=', at.toISOString()).execute()
      for (const u of ended) await service.unsuspend(u.id, null, { automatic: true })
      return ended.length
    },

    /** End every session of a member (stolen phone, a compromised account); audited. */
    async signOutEverywhere(id: number, actorId: number | null): Promise<number> {
      await row(id)
      const r = await db.deleteFrom('sessions').where('user_id', '=', id).executeTakeFirst()
      const ended = Number(r.numDeletedRows)
      await audit(db, { actorId, action: 'user.sign-out-everywhere', targetType: 'user', targetId: id, details: { sessions: ended } })
      return ended
    },

    /** Set a new password (admin reset or after checking the old one). Ends other sessions. */
    async setPassword(id: number, password: string, options: { actorId: number | null; keepSessionToken?: string; field?: string }): Promise<void> {
      const target = await row(id)
      const weak = passwordProblem(password, target)
      if (weak) throw validationFailed({ [options.field ?? 'password']: weak })
      await db.updateTable('users').set({ password_hash: await hashPassword(password), updated_at: now() }).where('id', '=', id).execute()
      await deleteUserSessions(db, id, options.keepSessionToken)
      await audit(db, { actorId: options.actorId, action: options.actorId === id ? 'user.password.change' : 'user.password.reset', targetType: 'user', targetId: id })
      await hooks.emit('action:user.password-changed', { userId: id })
    },

    /** Check a member's own password for a sensitive change; limited, since each check is a slow hash. */
    async checkPassword(id: number, password: string | undefined, field = 'password'): Promise<void> {
      limiter.hit(`password-check:user:${id}`, PASSWORD_CHECKS.limit, PASSWORD_CHECKS.windowSeconds)
      const target = await row(id)
      if (!password || !(await verifyPassword(password, target.password_hash))) {
        throw validationFailed({ [field]: field === 'current_password' ? 'Your current password is not right.' : 'Your password is not right.' })
      }
    },

    async changePassword(id: number, current: string, next: string, keepSessionToken?: string): Promise<void> {
      await service.checkPassword(id, current, 'current_password')
      if (current === next) throw validationFailed({ new_password: 'Choose a password different from the current one.' })
      await service.setPassword(id, next, { actorId: id, keepSessionToken, field: 'new_password' })
    },

    async setDisplayName(id: number, name: string): Promise<PublicUser> {
      const { display_name: value } = parse(displayNameInput, { display_name: name })
      await refuseStaffLookalike(db, { display_name: value }, id)
      await db.updateTable('users').set({ display_name: value, updated_at: now() }).where('id', '=', id).execute()
      return toPublicUser(await row(id))
    },
  }
  return service
}
