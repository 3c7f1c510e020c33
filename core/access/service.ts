// Who may come in: blocks of addresses and ranges, email domains and words in usernames (each with a severity and
// an expiry), invite links with a limit and an expiry, and sign-ups waiting for an admin. Decision 039.
import { randomBytes } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import { sql } from 'kysely'
import { z } from 'zod'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { Logger } from '../logger.js'
import { parse } from '../validation.js'
import type { AccessBlockRow, BlockSeverity, InviteRow } from './tables.js'

/** How long blocks are kept in memory before they are read again (expiries, another process's changes). */
const REFRESH_MS = 60_000
/** The reason a waiting account carries as its suspension: hidden like a suspended one until approved. */
export const PENDING_REASON = 'This sign-up is waiting for an admin’s approval.'

const expiresIn = z.number({ error: 'Give a number of days.' }).int().min(1, 'At least 1 day.').max(3650).optional()

export const blockInput = z
  .object({
    kind: z.enum(['ip', 'email_domain', 'username'], { error: 'Block an ip (address or range), an email_domain or a username word.' }),
    value: z.string({ error: 'Say what to block.' }).trim().toLowerCase().min(1, 'Say what to block.').max(100),
    severity: z.enum(['approval', 'refuse', 'no_access'], { error: 'The severity is approval, refuse or no_access.' }),
    note: z.string().trim().max(300).default(''),
    expires_in_days: expiresIn,
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'ip' && !parseRange(b.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'Write an address or a range such as 203.0.113.0/24 or 2001:db8::/32.' })
    if (b.kind === 'email_domain' && !/^(?:[a-z0-9-]+\.)+[a-z0-9-]+$/.test(b.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'Write a domain such as mail.example.' })
    if (b.kind === 'username' && !/^[a-z0-9_]{2,30}$/.test(b.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'Write letters, digits or underscores that usernames must not contain.' })
    if (b.severity === 'no_access' && b.kind !== 'ip') ctx.addIssue({ code: 'custom', path: ['severity'], message: 'Only addresses can be kept out entirely; block sign-ups for domains and usernames.' })
  })

export const inviteInput = z.object({
  note: z.string().trim().max(200).default(''),
  max_uses: z.number({ error: 'Give a number of uses.' }).int().min(1).max(100_000).optional(),
  expires_in_days: expiresIn,
})

/** An address or a CIDR range as [address, prefix, family], or null. */
export function parseRange(value: string): [string, number, 'ipv4' | 'ipv6'] | null {
  const [addr, bits] = value.split('/')
  const family = isIP(addr ?? '')
  if (!family) return null
  const max = family === 4 ? 32 : 128
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN
  if (!(prefix >= 0 && prefix <= max)) return null
  return [addr!, prefix, family === 4 ? 'ipv4' : 'ipv6']
}

/** The client's address as BlockList wants it: an IPv4 address mapped into IPv6 (`::ffff:1.2.3.4`) as IPv4. */
const plainAddress = (ip: string) => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip)

/** Whether a client's address (IPv4, IPv6 or IPv4 mapped into IPv6) is in a list; anything else is not. */
export function addressIn(list: BlockList, ip: string): boolean {
  const plain = plainAddress(ip)
  const family = isIP(plain)
  return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6')
}

interface Loaded {
  at: number
  version: number
  ips: Record<BlockSeverity, BlockList>
  domains: { value: string; severity: BlockSeverity }[]
  usernames: { value: string; severity: BlockSeverity }[]
}

const stronger = (a: BlockSeverity | null, b: BlockSeverity): BlockSeverity => (a === 'refuse' || b === 'refuse' ? 'refuse' : a === 'no_access' || b === 'no_access' ? 'refuse' : 'approval')

export type AccessService = ReturnType<typeof createAccessService>

