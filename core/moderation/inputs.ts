// Input schemas for reports and resolutions, shared by the report page, the queue pages, the API and the CLI.
import { z } from 'zod'

export const REPORT_REASONS = ['spam', 'harassment', 'hate', 'violence', 'nudity', 'self-harm', 'misinformation', 'other'] as const
export type ReportReason = (typeof REPORT_REASONS)[number]

/** What a person sees for each reason, on the report form and in the queue. */
export const REASON_LABELS: Record<ReportReason, string> = {
  spam: 'Spam or scam',
  harassment: 'Harassment or bullying',
  hate: 'Hate speech or symbols',
  violence: 'Violence or threats',
  nudity: 'Nudity or sexual content',
  'self-harm': 'Self-harm or suicide',
  misinformation: 'False information',
  other: 'Something else',
}

/** The targets members report through the API and the report page; plugins file their own types too. */
export const CORE_TARGETS = ['user', 'post', 'comment'] as const
export type CoreTarget = (typeof CORE_TARGETS)[number]

export const OUTCOMES = ['dismiss', 'remove', 'sensitive', 'warn', 'suspend'] as const

export const NOTE_MAX = 1000
export const SUSPEND_REASON_MAX = 500

const note = z
  .string({ error: 'The note must be text.' })
  .trim()
  .max(NOTE_MAX, `Keep the note under ${NOTE_MAX} characters.`)
  .nullish()
  .transform((v) => v ?? '')

export const reason = z.enum(REPORT_REASONS, { error: `Choose a reason: ${REPORT_REASONS.join(', ')}.` })

/** A member's report: `{ target_type, target_id, reason, note }`. Ids may arrive as numbers (API) or text (forms). */
export const reportInput = z.object({
  /** A core target, or a plugin's reportable kind (`stories.story`), checked against the registered kinds. */
  target_type: z.union([z.enum(CORE_TARGETS), z.string().regex(/^[a-z0-9-]+\.[a-z0-9_-]+$/)], { error: 'You can report a user, a post, a comment, or what a plugin lets you report.' }),
  target_id: z.union([z.number().int().positive().transform(String), z.string().trim().min(1).max(200)], { error: 'Give the id of what you report.' }),
  reason,
  note,
})
export type ReportInput = z.input<typeof reportInput>

/** What a plugin files through `ctx.core.reports.file`. */
export const pluginReportInput = z.object({
  reporterId: z.number().int().positive().nullable(),
  targetType: z
    .string({ error: 'Give the target type.' })
    .regex(/^(user|post|comment|[a-z0-9-]+\.[a-z0-9_.-]+)$/, "A plugin's target type is its name, a dot and a thing, e.g. 'random-chat.session'.")
    .max(100),
  targetId: z.union([z.number().int(), z.string().trim().min(1).max(200)], { error: 'Give the target id (a number or text up to 200 characters).' }).transform(String),
  targetUserId: z.number().int().positive().nullish(),
  reason,
  note,
  snapshot: z.record(z.string(), z.unknown(), { error: 'The snapshot is a JSON object.' }).optional(),
})

/** A moderator's decision: `{ outcome, note, reason }`; `reason` is what a suspended member is shown. */
export const resolveInput = z.object({
  outcome: z.enum(OUTCOMES, { error: 'The outcome is dismiss, remove, sensitive, warn or suspend.' }),
  note,
  reason: z
    .string({ error: 'The reason must be text.' })
    .trim()
    .max(SUSPEND_REASON_MAX, `Keep the reason under ${SUSPEND_REASON_MAX} characters.`)
    .nullish()
    .transform((v) => v || null),
  /** With suspend: for this many days (it lifts by itself), as the members section suspends; absent: until lifted. */
  days: z
    .union([z.number(), z.string().trim().regex(/^\d*$/).transform((v) => (v ? Number(v) : null))], { error: 'The days are a whole number.' })
    .pipe(z.number().int().min(1, 'Suspend for at least a day.').max(3650, 'Suspend for at most 3650 days.').nullable())
    .nullish()
    .transform((v) => v ?? null),
})
export type ResolveInput = z.input<typeof resolveInput>

export const APPEAL_MAX = 2000

/** A member's appeal of a removal: why the moderators should look again. */
export const appealInput = z.object({
  text: z.string({ error: 'Say why the moderators should look again.' }).trim().min(1, 'Say why the moderators should look again.').max(APPEAL_MAX, `Keep it under ${APPEAL_MAX} characters.`),
})

/** Staff's answer to an appeal: `overturn` restores what was removed; `uphold` keeps the decision. */
export const appealDecisionInput = z.object({
  decision: z.enum(['uphold', 'overturn'], { error: 'The decision is uphold or overturn.' }),
  note,
})
