// The stories rules between the routes and the queries: creating, viewing (and view-once), reacting, mentions,
// media access, highlights and the purge. Every path that shows a story goes through here.
import { cardText, displayName, fieldsOf, type MediaInfo, type SharedCard, type Viewer } from '../../core/plugins/api.js'
import { highlightTitle, reactionInput, splitNames, storyInput, type StoryInput } from './inputs.js'
import type { StoriesContext } from './plugin.js'
import * as q from './queries.js'
import type { StoryRow } from './tables.js'

/** How long after opening a view-once story its file still loads (plus the video's length), for slow networks. */
export const VIEW_ONCE_GRACE_MS = 2 * 60_000
/** Reactions one member may send to one story. */
export const MAX_REACTIONS = 20
export const MAX_CLOSE_FRIENDS = 500
const MAX_HIGHLIGHTS = 100

const iso = (ms: number) => new Date(ms).toISOString()
const MENTION = /(?:^|[^\w@])@([A-Za-z0-9_]{3,30})(?![\w])/g

/** The usernames mentioned in a text, lowercased, once each. */
export function mentionsIn(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!.toLowerCase()))]
}

/** A story as the API shows it; the audience lists and view count only to its author. */
export interface StoryJson {
  id: number
  kind: StoryRow['kind']
  author: { id: number; username: string; display_name: string }
  text: string
  background: string | null
  media: MediaInfo | null
  view_once: boolean
  created_at: string
  expires_at: string
  seen?: boolean
  audience?: StoryRow['audience']
  custom?: string[]
  hide_from?: string[]
  views?: number
}

export type StoriesService = ReturnType<typeof storiesService>

