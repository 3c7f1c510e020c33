// Input schemas of the gift side, shared by the page forms and the JSON API.
import { z } from 'zod'

/** Built-in icons a gift may show when it has no picture (lucide names, drawn by core's Icon). */
export const GIFT_ICONS = ['gift', 'heart', 'rose', 'flower', 'star', 'sparkles', 'flame', 'zap', 'crown', 'gem', 'diamond', 'trophy', 'award', 'rocket', 'coffee', 'cake-slice', 'candy', 'music', 'sun', 'party-popper'] as const

export const NOTE_MAX = 200
export const GIFT_NAME_MAX = 40
export const PRICE_MAX = 1_000_000
export const WITHDRAWAL_METHODS = ['bank', 'paypal', 'other'] as const
export const METHOD_LABELS: Record<(typeof WITHDRAWAL_METHODS)[number], string> = { bank: 'Bank transfer', paypal: 'PayPal', other: 'Other' }

const wholeCoins = (what: string, max = PRICE_MAX) =>
  z.coerce
    .number({ error: `Give ${what} as a whole number of coins.` })
    .refine((n) => Number.isInteger(n), `Give ${what} as a whole number of coins.`)
    .refine((n) => n >= 1, `${what[0]!.toUpperCase()}${what.slice(1)} must be at least 1 coin.`)
    .refine((n) => n <= max, `${what[0]!.toUpperCase()}${what.slice(1)} can be at most ${max.toLocaleString('en')} coins.`)

/** A client's idempotency key: the same key twice is one gift, one withdrawal. */
const idempotencyKey = z
  .string({ error: 'The idempotency key must be text.' })
  .regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'The idempotency key must be 8 to 100 letters, digits or - _ . :')
  .optional()

/** What a gift is sent on: a core kind (`post`, `profile`) or one another plugin answers for. */
export const targetInput = z.object({
  kind: z.string({ error: 'Say what the gift is for (post, profile, ...).' }).regex(/^[a-z][a-z0-9_-]{0,31}$/, 'That is not a kind of thing a gift can be sent on.'),
  id: z.coerce.number({ error: 'Give the id of what the gift is for.' }).int('Give the id of what the gift is for.').positive('Give the id of what the gift is for.').max(Number.MAX_SAFE_INTEGER),
})

/**
 * A gift to send, as `POST /api/v1/coins/gifts/{id}/send` takes it (and the gift form, whose hidden `key` makes a
 * double submit one gift).
 * @example sendInput.parse({ target: { kind: 'post', id: 12 }, note: 'Lovely', idempotency_key: 'c2f1…' })
 */
export const sendInput = z.object({
  target: targetInput,
  note: z.string({ error: 'Write the note as text.' }).trim().max(NOTE_MAX, `Keep the note under ${NOTE_MAX} characters.`).default(''),
  idempotency_key: idempotencyKey,
})

/** A new gift in the catalog (admin). A picture (`media_id`, through core media) or a built-in `icon`. */
export const giftInput = z.object({
  name: z.string({ error: 'Give the gift a name.' }).trim().min(1, 'Give the gift a name.').max(GIFT_NAME_MAX, `Keep the name under ${GIFT_NAME_MAX} characters.`),
  price: wholeCoins('the price'),
  icon: z.enum(GIFT_ICONS, { error: 'Choose one of the built-in icons.' }).nullish(),
  media_id: z.coerce.number({ error: 'Give the id of a picture you uploaded.' }).int().positive().nullish(),
  position: z.coerce.number({ error: 'The position is a whole number.' }).int('The position is a whole number.').min(0).max(100_000).default(0),
  enabled: z.boolean({ error: 'Say whether the gift is offered (true or false).' }).default(true),
})
export type GiftInput = z.output<typeof giftInput>

/** A change to a gift (admin): any of its fields. */
export const giftPatch = giftInput.partial()

export const withdrawalInput = z.object({
  idempotency_key: idempotencyKey,
  amount: wholeCoins('the amount', Number.MAX_SAFE_INTEGER),
  method: z.enum(WITHDRAWAL_METHODS, { error: 'Choose how to be paid: bank, paypal or other.' }),
  details: z.string({ error: 'Give your payout details.' }).trim().min(4, 'Give your payout details (an IBAN, a PayPal address, ...).').max(500, 'Keep the payout details under 500 characters.'),
})

export const payInput = z.object({
  reference: z.string({ error: 'Give the payment’s reference.' }).trim().min(1, 'Give the payment’s reference.').max(200, 'Keep the reference under 200 characters.'),
})

export const rejectInput = z.object({
  reason: z.string({ error: 'Say why, for the creator.' }).trim().min(1, 'Say why, for the creator.').max(500, 'Keep the reason under 500 characters.'),
})
