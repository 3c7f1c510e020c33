// Input schemas shared by the page forms and the JSON API, and the fixed choices they allow.
import { z } from 'zod'

/** Backgrounds a text card may have (CSS classes `story-bg-NAME` in public/stories.css). */
export const BACKGROUNDS = ['dusk', 'ocean', 'forest', 'ember', 'rose', 'night'] as const
export type Background = (typeof BACKGROUNDS)[number]

/** The quick reactions offered under a story. */
export const EMOJI = ['❤️', '😂', '😮', '😢', '👏', '🔥'] as const

export const AUDIENCES = ['public', 'followers', 'close_friends', 'custom'] as const
export const AUDIENCE_LABELS: Record<(typeof AUDIENCES)[number], string> = {
  public: 'Everyone who can see your posts',
  followers: 'Followers',
  close_friends: 'Close friends',
  custom: 'Only the people I name',
}

export const MAX_TEXT = 500
export const MAX_NAMES = 200
export const DEFAULT_HOURS = 24

const names = (field: string) =>
  z
    .array(z.string({ error: `List ${field} as usernames.` }).trim().max(40, 'That is not a username.'), { error: `List ${field} as usernames.` })
    .max(MAX_NAMES, `Name at most ${MAX_NAMES} people.`)
    .transform((list) => [...new Set(list.map((n) => n.replace(/^@/, '').toLowerCase()).filter(Boolean))])

/**
 * A new story, as `POST /api/v1/stories` takes it (the page form is turned into the same shape by `formToStory`).
 * @example storyInput.parse({ kind: 'text', text: 'Hi', background: 'ocean', audience: 'close_friends' })
 */
export const storyInput = z
  .object({
    kind: z.enum(['photo', 'video', 'text'], { error: 'Choose a photo, a video or a text card.' }),
    media_id: z.number({ error: 'Give the id of a photo or video you uploaded.' }).int().positive().nullish(),
    text: z.string({ error: 'Write the text as a string.' }).trim().max(MAX_TEXT, `Keep the text under ${MAX_TEXT} characters.`).default(''),
    background: z.enum(BACKGROUNDS, { error: `Choose a background: ${BACKGROUNDS.join(', ')}.` }).nullish(),
    audience: z.enum(AUDIENCES, { error: 'Choose who sees it: public, followers, close_friends or custom.' }).default('followers'),
    custom: names('the custom audience').default([]),
    hide_from: names('who to hide it from').default([]),
    view_once: z.boolean({ error: 'view_once is true or false.' }).default(false),
    hours: z.number({ error: 'Choose how long it stays: 1 to 48 hours.' }).int('Choose a whole number of hours.').min(1, 'A story stays at least 1 hour.').max(48, 'A story stays at most 48 hours.').default(DEFAULT_HOURS),
  })
  .superRefine((v, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (v.kind === 'text') {
      if (!v.text) problem('text', 'Write something for your text card.')
      if (v.media_id) problem('media_id', 'A text card has no photo or video.')
    } else {
      if (!v.media_id) problem('media_id', `Choose a ${v.kind} for your story.`)
      if (v.background) problem('background', 'Only text cards have a background.')
    }
    if (v.audience === 'custom' && !v.custom.length) problem('custom', 'Name the people who may see it.')
    if (v.audience !== 'custom' && v.custom.length) problem('custom', 'Only a custom audience takes a list of people; choose audience "custom".')
    const both = v.hide_from.find((n) => v.custom.includes(n))
    if (both) problem('hide_from', `@${both} is both in the audience and hidden from it.`)
  })
export type StoryInput = z.output<typeof storyInput>

/** A reaction: one of EMOJI, or a text reply. */
export const reactionInput = z
  .object({
    emoji: z.string().trim().nullish(),
    text: z.string({ error: 'Write the reply as a string.' }).trim().max(MAX_TEXT, `Keep your reply under ${MAX_TEXT} characters.`).nullish(),
  })
  .superRefine((v, ctx) => {
    const one = (v.emoji ? 1 : 0) + (v.text ? 1 : 0)
    if (one !== 1) ctx.addIssue({ code: 'custom', path: ['text'], message: 'Send either a quick reaction or a reply.' })
    else if (v.emoji && !(EMOJI as readonly string[]).includes(v.emoji)) ctx.addIssue({ code: 'custom', path: ['emoji'], message: `Choose one of ${EMOJI.join(' ')}.` })
  })
export type ReactionInput = z.output<typeof reactionInput>

export const highlightTitle = z.string({ error: 'Name the highlight.' }).trim().min(1, 'Name the highlight.').max(40, 'Keep highlight names under 40 characters.')

/** Split "ana, @ben  cleo" into names. */
export const splitNames = (s: string | undefined) => (s ?? '').split(/[\s,;]+/).filter(Boolean)

/** The create form's text fields, in the API's shape (the file, if any, is handled by the route). */
export function formToStory(form: Record<string, string | undefined>, kindFromMedia: 'photo' | 'video' | null): unknown {
  const hours = (form.hours ?? '').trim()
  const mediaId = (form.media_id ?? '').trim()
  return {
    kind: kindFromMedia ?? (form.kind === 'photo' || form.kind === 'video' ? form.kind : 'text'),
    media_id: mediaId ? (/^\d+$/.test(mediaId) ? Number(mediaId) : mediaId) : null,
    text: form.text ?? '',
    background: kindFromMedia || mediaId ? null : form.background || null,
    audience: form.audience || undefined,
    custom: form.audience === 'custom' ? splitNames(form.custom) : [],
    hide_from: splitNames(form.hide_from),
    view_once: form.view_once === 'on' || form.view_once === 'true',
    hours: hours ? (/^\d+$/.test(hours) ? Number(hours) : hours) : undefined,
  }
}
