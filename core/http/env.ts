// The typed variables every request carries through Hono's context.
import type { UserRow } from '../db/schema.js'
import type { Viewer } from '../users/types.js'

export interface AppEnv {
  Variables: {
    requestId: string
    /** The logged-in member, or null. */
    viewer: Viewer | null
    /** Core-only: the viewer's full row. */
    account: UserRow | null
    /** The session token in use (cookie or bearer), for logout. */
    sessionToken: string | null
    authVia: 'cookie' | 'bearer' | null
    csrfToken: string
    ip: string
    /** The request arrived over https (directly, or per X-Forwarded-Proto from a trusted proxy). */
    https: boolean
    /** Staff "view as": who is really looking, while `viewer` is the member they look as (read-only). Unset otherwise. */
    viewAs?: { staffId: number; staffUsername: string; memberId: number; memberUsername: string }
    /** The host the browser addressed (X-Forwarded-Host from a trusted proxy, else Host). */
    host: string
  }
}
