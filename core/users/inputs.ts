// Input schemas for accounts, shared by the pages' forms and the JSON API.
import { z } from 'zod'
import { safeName } from '../text/names.js'

// Names that would shadow pages or impersonate staff.
const RESERVED = new Set([
  'admin', 'administrator', 'root', 'api', 'login', 'logout', 'register', 'settings', 'setup', 'static',
  'theme', 'themes', 'plugins', 'healthz', 'realtime', 'hearth', 'support', 'moderator', 'system', 'null', 'undefined', 'me',
])

export const username = z
  .string({ error: 'Choose a username.' })
  .trim()
  .min(3, 'Usernames have 3 to 30 characters.')
  .max(30, 'Usernames have 3 to 30 characters.')
  .regex(/^[A-Za-z0-9_]+$/, 'Usernames use only letters, digits and underscores.')
  .regex(/[A-Za-z_]/, 'Usernames need at least one letter or underscore.')
  .refine((u) => !RESERVED.has(u.toLowerCase()), 'That username is reserved; choose another.')

export const email = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .max(254, 'That email address is too long.')
  .pipe(z.email({ error: 'Enter a valid email address.' }))

export const displayName = safeName({ label: 'Display names', max: 50 })
/** The account form's one field, so a refusal names `display_name`. */
export const displayNameInput = z.object({ display_name: displayName })

export const registerInput = z.object({
  username,
  email,
  password: z.string({ error: 'Choose a password.' }),
  display_name: displayName.optional(),
})
export type RegisterInput = z.infer<typeof registerInput>

export const loginInput = z.object({
  login: z.string({ error: 'Enter your username or email.' }).trim().min(1, 'Enter your username or email.').max(254),
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1000),
  totp_code: z.string().trim().max(20).optional(),
  recovery_code: z.string().trim().max(40).optional(),
})

export const changePasswordInput = z.object({
  current_password: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.'),
  new_password: z.string({ error: 'Choose a new password.' }),
})

export const codeInput = z.object({
  code: z.string({ error: 'Enter the 6-digit code.' }).trim().regex(/^\d{6}$/, 'Enter the 6-digit code from your app.'),
})

export const roleInput = z.enum(['member', 'moderator', 'admin'], { error: 'The role is member, moderator or admin.' })