export function createAccessService(deps: { db: Db; log: Logger }) {
  const { db } = deps
  let loaded: Loaded | null = null
  let version = 0

  async function blocks(): Promise<Loaded> {
    if (loaded && loaded.version === version && Date.now() - loaded.at < REFRESH_MS) return loaded
    const rows = await db
      .selectFrom('access_blocks')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]))
      .execute()
    const ips = { approval: new BlockList(), refuse: new BlockList(), no_access: new BlockList() }
    for (const r of rows.filter((r) => r.kind === 'ip')) {
      const range = parseRange(r.value)
      if (range) ips[r.severity].addSubnet(range[0], range[1], range[2])
    }
    loaded = {
      at: Date.now(),
      version,
      ips,
      domains: rows.filter((r) => r.kind === 'email_domain').map((r) => ({ value: r.value, severity: r.severity })),
      usernames: rows.filter((r) => r.kind === 'username').map((r) => ({ value: r.value, severity: r.severity })),
    }
    return loaded
  }


  const usable = (i: InviteRow) => !i.revoked_at && (i.expires_at === null || i.expires_at > now()) && (i.max_uses === null || i.uses < i.max_uses)
  const days = (n: number | undefined) => (n ? new Date(Date.now() + n * 86_400_000).toISOString() : null)

  const service = {
    /** Whether every request from this address is refused (a `no_access` block). */
    async noAccess(ip: string): Promise<boolean> {
      return addressIn((await blocks()).ips.no_access, ip)
    },

    /** The strongest block on a sign-up from this address, email and username, or null. */
    async signupBlock(input: { ip: string; email: string; username: string }): Promise<BlockSeverity | null> {
      const b = await blocks()
      let found: BlockSeverity | null = null
      if (addressIn(b.ips.refuse, input.ip) || addressIn(b.ips.no_access, input.ip)) found = 'refuse'
      else if (addressIn(b.ips.approval, input.ip)) found = 'approval'
      const domain = input.email.slice(input.email.lastIndexOf('@') + 1).toLowerCase()
      for (const d of b.domains) if (domain === d.value || domain.endsWith(`.${d.value}`)) found = found ? stronger(found, d.severity) : d.severity
      const name = input.username.toLowerCase()
      for (const u of b.usernames) if (name.includes(u.value)) found = found ? stronger(found, u.severity) : u.severity
      return found
    },

    async listBlocks(): Promise<AccessBlockRow[]> {
      return db.selectFrom('access_blocks').selectAll().orderBy('id', 'desc').execute()
    },

    async addBlock(input: unknown, actorId: number | null): Promise<AccessBlockRow> {
      const b = parse(blockInput, input)
      const row = await db
        .insertInto('access_blocks')
        .values({ kind: b.kind, value: b.value, severity: b.severity, note: b.note, expires_at: days(b.expires_in_days), created_by: actorId, created_at: now() })
        .returningAll()
        .executeTakeFirstOrThrow()
      version++
      await audit(db, { actorId, action: 'access.block.add', targetType: 'access_block', targetId: row.id, details: { kind: b.kind, value: b.value, severity: b.severity } })
      return row
    },

    async removeBlock(id: number, actorId: number | null): Promise<void> {
      const row = await db.deleteFrom('access_blocks').where('id', '=', id).returningAll().executeTakeFirst()
      if (!row) throw notFound('That block')
      version++
      await audit(db, { actorId, action: 'access.block.remove', targetType: 'access_block', targetId: id, details: { kind: row.kind, value: row.value } })
    },

    async listInvites(): Promise<(InviteRow & { usable: boolean })[]> {
      return (await db.selectFrom('invites').selectAll().orderBy('id', 'desc').execute()).map((i) => ({ ...i, usable: usable(i) }))
    },

    async createInvite(input: unknown, actorId: number | null): Promise<InviteRow> {
      const data = parse(inviteInput, input)
      const row = await db
        .insertInto('invites')
        .values({ code: randomBytes(12).toString('base64url'), note: data.note, max_uses: data.max_uses ?? null, expires_at: days(data.expires_in_days), created_by: actorId, created_at: now() })
        .returningAll()
        .executeTakeFirstOrThrow()
      await audit(db, { actorId, action: 'access.invite.create', targetType: 'invite', targetId: row.id, details: { max_uses: row.max_uses, expires_at: row.expires_at } })
      return row
    },

    async revokeInvite(id: number, actorId: number | null): Promise<void> {
      const r = await db.updateTable('invites').set({ revoked_at: now() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw notFound('That invite')
      await audit(db, { actorId, action: 'access.invite.revoke', targetType: 'invite', targetId: id })
    },

    /** A usable invite by its code, or null. */
    async invite(code: unknown): Promise<InviteRow | null> {
      if (typeof code !== 'string' || !/^[A-Za-z0-9_-]{16}$/.test(code)) return null
      const row = await db.selectFrom('invites').selectAll().where('code', '=', code).executeTakeFirst()
      return row && usable(row) ? row : null
    },

    /** Take one use of an invite, or throw when it has none left (another sign-up took the last one). */
    async useInvite(id: number): Promise<void> {
      const r = await db
        .updateTable('invites')
        .set((eb) => ({ uses: eb('uses', '+', 1) }))
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]))
        .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw validationFailed({ invite: 'This invite link has been used up or has expired.' })
    },

    /** Give back a use taken by a sign-up that then failed. */
    async returnInvite(id: number): Promise<void> {
      await db.updateTable('invites').set((eb) => ({ uses: eb('uses', '-', 1) })).where('id', '=', id).where('uses', '>', 0).execute()
    },

    /** Put a new account in the waiting list: suspended (hidden everywhere) with its reason, until an admin decides. */
    async holdForApproval(userId: number, reason: string): Promise<void> {
      await db.updateTable('users').set({ approval: 'pending', signup_reason: reason, suspended_at: now(), suspended_reason: PENDING_REASON }).where('id', '=', userId).execute()
    },

    async pending(): Promise<{ id: number; username: string; email: string; signup_reason: string | null; created_at: string }[]> {
      return db.selectFrom('users').select(['id', 'username', 'email', 'signup_reason', 'created_at']).where('approval', '=', 'pending').orderBy('id').limit(500).execute()
    },

    /** Let a waiting member in (approve) or turn them down (their account stays suspended, marked rejected). */
    async decide(userId: number, approve: boolean, actorId: number | null): Promise<{ email: string; username: string }> {
      const u = await db.selectFrom('users').select(['id', 'email', 'username', 'approval']).where('id', '=', userId).executeTakeFirst()
      if (!u || u.approval !== 'pending') throw notFound('That sign-up')
      await db.transaction().execute(async (trx) => {
        if (approve) await trx.updateTable('users').set({ approval: null, suspended_at: null, suspended_reason: null }).where('id', '=', userId).execute()
        else await trx.updateTable('users').set({ approval: 'rejected', suspended_reason: 'This sign-up was not approved.' }).where('id', '=', userId).execute()
        await audit(trx, { actorId, action: approve ? 'user.signup.approve' : 'user.signup.reject', targetType: 'user', targetId: userId })
      })
      return { email: u.email, username: u.username }
    },

    async pendingCount(): Promise<number> {
      const r = await db.selectFrom('users').select(sql<number>`count(*)`.as('n')).where('approval', '=', 'pending').executeTakeFirstOrThrow()
      return Number(r.n)
    },
  }
  return service
}

/** The sentence a refused sign-up reads: it does not say which block matched. */
export const signupRefused = () => new AppError(403, 'SIGNUP_REFUSED', 'Sign-ups like this one are not accepted on this community.')
