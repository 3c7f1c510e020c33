// The pieces of a message's input that every way of sending shares (text, attachments): one definition each.
import { z } from 'zod'

export const TEXT_MAX = 4000

/** A message's text, trimmed; may be empty (a share or attachments say the rest). */
export const optionalText = z
  .string({ error: 'Write a message.' })
  .transform((s) => s.replace(/\r\n/g, '\n').trim())
  .pipe(z.string().max(TEXT_MAX, `Messages are at most ${TEXT_MAX} characters.`))

/** The client's id for a send, so a retry stores nothing new. */
export const clientIdInput = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'client_id is 8 to 64 letters, digits, - or _.')
  .optional()
  .nullable()

export const replyToInput = z.coerce.number({ error: 'reply_to is a message id.' }).int('reply_to is a message id.').positive('reply_to is a message id.').optional().nullable()
