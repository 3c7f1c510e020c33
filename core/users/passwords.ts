// Password hashing with scrypt (memory-hard, built into Node), and the rules a new password must meet.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  )

// N=2^15, r=8: 32 MiB and roughly 100 ms per hash on these machines (see docs/decisions/002-password-hashing-scrypt.md).
const PARAMS = { N: 32768, r: 8, p: 1 }
const KEYLEN = 32
const MAXMEM = 64 * 1024 * 1024

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, KEYLEN, { ...PARAMS, maxmem: MAXMEM })
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(hash, 'base64')
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAXMEM,
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

// The most common passwords of 10+ characters in public breach lists; a short list keeps the obvious out.
const COMMON = new Set([
  '1234567890', '0123456789', '0987654321', '1111111111', '1q2w3e4r5t', 'qwertyuiop', 'password12',
  'password123', 'password1234', 'passw0rd123', 'iloveyou123', 'qwerty1234', 'qwerty12345', 'abcdefghij',
  'abc1234567', 'letmein123', 'welcome123', 'monkey1234', 'dragon1234', 'football12', 'baseball12',
  'sunshine12', 'princess12', 'superman12', 'trustno1234', 'asdfghjkl1', 'zxcvbnm123', '1qaz2wsx3edc',
  'qazwsxedc123', 'changeme123', 'administrator', 'hearth12345', 'password!!', 'p@ssw0rd123',
])

export const PASSWORD_MIN = 10
export const PASSWORD_MAX = 200

/** Why a password is too weak, or null when it is acceptable. */
export function passwordProblem(password: string, context: { username?: string; email?: string } = {}): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters for your password.`
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters for your password.`
  const lower = password.toLowerCase()
  if (COMMON.has(lower)) return 'That password is one of the most common ones; choose another.'
  if (new Set(lower).size < 4) return 'That password repeats too few characters; choose another.'
  const name = context.username?.toLowerCase()
  if (name && name.length >= 3 && lower.includes(name)) return 'Your password must not contain your username.'
  const local = context.email?.split('@')[0]?.toLowerCase()
  if (local && local.length >= 3 && lower.includes(local)) return 'Your password must not contain your email address.'
  return null
}
