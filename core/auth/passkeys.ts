// Passkeys (WebAuthn, via @simplewebauthn/server): registering a member's credentials and checking sign-ins with them.
// The rules of who may add one and what a sign-in with one counts as are the auth service's (service.ts); this file
// keeps the credentials, the single-use challenges and the relying party. Why: docs/decisions/053-passkeys.md.
import { randomBytes } from 'node:crypto'
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import { parse } from '../validation.js'
import { displayName } from '../users/display-name.js'
import type { PasskeyPurpose, PasskeyRow } from './tables.js'

/** Who the credentials belong to: the site's host (the RP ID) and the one origin ceremonies may come from. */
export interface RelyingParty {
  id: string
  origin: string
  name: string
}

/** The relying party of an absolute base URL (HEARTH_PUBLIC_URL, or the request's own, as core builds other links). */
export function relyingParty(base: string, name: string): RelyingParty {
  const url = new URL(base)
  return { id: url.hostname, origin: url.origin, name }
}

/** A passkey as its owner sees it: never the key. */
export interface PasskeyView {
  id: number
  name: string
  created_at: string
  last_used_at: string | null
  /** Synced between the member's devices by their password manager (multi-device), or bound to one authenticator. */
  synced: boolean
  transports: string[]
}

export const MAX_PASSKEYS = 20
/** A ceremony has this long to finish; the browser's own timeout is shorter. */
const CHALLENGE_SECONDS = 5 * 60
/** Sign-in challenges for the login page's passkey autofill wait while the page is open. */
const LOGIN_CHALLENGE_SECONDS = 10 * 60

const b64url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]*={0,2}$/, 'Not base64url.')
/** The credential as the browser script (core/client/passkeys.js) sends it: checked before it reaches the verifier. */
const registrationShape = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(10).optional() }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
})
const authenticationShape = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
})
/** EdDSA, ES256 and RS256: what authenticators make. Named, so the library does not probe the runtime for post-quantum ones. */
const ALGORITHMS = [-8, -7, -257]
const nameInput = z.string().trim().max(50, 'Name it in at most 50 characters.')

const view = (r: PasskeyRow): PasskeyView => ({
  id: r.id,
  name: r.name,
  created_at: r.created_at,
  last_used_at: r.last_used_at,
  synced: r.device_type === 'multiDevice',
  transports: JSON.parse(r.transports) as string[],
})

const expired = () => new AppError(401, 'UNAUTHENTICATED', 'This passkey request has expired or was already used. Try again.')
const refused = () => new AppError(401, 'UNAUTHENTICATED', 'That passkey could not be checked. Try again, or sign in with your password.')

/** The challenge a response answers, read from its client data (verification checks it matches and the rest). */
function challengeOf(clientDataJSON: string): string {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown }
    if (typeof data.challenge === 'string' && data.challenge.length <= 200) return data.challenge
  } catch {
    // fall through
  }
  throw validationFailed({ credential: 'The passkey response is not valid.' })
}

export type Passkeys = ReturnType<typeof createPasskeys>

