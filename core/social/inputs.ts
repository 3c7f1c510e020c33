// Input schemas for profiles, shared by the settings page and the API.
import { z } from 'zod'
import { displayName } from '../users/inputs.js'

/** A web address a member gives (a profile's links, a verification request's): http(s) only, at most 300 characters. */
export const webLink = z
  .string()
  .trim()
  .max(300, 'Links have at most 300 characters.')
  .refine((u) => {
    try {
      const parsed = new URL(u)
      return parsed.protocol === 'https:' || parsed.protocol === 'http:'
    } catch {
      return false
    }
  }, 'Links must be web addresses starting with https:// or http://.')

const link = z.object({
  label: z.string().trim().max(40, 'Link labels have at most 40 characters.').default(''),
  url: webLink,
})

export const profileInput = z.object({
  display_name: displayName.optional(),
  bio: z.string().trim().max(300, 'Bios have at most 300 characters.').optional(),
  links: z.array(link).max(5, 'Add at most 5 links.').optional(),
  is_private: z.boolean().optional(),
  account_type: z.enum(['personal', 'creator', 'business'], { error: 'The account type is personal, creator or business.' }).optional(),
  avatar_media_id: z.number().int().positive().nullable().optional(),
  avatar_visibility: z.enum(['public', 'followers', 'custom'], { error: 'Who sees your picture: public, followers or custom.' }).optional(),
  /** Usernames who see the picture when avatar_visibility is 'custom'. */
  avatar_audience: z.array(z.string().trim().min(1).max(31)).max(500, 'Choose at most 500 people.').optional(),
})
export type ProfileInput = z.infer<typeof profileInput>
