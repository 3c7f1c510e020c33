// What members send the live plugin, checked at the edge: the go-live form (page and API), chat, moderation.
import { z } from 'zod'
import { safeName } from '../../core/plugins/api.js'
import { DELAYS } from './delay.js'
import { AUDIENCES, CHAT_MODES } from './tables.js'

/** A category's slug as a form or the API sends it: '' and null mean none. */
const category = z
  .string({ error: 'Choose a category from the list.' })
  .trim()
  .toLowerCase()
  .max(40, { error: 'Choose a category from the list.' })
  .nullable()
  .transform((v) => v || '')

/** The go-live form; checkboxes arrive as "on" from a form and as booleans from the API. */
export const streamInput = z.object({
  title: safeName({ label: 'Titles', min: 1, max: 100 }),
  audience: z.enum(AUDIENCES, { error: 'Choose who may watch: public or followers.' }).default('public'),
  chat: z.enum(CHAT_MODES, { error: 'Choose chat on, followers only, or off.' }).default('on'),
  save_replay: z.union([z.boolean(), z.literal('on'), z.literal('')]).optional().transform((v) => v === true || v === 'on'),
  /** Seconds viewers are behind (delay.ts); absent: the site's default. */
  delay_seconds: z.coerce
    .number()
    .refine((n) => (DELAYS as readonly number[]).includes(n), { error: 'Choose a delay of 0, 10, 30 or 60 seconds.' })
    .optional(),
  /** A category's slug ('' or absent: none); whether it exists is core's to say (`ctx.core.categories.idFor`). */
  category: category.optional(),
})
export type StreamInput = z.output<typeof streamInput>

export const CHAT_MAX = 300
/** A chat line, from the page's form, the API or the topic. */
export const chatText = z.object({ text: z.string({ error: 'Write something first.' }).trim().min(1, { error: 'Write something first.' }).max(CHAT_MAX, { error: `Messages are at most ${CHAT_MAX} characters.` }) })
/** What a viewer sends on the stream's topic: a chat line or a heart. */
export const chatMessage = z.union([
  chatText.strict(),
  z.object({ heart: z.literal(true) }).strict(),
])
export type ChatMessage = z.output<typeof chatMessage>

/** What the streamer's page sends on the ingest topic: a new recording starts (its WebM header comes next). */
export const ingestMessage = z.object({ start: z.literal(true) }).strict()

/** Minutes of a time-out; 0 bans the member from the stream's chat until it ends. */
export const BAN_MINUTES = [0, 1, 5, 10, 60] as const
export const banInput = z.object({
  username: z.string().trim().min(1, { error: 'Give the member’s username.' }).max(40),
  minutes: z.coerce.number().refine((m) => (BAN_MINUTES as readonly number[]).includes(m), { error: 'Choose 0 (ban), 1, 5, 10 or 60 minutes.' }),
})

export const chatModeInput = z.object({ chat: z.enum(CHAT_MODES, { error: 'Choose chat on, followers only, or off.' }) })

/** Slow mode: seconds a viewer waits between messages (0: off). */
export const SLOW_SECONDS = [0, 3, 5, 10, 30, 60, 120] as const
export const slowInput = z.object({
  slow_seconds: z.coerce.number().refine((n) => (SLOW_SECONDS as readonly number[]).includes(n), { error: `Choose slow mode of ${SLOW_SECONDS.join(', ')} seconds.` }),
})

/** The message to pin (a chat line of the stream), or null to unpin. */
export const pinInput = z.object({ message_id: z.coerce.number().int().positive({ error: 'Choose a message to pin.' }).max(Number.MAX_SAFE_INTEGER).nullable() })

export const moderatorInput = z.object({ username: z.string().trim().min(1, { error: 'Give the member’s username.' }).max(40) })

/** What the streamer (chat mode, category) and their moderators (slow mode) change on a stream through the API. */
export const streamPatch = z
  .object({ chat: chatModeInput.shape.chat.optional(), slow_seconds: slowInput.shape.slow_seconds.optional(), category: category.optional() })
  .refine((p) => p.chat !== undefined || p.slow_seconds !== undefined || p.category !== undefined, { error: 'Send chat, slow_seconds or category.' })

/** The stream page's category form (the streamer or staff). */
export const categoryInput = z.object({ category })
