// What members and staff send: the socket's messages, the Meet profile, reports and bans. Shared by the pages,
// the JSON API and the socket, so each says the same thing about bad input.
import { z } from 'zod'
import { REPORT_REASONS } from '../../core/plugins/api.js'

export const MAX_INTERESTS = 10
export const MAX_CHAT = 1000
export const GENDERS = ['woman', 'man', 'nonbinary'] as const
export const GENDER_LABELS: Record<(typeof GENDERS)[number], string> = { woman: 'Woman', man: 'Man', nonbinary: 'Non-binary' }

/** Tags from text or a list: lower case, letters, digits and dashes, at most 10, once each. */
export function normaliseInterests(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[,\s#]+/) : []
  const tags = list
    .filter((t): t is string => typeof t === 'string')
    .map((t) => t.trim().replace(/^#/, '').toLowerCase().normalize('NFKC'))
    .filter((t) => /^[\p{L}\p{N}][\p{L}\p{N}_-]{0,29}$/u.test(t))
  return [...new Set(tags)].slice(0, MAX_INTERESTS)
}

const optionalCode = (pattern: RegExp, message: string, transform: (s: string) => string) =>
  z
    .string({ error: message })
    .trim()
    .transform(transform)
    .refine((s) => s === '' || pattern.test(s), message)
    .transform((s) => (s === '' ? undefined : s))
    .optional()

export const region = optionalCode(/^[A-Z]{2}$/, 'A region is a two-letter country code, like DE or BR.', (s) => s.toUpperCase())
export const language = optionalCode(/^[a-z]{2,3}$/, 'A language is a two- or three-letter code, like en or pt.', (s) => s.toLowerCase())
const age = (label: string) => z.number({ error: `${label} is a whole number of years.` }).int(`${label} is a whole number of years.`).min(13, `${label} is at least 13.`).max(120, `${label} is at most 120.`)

/** The filters a member asks for (the service drops those the admin does not allow). */
export const wantsInput = z
  .object({
    region,
    language,
    gender: z.enum(GENDERS, { error: 'Choose woman, man or nonbinary, or no gender filter.' }).optional(),
    age_min: age('The youngest age').optional(),
    age_max: age('The oldest age').optional(),
  })
  .refine((w) => w.age_min === undefined || w.age_max === undefined || w.age_min <= w.age_max, { message: 'The youngest age must not be above the oldest.', path: ['age_max'] })

/** A Start press, as the page's script sends it over the socket. */
export const startInput = z.object({
  type: z.literal('start'),
  mode: z.enum(['video', 'text'], { error: 'Choose video or text.' }).default('video'),
  accept_text: z.boolean({ error: 'accept_text is true or false.' }).default(true),
  interests: z.unknown().transform(normaliseInterests).default([]),
  filters: wantsInput.default({}),
})
export type StartInput = z.output<typeof startInput>

const sessionId = z.string({ error: 'Say which session.' }).uuid('That is not a session id.')

/** What the page may send after Start. */
export const messageInput = z.discriminatedUnion(
  'type',
  [
    startInput,
    z.object({ type: z.literal('next') }),
    z.object({ type: z.literal('stop') }),
    z.object({ type: z.literal('signal'), session: sessionId, data: z.record(z.string(), z.unknown(), { error: 'A signal carries an object.' }) }),
    z.object({ type: z.literal('chat'), session: sessionId, text: z.string({ error: 'A chat message is text.' }).trim().min(1, 'Write something.').max(MAX_CHAT, `Keep a message under ${MAX_CHAT} characters.`) }),
    z.object({ type: z.literal('ping') }),
  ],
  { error: 'Unknown message type: send start, next, stop, signal, chat or ping.' },
)
export type MessageInput = z.output<typeof messageInput>

/** A report about the partner of a session. */
export const reportInput = z.object({
  reason: z.enum(REPORT_REASONS, { error: `Choose a reason: ${REPORT_REASONS.join(', ')}.` }),
  note: z.string({ error: 'The note is text.' }).trim().max(1000, 'Keep the note under 1,000 characters.').default(''),
})

/** The Meet panel in a member's settings. */
export const profileInput = z.object({
  show_identity: z.boolean({ error: 'show_identity is true or false.' }).default(false),
  region: region.nullable(),
  language: language.nullable(),
  gender: z.enum(GENDERS, { error: 'Choose woman, man or nonbinary, or leave it unsaid.' }).nullish(),
  birth_year: z
    .number({ error: 'The birth year is a year, like 1994.' })
    .int('The birth year is a year, like 1994.')
    .min(1900, 'The birth year is 1900 or later.')
    .max(new Date().getUTCFullYear() - 13, 'Meet is for members 13 and older.')
    .nullish(),
})
export type ProfileInput = z.output<typeof profileInput>

/** A ban from random chat, by a moderator. */
export const banInput = z.object({
  username: z.string({ error: 'Name the member.' }).trim().min(1, 'Name the member.').max(40, 'That is not a username.').transform((s) => s.replace(/^@/, '')),
  hours: z.number({ error: 'Ban for a number of hours.' }).int('Ban for a whole number of hours.').min(1, 'Ban for at least 1 hour.').max(24 * 365 * 10, 'Ban for at most 10 years.'),
  reason: z.string({ error: 'The reason is text.' }).trim().max(500, 'Keep the reason under 500 characters.').default(''),
})
