// Input schemas shared by the page forms and the JSON API, and the one way both turn a failure into VALIDATION_FAILED.
import { z } from 'zod'
import { safeName } from '../../core/plugins/api.js'
import { PRIVACIES } from './tables.js'

export const NAME_MIN = 3
export const NAME_MAX = 80
export const DESCRIPTION_MAX = 1000
export const PRIVACY_LABELS = {
  public: 'Public: anyone finds it, reads it and joins',
  private: 'Private: anyone finds it; members read it; joining takes an admin’s approval or an invite',
  hidden: 'Hidden: only members know it exists; joining takes an invite',
} as const

// No invisible, control or direction-changing characters: a group's name is shown as its owner wrote it.
const name = safeName({ label: 'Group names', min: NAME_MIN, max: NAME_MAX, required: 'Give the group a name.' })
const description = z.string({ error: 'The description is text.' }).trim().max(DESCRIPTION_MAX, `Keep the description under ${DESCRIPTION_MAX} characters.`)
const privacy = z.enum(PRIVACIES, { error: 'Privacy is public, private or hidden.' })

/**
 * A new group, as `POST /api/v1/groups` and the form on `/groups` send it.
 * @example groupInput.parse({ name: 'Allotment friends', privacy: 'private' })
 */
export const groupInput = z.object({ name, description: description.default(''), privacy: privacy.default('public') })

/** A change to a group (`PUT /api/v1/groups/{id}`): any of its fields. */
export const groupUpdateInput = z
  .object({ name: name.optional(), description: description.optional(), privacy: privacy.optional() })
  .refine((v) => v.name !== undefined || v.description !== undefined || v.privacy !== undefined, { message: 'Send a name, a description or a privacy.' })

/** A role an owner or admin may give; ownership moves only by transfer. */
export const roleInput = z.object({ role: z.enum(['admin', 'moderator', 'member'], { error: 'The role is admin, moderator or member.' }) })

/** A member named by id or username (bans, transfer). */
export const userInput = z.object({
  user: z.union([z.number().int().positive(), z.string().trim().min(1).max(40)], { error: 'Name the member by username or id.' }),
})

/** A post into a group: the fields of a core post that make sense there (it is always `public` within the group). */
export const groupPostInput = z.object({
  text: z.string({ error: 'The text must be a string.' }).default(''),
  media_ids: z.array(z.number({ error: 'Media ids are numbers.' }).int().positive()).max(10, 'Add at most 10 photos or videos.').default([]),
  comments_enabled: z.boolean({ error: 'comments_enabled is true or false.' }).default(true),
})

export const INVITE_DAYS_MAX = 30
/** A new invite link: how long it lasts, and optionally how many may use it. */
export const inviteInput = z.object({
  expires_in_days: z.number({ error: 'expires_in_days is a number of days.' }).int('Use a whole number of days.').min(1, 'Links last 1 to 30 days.').max(INVITE_DAYS_MAX, 'Links last 1 to 30 days.').default(7),
  max_uses: z.number({ error: 'max_uses is a number.' }).int('Use a whole number.').min(1, 'Allow 1 to 1000 uses, or leave it empty.').max(1000, 'Allow 1 to 1000 uses, or leave it empty.').nullish(),
})

/** The search box of `/groups` and `GET /api/v1/groups?q=`. */
export const searchInput = z.object({ q: z.string().trim().max(100, 'Search for at most 100 characters.').default('') })

/** An optional whole number from a form field: '' is absent, anything else must be a number. */
export const formNumber = (v: string | undefined): number | undefined => (v === undefined || v.trim() === '' ? undefined : Number(v))

export type GroupInputData = z.output<typeof groupInput>
export type GroupUpdateInputData = z.output<typeof groupUpdateInput>
export type GroupPostInputData = z.output<typeof groupPostInput>
export type InviteInputData = z.output<typeof inviteInput>
