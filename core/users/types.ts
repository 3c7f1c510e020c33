// The user shapes that leave the users service: never the password hash or 2FA secrets.
import type { Role } from '../db/schema.js'
import type { Permission } from './permissions.js'

export type { Role }

/** What anyone may see of a member. */
export interface PublicUser {
  id: number
  username: string
  display_name: string
  role: Role
  /** Staff gave the member the verified badge (core/verification). */
  verified: boolean
  created_at: string
}

/** What the member themself (and admins) see. */
export interface PrivateUser extends PublicUser {
  email: string
  /** Whether the member confirmed the address by the emailed link. */
  email_verified: boolean
  two_factor_enabled: boolean
  suspended: boolean
  suspended_reason: string | null
  /** When a suspension for a period lifts by itself (null: until lifted, or not suspended). */
  suspended_until: string | null
}

/** The member making a request, as core and plugins see them. */
export interface Viewer {
  id: number
  username: string
  display_name: string
  role: Role
  /** Staff permissions, their role's and their custom role's (set for requests; absent: the role's alone). */
  permissions?: readonly Permission[]
}

/** The suspension reason of an account hidden while the deletion its member asked for waits: signing in lifts it, and cancels. */
export const DELETION_PENDING = 'The member asked to delete this account.'
