// The groups plugin's own tables (prefixed with its name; `groups_groups` because the bare `groups` is both
// unprefixed and an SQL keyword).
import type { Generated, Selectable } from 'kysely'

/** Who may find and read a group: anyone, anyone finds but members read, or members only (invite only, unlisted). */
export const PRIVACIES = ['public', 'private', 'hidden'] as const
export type Privacy = (typeof PRIVACIES)[number]

/** Roles, lowest first; a member acts on another only from a higher rank (see service.ts). */
export const ROLES = ['member', 'moderator', 'admin', 'owner'] as const
export type Role = (typeof ROLES)[number]

export type GroupsTables = {
  groups_groups: {
    id: Generated<number>
    name: string
    description: string
    privacy: Privacy
    created_by: number | null
    created_at: Generated<string>
    updated_at: Generated<string>
  }
  /** Exactly one `owner` per group (a partial unique index). */
  groups_members: {
    group_id: number
    user_id: number
    role: Role
    joined_at: Generated<string>
  }
  /** Requests to join a private group, until an admin approves or rejects them. */
  groups_requests: {
    group_id: number
    user_id: number
    created_at: Generated<string>
  }
  /** A banned member cannot join, request or use an invite until unbanned. */
  groups_bans: {
    group_id: number
    user_id: number
    banned_by: number | null
    created_at: Generated<string>
  }
  /** Invite links: `/groups/invite/TOKEN` joins the group (any privacy) until it expires or is used up. */
  groups_invites: {
    id: Generated<number>
    group_id: number
    token: string
    created_by: number | null
    expires_at: string
    max_uses: number | null
    uses: Generated<number>
    created_at: Generated<string>
  }
}

export type Group = Selectable<GroupsTables['groups_groups']>
export type Membership = Selectable<GroupsTables['groups_members']>
export type Invite = Selectable<GroupsTables['groups_invites']>