export function storiesService(ctx: StoriesContext) {
  const { db } = ctx
  const notFound = () => ctx.http.error(404, 'NOT_FOUND', 'That story does not exist.')
  const invalid = (fields: Record<string, string>) => ctx.http.error(400, 'VALIDATION_FAILED', Object.values(fields)[0] ?? 'The input is not valid.', { fields })

  /** Resolve usernames to member ids, refusing unknown names and the author. */
  async function members(field: string, names: string[], authorId: number): Promise<number[]> {
    const found = await q.usersNamed(db, names)
    const missing = names.find((n) => !found.some((u) => u.username.toLowerCase() === n))
    if (missing) throw invalid({ [field]: `There is no member named @${missing}.` })
    if (found.some((u) => u.id === authorId)) throw invalid({ [field]: 'You always see your own stories; leave yourself out.' })
    return found.map((u) => u.id)
  }

  /** Tell members mentioned in a story, if they may see it. */
  async function notifyMentions(story: StoryRow, at: string): Promise<void> {
    const named = await q.usersNamed(db, mentionsIn(story.text))
    for (const u of named) {
      if (u.id === story.author_id) continue
      if (!(await q.visibleStory(db, u.id, story.id, at))) continue
      await ctx.core.notifications.notify({ userId: u.id, type: 'mention', actorId: story.author_id, data: { storyId: story.id } })
    }
  }

  /** Whether a highlighted story may be shown to this viewer: see README (highlights). */
  async function highlightVisible(viewerId: number | null, story: StoryRow, at: string): Promise<boolean> {
    if (viewerId === story.author_id) return true
    if (!(await mayReadAuthor(viewerId, story.author_id))) return false
    return !!(await q.visibleStory(db, viewerId, story.id, at, { live: false }))
  }

  /** Whether the viewer may see the author's posts (ctx.core.social applies privacy, suspension and blocks). */
  async function mayReadAuthor(viewerId: number | null, authorId: number): Promise<boolean> {
    if (viewerId === authorId) return true
    try {
      return (await ctx.core.social.profile(viewerId, authorId)).can_see_content
    } catch {
      return false
    }
  }

  const service = {
    notFound,

    /** Validate and create a story (media must be the author's own, unused upload of the right kind). */
    async create(author: Viewer, raw: unknown): Promise<StoryRow> {
      const parsed = storyInput.safeParse(raw)
      if (!parsed.success) throw invalid(fieldsOf(parsed.error))
      const input: StoryInput = parsed.data
      const custom = await members('custom', input.custom, author.id)
      const hide = await members('hide_from', input.hide_from, author.id)
      if (input.media_id) {
        const m = await q.mediaForStory(db, input.media_id)
        if (!m || m.owner_id !== author.id) throw invalid({ media_id: 'Choose a photo or video you uploaded.' })
        if (input.kind === 'photo' && m.kind !== 'image') throw invalid({ media_id: 'That file is a video; post it as kind "video".' })
        if (input.kind === 'video' && m.kind !== 'video') throw invalid({ media_id: 'That file is a photo; post it as kind "photo".' })
        if (m.status === 'failed') throw invalid({ media_id: 'That file could not be processed; upload it again.' })
        if (m.usedBy) throw invalid({ media_id: `That file is already in a ${m.usedBy === 'avatar' ? 'profile picture' : m.usedBy}; upload it again for this story.` })
      }
      // The operator's rules on writing (decision 038): the text of a text story, or a photo's or video's caption.
      const checked = { surface: 'story', authorId: author.id, text: input.text }
      const verdict = await ctx.core.policy.enforce(checked)
      const now = Date.now()
      const story = await q.insertStory(db, {
        author_id: author.id,
        kind: input.kind,
        media_id: input.media_id ?? null,
        text: input.text,
        background: input.kind === 'text' ? (input.background ?? 'night') : null,
        audience: input.audience,
        view_once: input.view_once,
        expires_at: iso(now + input.hours * 3_600_000),
        custom,
        hide,
      })
      await ctx.core.policy.flagSaved(verdict, checked, { type: 'stories.story', id: story.id })
      ctx.log.info({ story: story.id, author: author.id, kind: story.kind, audience: story.audience }, 'story posted')
      await notifyMentions(story, iso(now))
      return story
    },

    /**
     * Open a story as `viewer`: NOT_FOUND unless they may see it now. A member's first opening is recorded (the
     * author's viewer list); opening a view-once story again is NOT_FOUND.
     */
    async open(viewer: Viewer | null, id: number): Promise<StoryRow> {
      const at = iso(Date.now())
      const story = await q.visibleStory(db, viewer?.id ?? null, id, at)
      if (!story) throw notFound()
      if (viewer && viewer.id !== story.author_id) {
        const first = await q.recordView(db, story.id, viewer.id, at)
        // Two requests at once both passed the check above; only the one that recorded the view shows it.
        if (!first && story.view_once) throw notFound()
      }
      return story
    },

    /** A story the viewer may see (or, view-once, has just opened), without recording anything. */
    async visible(viewerId: number | null, id: number): Promise<StoryRow> {
      const story = await q.visibleStory(db, viewerId, id, iso(Date.now()), { openedSince: iso(Date.now() - VIEW_ONCE_GRACE_MS) })
      if (!story) throw notFound()
      return story
    },

    /** The story's author only; others who may see it are FORBIDDEN, everyone else NOT_FOUND. */
    async own(viewer: Viewer, id: number): Promise<StoryRow> {
      const story = await service.visible(viewer.id, id)
      if (story.author_id !== viewer.id) throw ctx.http.error(403, 'FORBIDDEN', 'Only the author may do that with a story.')
      return story
    },

    /**
     * A story's file as this viewer may load it. A view-once story's file is reached only through opening it:
     * others get URLs with a one-time grant (each file loads once, a video's range reads included, for the grace
     * period plus its length); its plain URLs answer like a missing file. Call it only for a story just opened.
     */
    async media(story: StoryRow, viewer: Viewer | null): Promise<MediaInfo | null> {
      if (!story.media_id) return null
      if (!story.view_once || !viewer || viewer.id === story.author_id) return ctx.core.media.info(story.media_id)
      const seconds = Math.ceil((VIEW_ONCE_GRACE_MS + ((await q.mediaDuration(db, story.media_id)) ?? 0)) / 1000)
      return ctx.core.media.grant(story.media_id, viewer.id, seconds)
    },

    async json(story: StoryRow, viewer: Viewer | null, extra: { seen?: boolean } = {}): Promise<StoryJson> {
      const author = (await ctx.core.users.find(story.author_id))!
      const out: StoryJson = {
        id: story.id,
        kind: story.kind,
        author: { id: author.id, username: author.username, display_name: author.display_name },
        text: story.text,
        background: story.background,
        media: await service.media(story, viewer),
        view_once: !!story.view_once,
        created_at: story.created_at,
        expires_at: story.expires_at,
        ...('seen' in extra ? { seen: extra.seen } : {}),
      }
      if (viewer?.id === story.author_id) {
        const lists = await q.audienceLists(db, story.id)
        out.audience = story.audience
        out.custom = lists.custom
        out.hide_from = lists.hide
        out.views = (await q.viewCounts(db, [story.id])).get(story.id) ?? 0
      }
      return out
    },

    /**
     * A story as a shared card (a reply in a conversation shows the story it answers): to a viewer who may see it
     * now, while it lasts. A view-once story shows no frame (opening it is the only way to see it).
     */
    async card(viewer: Viewer | null, id: number): Promise<SharedCard | null> {
      const story = await q.visibleStory(db, viewer?.id ?? null, id, iso(Date.now()))
      if (!story) return null
      const author = await ctx.core.users.find(story.author_id)
      if (!author) return null
      const media = story.media_id && !story.view_once ? await ctx.core.media.info(story.media_id) : null
      const thumb = media?.status === 'ready' ? (media.kind === 'video' ? media.urls.poster : (media.urls['320'] ?? media.urls['640'])) : undefined
      return {
        kind: 'story',
        ref: story.id,
        url: `/stories/${author.username}/${story.id}`,
        label: story.view_once ? 'View-once story' : 'Story',
        title: displayName(author),
        subtitle: `@${author.username}`,
        text: story.text ? cardText(story.text, 140) : undefined,
        image: thumb ? { url: thumb, alt: `Story by ${displayName(author)}` } : null,
        expires_at: story.expires_at,
      }
    },

    /** The tray for a member: people (themself first) with live stories they may see, unseen first. */
    tray(viewer: Viewer) {
      return q.tray(db, viewer.id, iso(Date.now()))
    },

    /** Live stories of one author (or several) that the viewer may see, oldest first. */
    storiesOf(viewerId: number | null, authorIds: number | number[]) {
      return q.storiesOf(db, viewerId, authorIds, iso(Date.now()))
    },

    async viewers(viewer: Viewer, id: number) {
      const story = await service.own(viewer, id)
      return q.viewersOf(db, story)
    },

    /** A quick emoji or a text reply: a notification to the author and `action:stories.replied`. */
    async react(viewer: Viewer, id: number, raw: unknown): Promise<{ id: number; kind: 'emoji' | 'text'; body: string }> {
      const story = await service.visible(viewer.id, id)
      if (story.author_id === viewer.id) throw ctx.http.error(409, 'CONFLICT', 'You cannot react to your own story.')
      const parsed = reactionInput.safeParse(raw)
      if (!parsed.success) throw invalid(fieldsOf(parsed.error))
      if ((await q.reactionsBy(db, story.id, viewer.id)) >= MAX_REACTIONS) throw ctx.http.error(429, 'RATE_LIMITED', 'You have reacted to this story enough.')
      const kind = parsed.data.emoji ? 'emoji' : 'text'
      const body = (parsed.data.emoji ?? parsed.data.text)!
      if (kind === 'text') await ctx.core.policy.enforce({ surface: 'reply', authorId: viewer.id, text: body })
      const reactionId = await q.addReaction(db, story.id, viewer.id, kind, body)
      if (kind === 'emoji') {
        await ctx.core.notifications.notify({ userId: story.author_id, type: 'reaction', actorId: viewer.id, groupKey: String(story.id), data: { storyId: story.id, emoji: body } })
      } else {
        // With messages on, the reply arrives in the conversation with the author, and its notification leads there.
        if (!ctx.plugins.enabled('messages')) await ctx.core.notifications.notify({ userId: story.author_id, type: 'reply', actorId: viewer.id, data: { storyId: story.id, text: body } })
      }
      await ctx.hooks.emit('action:stories.replied', { storyId: story.id, authorId: story.author_id, fromId: viewer.id, kind, text: body })
      return { id: reactionId, kind, body }
    },

    /** Delete a story now (its author): its file too, unless core shows that file elsewhere. */
    async remove(viewer: Viewer, id: number): Promise<void> {
      // The author may delete their own stories from the archive too (expired, not yet purged).
      const story = await q.storyById(db, id)
      if (!story || story.author_id !== viewer.id) {
        await service.own(viewer, id) // FORBIDDEN to those who may see it, NOT_FOUND to the rest
        throw notFound()
      }
      if (story.media_id && !(await q.coreUsesMedia(db, story.media_id))) await ctx.core.media.remove(story.media_id)
      await q.deleteStory(db, story.id)
    },

    /**
     * `filter:media.viewable` for files of stories: the author while the story exists; its audience while it is
     * live; a highlight's viewers. A view-once story's file only to its author here: others load it through the
     * grant that opening the story gives (service.media). Nobody else, unless core shows the same file in a post
     * or a profile picture, whose own rules then hold there.
     */
    async mediaViewable(value: boolean, viewerId: number | null, mediaId: number): Promise<boolean> {
      const stories = await q.storiesWithMedia(db, mediaId)
      if (!stories.length) return value
      if (value && (await q.coreUsesMedia(db, mediaId))) return true
      const now = Date.now()
      const at = iso(now)
      for (const story of stories) {
        if (viewerId === story.author_id) return true
        if (story.view_once) continue
        if (await q.visibleStory(db, viewerId, story.id, at)) return true
        if ((await q.isHighlighted(db, story.id)) && (await highlightVisible(viewerId, story, at))) return true
      }
      return false
    },

    /** After a block, neither stays on the other's close friends list. */
    async forgetBetween(a: number, b: number): Promise<void> {
      await q.forgetCloseFriends(db, a, b)
    },

    closeFriends(ownerId: number) {
      return q.closeFriendsOf(db, ownerId)
    },

    /** The settings panel's save: the whole list, as usernames separated by spaces, commas or lines. */
    async saveCloseFriends(viewer: Viewer, text: string): Promise<string> {
      const names = [...new Set(splitNames(text).map((n) => n.replace(/^@/, '').toLowerCase()))]
      if (names.length > MAX_CLOSE_FRIENDS) throw invalid({ close_friends: `Keep at most ${MAX_CLOSE_FRIENDS} close friends.` })
      const ids = await members('close_friends', names, viewer.id)
      await q.setCloseFriends(db, viewer.id, ids)
      return ids.length === 1 ? 'Your close friends list has 1 person.' : `Your close friends list has ${ids.length} people.`
    },

    // ---- Highlights

    mayReadAuthor,

    /** Save one of the viewer's stories (live or in the archive) to a highlight, made if missing. */
    async highlight(viewer: Viewer, storyId: number, rawTitle: unknown): Promise<number> {
      const story = await q.storyById(db, storyId)
      if (!story || story.author_id !== viewer.id) throw notFound()
      if (story.view_once) throw invalid({ story: 'A view-once story cannot be kept in a highlight.' })
      const title = highlightTitle.safeParse(rawTitle)
      if (!title.success) throw invalid({ title: title.error.issues[0]!.message })
      const existing = await q.highlightsOf(db, viewer.id)
      if (existing.length >= MAX_HIGHLIGHTS && !existing.some((h) => h.title.toLowerCase() === title.data.toLowerCase())) {
        throw invalid({ title: `You have ${MAX_HIGHLIGHTS} highlights; add to one of them.` })
      }
      return q.addToHighlight(db, viewer.id, title.data, story.id)
    },

    async ownHighlight(viewer: Viewer, id: number) {
      const h = await q.highlightById(db, id)
      if (!h || h.owner_id !== viewer.id) throw ctx.http.error(404, 'NOT_FOUND', 'That highlight does not exist.')
      return h
    },

    /** A highlight and the stories of it this viewer may see; NOT_FOUND when there is nothing for them. */
    async highlightFor(viewerId: number | null, ownerId: number, id: number) {
      const h = await q.highlightById(db, id)
      const missing = () => ctx.http.error(404, 'NOT_FOUND', 'That highlight does not exist.')
      if (!h || h.owner_id !== ownerId) throw missing()
      const at = iso(Date.now())
      const all = await q.highlightStories(db, h.id)
      if (viewerId === ownerId) return { highlight: h, stories: all }
      if (!(await mayReadAuthor(viewerId, ownerId))) throw missing()
      const shown: StoryRow[] = []
      for (const s of all) if (await q.visibleStory(db, viewerId, s.id, at, { live: false })) shown.push(s)
      if (!shown.length) throw missing()
      return { highlight: h, stories: shown }
    },

    /** The owner's highlights as the viewer sees them (only those with a story the viewer may see). */
    async highlightsFor(viewerId: number | null, ownerId: number) {
      const list = await q.highlightsOf(db, ownerId)
      const out: ((typeof list)[number] & { shown: number; cover: StoryRow | null })[] = []
      if (viewerId === ownerId) {
        for (const h of list) out.push({ ...h, shown: Number(h.items), cover: (await q.highlightStories(db, h.id))[0] ?? null })
        return out
      }
      if (!(await mayReadAuthor(viewerId, ownerId))) return []
      const at = iso(Date.now())
      for (const h of list) {
        let shown = 0
        let cover: StoryRow | null = null
        for (const s of await q.highlightStories(db, h.id)) {
          if (!(await q.visibleStory(db, viewerId, s.id, at, { live: false }))) continue
          shown++
          cover ??= s
        }
        if (shown) out.push({ ...h, shown, cover })
      }
      return out
    },

    /**
     * Delete expired stories (past the archive time) that no highlight keeps: rows, viewer lists, reactions and
     * their files. Run every minute; safe to run at any time.
     */
    async purge(now = Date.now()): Promise<{ stories: number; files: number }> {
      const cutoff = iso(now - (await ctx.settings.get('archive_hours')) * 3_600_000)
      let stories = 0
      let files = 0
      for (;;) {
        const batch = await q.purgeable(db, cutoff, 200)
        const done: number[] = []
        for (const s of batch) {
          try {
            if (s.media_id && !(await q.coreUsesMedia(db, s.media_id))) {
              await ctx.core.media.remove(s.media_id)
              files++
            }
            done.push(s.id)
          } catch (err) {
            // Kept for the next run, so its file is not left behind without a row pointing at it.
            ctx.log.error({ err, story: s.id }, 'an expired story’s file could not be removed')
          }
        }
        await q.deleteStories(db, done)
        stories += done.length
        if (batch.length < 200 || !done.length) break
      }
      return { stories, files }
    },
  }
  return service
}