export function createPasskeys(db: Db) {
  async function newChallenge(purpose: PasskeyPurpose, userId: number | null, seconds = CHALLENGE_SECONDS): Promise<string> {
    const challenge = randomBytes(32).toString('base64url')
    await db.insertInto('passkey_challenges').values({ challenge, purpose, user_id: userId, expires_at: new Date(Date.now() + seconds * 1000).toISOString() }).execute()
    return challenge
  }

  /** Use up a challenge: deleted whether the response then checks out or not, so each works at most once. */
  async function takeChallenge(challenge: string, purpose: PasskeyPurpose): Promise<{ user_id: number | null }> {
    const row = await db.deleteFrom('passkey_challenges').where('challenge', '=', challenge).where('purpose', '=', purpose).returning(['user_id', 'expires_at']).executeTakeFirst()
    if (!row || row.expires_at <= now()) throw expired()
    return row
  }

  async function handleOf(userId: number): Promise<string> {
    const found = await db.selectFrom('passkey_handles').select('handle').where('user_id', '=', userId).executeTakeFirst()
    if (found) return found.handle
    const handle = randomBytes(32).toString('base64url')
    await db.insertInto('passkey_handles').values({ user_id: userId, handle }).onConflict((oc) => oc.doNothing()).execute()
    return (await db.selectFrom('passkey_handles').select('handle').where('user_id', '=', userId).executeTakeFirstOrThrow()).handle
  }

  const rows = (userId: number) => db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('id').execute()

  return {
    async list(userId: number): Promise<PasskeyView[]> {
      return (await rows(userId)).map(view)
    },

    async count(userId: number): Promise<number> {
      const r = await db.selectFrom('passkeys').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()
      return Number(r.n)
    },

    /** Options for `navigator.credentials.create`: a discoverable credential, never one the member already has. */
    async registrationOptions(user: { id: number; username: string; display_name: string }, rp: RelyingParty): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await rows(user.id)
      if (existing.length >= MAX_PASSKEYS) throw new AppError(409, 'CONFLICT', `You can have up to ${MAX_PASSKEYS} passkeys; remove one first.`)
      return generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.username,
        userDisplayName: displayName(user),
        userID: Buffer.from(await handleOf(user.id), 'base64url'),
        challenge: Buffer.from(await newChallenge('register', user.id), 'base64url'),
        attestationType: 'none',
        excludeCredentials: existing.map((r) => ({ id: r.credential_id, transports: JSON.parse(r.transports) as string[] })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: 120_000,
      })
    },

    /** Check a new credential against the member's open registration challenge and keep it. */
    async register(userId: number, rp: RelyingParty, nameRaw: unknown, credential: unknown): Promise<PasskeyView> {
      const name = parse(z.object({ name: nameInput }), { name: nameRaw ?? '' }).name
      const response = parse(z.object({ credential: registrationShape }), { credential }).credential as RegistrationResponseJSON
      const taken = await takeChallenge(challengeOf(response.response.clientDataJSON), 'register')
      if (taken.user_id !== userId) throw expired()
      let verified
      try {
        verified = await verifyRegistrationResponse({ response, expectedChallenge: challengeOf(response.response.clientDataJSON), expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false, supportedAlgorithmIDs: ALGORITHMS })
      } catch (err) {
        throw new AppError(400, 'VALIDATION_FAILED', `The passkey was not accepted: ${(err as Error).message}`, { fields: { credential: 'The passkey was not accepted.' } })
      }
      if (!verified.verified) throw validationFailed({ credential: 'The passkey was not accepted.' })
      const info = verified.registrationInfo
      if (await db.selectFrom('passkeys').select('id').where('credential_id', '=', info.credential.id).executeTakeFirst()) {
        throw new AppError(409, 'CONFLICT', 'This passkey is already added.')
      }
      const n = await this.count(userId)
      if (n >= MAX_PASSKEYS) throw new AppError(409, 'CONFLICT', `You can have up to ${MAX_PASSKEYS} passkeys; remove one first.`)
      const row = await db
        .insertInto('passkeys')
        .values({
          user_id: userId,
          credential_id: info.credential.id,
          public_key: info.credential.publicKey,
          counter: info.credential.counter,
          transports: JSON.stringify(response.response.transports ?? []),
          name: name || `Passkey ${n + 1}`,
          device_type: info.credentialDeviceType,
          backed_up: info.credentialBackedUp ? 1 : 0,
          created_at: now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return view(row)
    },

    /**
     * Options for `navigator.credentials.get`. A sign-in (`login`) names no credential, so the browser offers the
     * passkeys it holds for this site (and autofills them); a second factor (`second-factor`) names the member's own.
     */
    async authenticationOptions(rp: RelyingParty, purpose: 'login' | 'second-factor', userId: number | null = null): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allow = purpose === 'second-factor' && userId !== null ? (await rows(userId)).map((r) => ({ id: r.credential_id, transports: JSON.parse(r.transports) as string[] })) : undefined
      if (purpose === 'second-factor' && !allow?.length) throw new AppError(409, 'CONFLICT', 'You have no passkey on this account.')
      return generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: allow,
        // As bytes: a string would be taken as text and encoded again, and the browser would sign another challenge.
        challenge: Buffer.from(await newChallenge(purpose, userId, purpose === 'login' ? LOGIN_CHALLENGE_SECONDS : CHALLENGE_SECONDS), 'base64url'),
        userVerification: 'preferred',
        timeout: 120_000,
      })
    },

    /**
     * Check a sign-in response: its challenge (used up), the credential, origin, RP ID, signature and counter. Returns
     * whose passkey it was and whether the authenticator verified the user (a PIN or biometric), which is what lets
     * it stand for two factors.
     */
    async authenticate(rp: RelyingParty, purpose: 'login' | 'second-factor', credential: unknown): Promise<{ userId: number; userVerified: boolean; challengeUserId: number | null; passkeyId: number }> {
      const response = parse(z.object({ credential: authenticationShape }), { credential }).credential as AuthenticationResponseJSON
      const challenge = challengeOf(response.response.clientDataJSON)
      const taken = await takeChallenge(challenge, purpose)
      const row = await db.selectFrom('passkeys').selectAll().where('credential_id', '=', response.id).executeTakeFirst()
      if (!row) throw refused()
      // A discoverable sign-in says whose passkey it is: it must be the owner we have.
      if (response.response.userHandle && response.response.userHandle !== (await handleOf(row.user_id))) throw refused()
      if (purpose === 'second-factor' && taken.user_id !== row.user_id) throw refused()
      let result
      try {
        result = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: { id: row.credential_id, publicKey: new Uint8Array(row.public_key), counter: row.counter, transports: JSON.parse(row.transports) as string[] },
          requireUserVerification: false,
        })
      } catch {
        // A wrong signature, origin or RP ID, or a counter that went backwards (a cloned authenticator).
        throw refused()
      }
      if (!result.verified) throw refused()
      const { newCounter, userVerified, credentialBackedUp } = result.authenticationInfo
      // Only from the counter we checked against: two uses racing with one response cannot both pass.
      const moved = await db
        .updateTable('passkeys')
        .set({ counter: newCounter, last_used_at: now(), backed_up: credentialBackedUp ? 1 : 0 })
        .where('id', '=', row.id)
        .where('counter', '=', row.counter)
        .executeTakeFirst()
      if (Number(moved.numUpdatedRows) !== 1) throw refused()
      return { userId: row.user_id, userVerified, challengeUserId: taken.user_id, passkeyId: row.id }
    },

    async rename(userId: number, id: number, nameRaw: unknown): Promise<PasskeyView> {
      const name = parse(z.object({ name: nameInput.min(1, 'Give it a name.') }), { name: nameRaw ?? '' }).name
      const row = await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst()
      if (!row) throw notFound('That passkey')
      return view(row)
    },

    async remove(userId: number, id: number): Promise<void> {
      const r = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
      if (Number(r.numDeletedRows) !== 1) throw notFound('That passkey')
    },

    /** Every passkey of a member (staff's two-factor reset, account deletion): how many went. */
    async removeAll(userId: number): Promise<number> {
      const r = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst()
      await db.deleteFrom('passkey_challenges').where('user_id', '=', userId).execute()
      return Number(r.numDeletedRows)
    },

    async purgeExpiredChallenges(): Promise<number> {
      const r = await db.deleteFrom('passkey_challenges').where('expires_at', '<=', now()).executeTakeFirst()
      return Number(r.numDeletedRows)
    },
  }
}
