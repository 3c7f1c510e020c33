// Passkeys' tables (core/db/migrations/2026_12_06_0040_passkeys.ts).
import type { Generated, Selectable } from 'kysely'

export interface PasskeysTable {
  id: Generated<number>
  user_id: number
  /** The credential's id, base64url, as the browser sends it back. */
  credential_id: string
  /** The COSE public key. */
  public_key: Uint8Array
  /** The signature counter last seen; a lower one means a cloned authenticator. 0 for synced passkeys. */
  counter: number
  /** JSON array of transports the browser reported (`internal`, `hybrid`, `usb`...). */
  transports: string
  name: string
  /** `singleDevice` or `multiDevice` (synced). */
  device_type: string
  backed_up: number
  created_at: string
  last_used_at: string | null
}
export type PasskeyRow = Selectable<PasskeysTable>

export interface PasskeyHandlesTable {
  user_id: number
  /** The WebAuthn user handle (random, base64url): what a discoverable passkey gives back to name its account. */
  handle: string
}

export type PasskeyPurpose = 'register' | 'login' | 'second-factor'

export interface PasskeyChallengesTable {
  /** The challenge itself (base64url); deleted when used, so it works once. */
  challenge: string
  purpose: PasskeyPurpose
  /** Who registers, or who is in the middle of a two-factor sign-in; null for a discoverable sign-in. */
  user_id: number | null
  expires_at: string
}

export interface AuthTables {
  passkeys: PasskeysTable
  passkey_handles: PasskeyHandlesTable
  passkey_challenges: PasskeyChallengesTable
}
