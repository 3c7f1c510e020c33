// Input schemas for posts, shared by the compose page and the API.
import { z } from 'zod'
import { safeName } from '../text/names.js'
import { POST_TEXT_MAX } from './text.js'

const visibility = z.enum(['public', 'followers', 'only_me'], { error: 'Visibility is public, followers or only_me.' })

/** Alt text: the one rule for text people see (core/text/names.ts: spaces collapsed, no control, bidi or invisible characters), at most ALT_MAX characters. */
export const ALT_MAX = 1000
export const altText = safeName({ label: 'Alt texts', max: ALT_MAX, required: 'Alt text is a string.' })

const category = z.string({ error: 'The category is a category’s slug.' }).trim().toLowerCase().max(40, 'There is no such category.').nullable()

export const createPostInput = z.object({
  text: z.string({ error: 'The text must be a string.' }).max(POST_TEXT_MAX, `Posts have at most ${POST_TEXT_MAX} characters.`).default(''),
  visibility: visibility.default('public'),
  media_ids: z.array(z.number({ error: 'Media ids are numbers.' }).int().positive()).max(10, 'Add at most 10 photos or videos.').default([]),
  /** Alt text for each of media_ids, in the same order ('' or missing for none). */
  media_alt: z.array(altText).max(10, 'Give at most 10 alt texts.').default([]),
  /** ISO time to publish at; absent or null publishes now. */
  publish_at: z.iso.datetime({ offset: true, error: 'Give the publish time as an ISO date and time, e.g. 2026-12-01T09:00:00Z.' }).nullable().optional(),
  comments_enabled: z.boolean({ error: 'comments_enabled is true or false.' }).default(true),
  /** Others may repost and quote it. */
  reposts_enabled: z.boolean({ error: 'reposts_enabled is true or false.' }).default(true),
  /** Its photos and videos are sensitive: shown blurred behind a warning (each member chooses in Settings). */
  sensitive: z.boolean({ error: 'sensitive is true or false.' }).default(false),
  /** Make the post a quote of this post (shown as a card under the text). */
  quote_of: z.number({ error: 'quote_of is a post id.' }).int('quote_of is a post id.').positive('quote_of is a post id.').nullable().optional(),
  /** The slug of the category it is filed under (core/curation), or null/'' for none. */
  category: category.optional(),
})
export type CreatePostInput = z.input<typeof createPostInput>

export const updatePostInput = z.object({
  text: z.string().max(POST_TEXT_MAX, `Posts have at most ${POST_TEXT_MAX} characters.`).optional(),
  visibility: visibility.optional(),
  comments_enabled: z.boolean().optional(),
  reposts_enabled: z.boolean({ error: 'reposts_enabled is true or false.' }).optional(),
  sensitive: z.boolean({ error: 'sensitive is true or false.' }).optional(),
  /** Usernames the post is hidden from. */
  hidden_from: z.array(z.string().trim().min(1).max(31)).max(1000).optional(),
  /** The category's slug; null or '' takes it away. */
  category: category.optional(),
})
