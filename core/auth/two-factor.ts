// TOTP two-factor authentication (RFC 6238, via otpauth) and single-use recovery codes.
import { createHash, randomBytes } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import type { Db } from '../db/connect.js'
import { now, type UserRow } from '../db/schema.js'

const PERIOD = 30

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

export function totpFor(secret: string, label: string, issuer: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) })
}

/** The current code for a secret; used by tests and by `hearth user` tooling. */
export function currentTotpCode(secret: string, timestamp = Date.now()): string {
  return totpFor(secret, 'x', 'x').generate({ timestamp })
}

/**
 * Check a 6-digit code, allowing one step of clock drift either way. Returns the accepted time step,
 * or null. A step at or before `lastStep` is refused so a code cannot be replayed.
 */
export function checkTotp(secret: string, code: string, lastStep: number | null, timestamp = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null
  const delta = totpFor(secret, 'x', 'x').validate({ token: code, timestamp, window: 1 })
  if (delta === null) return null
  const step = Math.floor(timestamp / 1000 / PERIOD) + delta
  if (lastStep !== null && step <= lastStep) return null
  return step
}

export async function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
}

const normalize = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '')
const hashCode = (code: string) => createHash('sha256').update(normalize(code)).digest('base64url')

/** Replace a member's recovery codes with 10 new ones, returned once in clear. */
export async function newRecoveryCodes(db: Db, userId: number): Promise<string[]> {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
  const codes = Array.from({ length: 10 }, () => {
    const bytes = randomBytes(10)
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('')
    return `${chars.slice(0, 5)}-${chars.slice(5)}`
  })
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
    await trx.insertInto('recovery_codes').values(codes.map((c) => ({ user_id: userId, code_hash: hashCode(c) }))).execute()
  })
  return codes
}

/** Use up one recovery code. True when it was valid and unused. */
export async function useRecoveryCode(db: Db, userId: number, code: string): Promise<boolean> {
  if (normalize(code).length !== 10) return false
  const r = await db
    .updateTable('recovery_codes')
    .set({ used_at: now() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashCode(code))
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function remainingRecoveryCodes(db: Db, userId: number): Promise<number> {
  const r = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

export const twoFactorEnabled = (user: UserRow) => user.totp_enabled_at !== null && user.totp_secret !== null
