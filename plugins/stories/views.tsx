// What the stories plugin draws: the home tray, the viewer, the new-story form, the archive, highlights and the
// close friends panel. Styles and the viewer's behaviour live in public/ (the CSP allows no inline script or style).
import type { ComponentChildren, VNode } from 'preact'
import { CsrfField, relativeTime, WHOLE_INPUT, type MediaInfo, type PublicUser, type Viewer } from '../../core/plugins/api.js'
import { AUDIENCE_LABELS, AUDIENCES, BACKGROUNDS, DEFAULT_HOURS, EMOJI, MAX_TEXT } from './inputs.js'
import type { StoriesContext } from './plugin.js'
import type { StoriesService } from './service.js'
import type { StoryRow } from './tables.js'

/** Seconds a photo or text card stays on screen in the viewer. */
export const PHOTO_MS = 5000

/** Paths of this plugin that a username could shadow: such members' viewers are opened at a story's own URL. */
const OWN_PATHS = new Set(['new', 'archive'])

/** Where the viewer opens on a member's stories. */
export const personHref = (username: string, firstId?: number) =>
  OWN_PATHS.has(username.toLowerCase()) && firstId ? `/stories/${username}/${firstId}` : `/stories/${username}`
export const storyHref = (username: string, id: number) => `/stories/${username}/${id}`

const Styles = () => <link rel="stylesheet" href="/plugins/stories/stories.css" />
const Script = () => <script src="/plugins/stories/stories.js" defer></script>

/** "5m", "3h", or the date, for when a story was posted. */
export const ago = relativeTime

/** "in 5h", for when a story expires. */
function left(iso: string, now = Date.now()): string {
  const s = Math.round((Date.parse(iso) - now) / 1000)
  if (s <= 0) return 'expired'
  if (s < 3600) return `${Math.max(1, Math.floor(s / 60))}m left`
  return `${Math.floor(s / 3600)}h left`
}

/** A story's text with @mentions as profile links. */
function Text({ text }: { text: string }) {
  const parts: ComponentChildren[] = []
  let last = 0
  for (const m of text.matchAll(/(^|[^\w@])@([A-Za-z0-9_]{3,30})(?![\w])/g)) {
    const at = m.index! + m[1]!.length
    parts.push(text.slice(last, at), <a href={`/u/${m[2]}`}>@{m[2]}</a>)
    last = at + 1 + m[2]!.length
  }
  parts.push(text.slice(last))
  return <>{parts}</>
}

function Letter({ name }: { name: string }) {
  return (
    <span class="story-letter" aria-hidden="true">
      {name.slice(0, 1).toUpperCase()}
    </span>
  )
}

/** A story's picture, video or text card. */
export function StoryFace({ story, media, author, autoplay }: { story: StoryRow; media: MediaInfo | null; author: string; autoplay?: boolean }) {
  if (story.kind === 'text') {
    return (
      <div class={`story-card story-bg-${story.background ?? 'night'}`}>
        <p>
          <Text text={story.text} />
        </p>
      </div>
    )
  }
  if (!media) return <p class="story-missing">This file is no longer available.</p>
  if (media.status === 'processing') return <p class="story-missing" role="status">Processing…</p>
  if (media.status === 'failed') return <p class="story-missing" role="alert">This file could not be processed.</p>
  if (media.kind === 'video') {
    return <video class="story-media" data-story-video src={media.urls.video} poster={media.urls.poster} playsInline muted={autoplay} autoplay={autoplay} controls={!autoplay} preload="metadata" />
  }
  return <img class="story-media" src={media.urls['1080'] ?? media.urls['640'] ?? media.urls.original} alt={`Story by ${author}`} width={media.width ?? undefined} height={media.height ?? undefined} />
}

// ---- The tray

export async function StoryTray(ctx: StoriesContext, service: StoriesService, viewer: Viewer): Promise<VNode> {
  // Other plugins' rings first (a followee live now); such a person's stories ring is left out of this tray.
  const rings = await ctx.hooks.apply('filter:stories.tray-rings', [], { viewer })
  const ringed = new Set(rings.map((r) => r.userId))
  const entries = (await service.tray(viewer)).filter((e) => !ringed.has(e.author_id))
  const mine = entries.find((e) => e.author_id === viewer.id)
  // Avatars through core, which applies each member's picture visibility (asked only of those who have one).
  const avatars = new Map<number, string | null>()
  await Promise.all(
    [...entries.filter((e) => e.avatar_media_id !== null).map((e) => e.author_id), ...ringed].map(async (id) => {
      try {
        avatars.set(id, (await ctx.core.social.profile(viewer.id, id)).avatar_url)
      } catch {
        avatars.set(id, null)
      }
    }),
  )
  const face = (id: number, name: string) => {
    const url = avatars.get(id)
    return url ? <img src={url} alt="" width={56} height={56} /> : <Letter name={name} />
  }
  return (
    <section class="card story-tray" aria-label="Stories" data-story-tray>
      <Styles />
      <ul>
        {rings.map((r) => (
          <li>
            <a href={r.href} class="story-person story-unseen story-ringed" data-tray-ring={r.username}>
              <span class="story-ring">{face(r.userId, r.display_name)}</span>
              <span class="story-badge">{r.label}</span>
              <span class="story-name">{r.display_name}</span>
            </a>
          </li>
        ))}
        {!mine && (
          <li>
            <a href="/stories/new" class="story-person story-add" data-story-add>
              <span class="story-ring">
                <span class="story-letter" aria-hidden="true">
                  +
                </span>
              </span>
              <span class="story-name">Your story</span>
            </a>
          </li>
        )}
        {entries.map((e) => (
          <li>
            <a href={personHref(e.username)} class={`story-person ${e.unseen > 0 ? 'story-unseen' : 'story-seen'}`} data-story-person={e.username} data-unseen={e.unseen > 0 ? 'true' : 'false'}>
              <span class="story-ring">{face(e.author_id, e.display_name)}</span>
              <span class="story-name">{e.author_id === viewer.id ? 'Your story' : e.display_name}</span>
              <span class="story-sr">{e.unseen > 0 ? `, ${e.unseen} new` : ', seen'}</span>
            </a>
          </li>
        ))}
        {mine && (
          <li>
            <a href="/stories/new" class="story-person story-add" aria-label="Add a story">
              <span class="story-ring">
                <span class="story-letter" aria-hidden="true">
                  +
                </span>
              </span>
              <span class="story-name">Add</span>
            </a>
          </li>
        )}
      </ul>
    </section>
  )
}

// ---- The viewer

export interface ViewerProps {
  author: PublicUser
  stories: { id: number; seen: number }[]
  index: number
  story: StoryRow
  media: MediaInfo | null
  next: string
  prev: string | null
  viewer: Viewer | null
  csrfToken: string
  /** For the author: who opened it, with their reactions. */
  viewers?: { username: string; display_name: string; viewed_at: string; reactions: { kind: string; body: string }[] }[]
  highlights?: { id: number; title: string }[]
  allHighlights?: { title: string }[]
  sent?: boolean
}

export function ViewerPage(p: ViewerProps) {
  const { author, story } = p
  const own = p.viewer?.id === author.id
  const duration = story.kind === 'video' && p.media?.duration_ms ? p.media.duration_ms : PHOTO_MS
  const here = storyHref(author.username, story.id)
  const back = story.view_once ? p.next : here
  return (
    <>
      <Styles />
      <section class="story-viewer" data-story-viewer data-duration={String(duration)} data-next={p.next} data-prev={p.prev ?? undefined} data-close="/" aria-label={`Stories of ${author.display_name}`}>
        <h1 class="visually-hidden">Story by {author.display_name}</h1>
        <div class="story-progress" aria-hidden="true">
          {p.stories.map((s, i) => (
            <span class={`story-seg ${i < p.index ? 'story-seg-done' : i === p.index ? 'story-seg-current' : ''}`}>
              <i data-bar={i === p.index ? '' : undefined}></i>
            </span>
          ))}
        </div>
        <header class="story-head">
          <a href={`/u/${author.username}`} class="story-author">
            {author.display_name}
          </a>
          <span class="muted">
            {ago(story.created_at)}
            {story.view_once ? ' · view once' : ''}
            {own ? ` · ${left(story.expires_at)}` : ''}
          </span>
          {story.kind === 'video' && p.media?.status === 'ready' && (
            <button type="button" class="link story-sound" data-story-sound hidden>
              Sound on
            </button>
          )}
          <a href="/" class="story-close" data-story-close aria-label="Close stories">
            ×
          </a>
        </header>
        <div class="story-stage" data-stage>
          <StoryFace story={story} media={p.media} author={author.display_name} autoplay />
          {story.kind !== 'text' && story.text && (
            <p class="story-caption">
              <Text text={story.text} />
            </p>
          )}
          {p.prev && <a class="story-tap story-tap-prev" href={p.prev} aria-label="Previous story" data-story-prev></a>}
          <a class="story-tap story-tap-next" href={p.next} aria-label="Next story" data-story-next></a>
          <span class="story-paused-badge" aria-hidden="true">
            Paused
          </span>
        </div>
        <nav class="story-nav" aria-label="Stories">
          {p.prev ? (
            <a href={p.prev} rel="prev">
              ← Previous
            </a>
          ) : (
            <span></span>
          )}
          <span class="muted" data-story-position>
            {p.index + 1} of {p.stories.length}
          </span>
          <a href={p.next} rel="next">
            {p.next === '/' ? 'Done' : 'Next →'}
          </a>
        </nav>
        {p.sent && (
          <p class="alert alert-ok" role="status">
            Sent to {author.display_name}.
          </p>
        )}
        {p.viewer && !own && (
          <div class="story-respond">
            <form method="post" action={`/stories/${story.id}/reactions`} class="story-emoji" aria-label="Quick reactions">
              <CsrfField token={p.csrfToken} />
              <input type="hidden" name="back" value={back} />
              {EMOJI.map((e) => (
                <button type="submit" name="emoji" value={e} class="secondary" aria-label={`React ${e}`}>
                  {e}
                </button>
              ))}
            </form>
            <form method="post" action={`/stories/${story.id}/reactions`} class="story-reply">
              <CsrfField token={p.csrfToken} />
              <input type="hidden" name="back" value={back} />
              <input name="text" maxLength={MAX_TEXT} placeholder={`Reply to ${author.display_name}`} aria-label={`Reply to ${author.display_name}`} required />
              <button type="submit">Send</button>
            </form>
            <a href={`/report?type=stories.story&id=${story.id}`} class="story-report" data-story-report>
              Report
            </a>
          </div>
        )}
        {own && <AuthorTools {...p} />}
      </section>
      <Script />
    </>
  )
}

function AuthorTools(p: ViewerProps) {
  const viewers = p.viewers ?? []
  return (
    <div class="story-author-tools">
      <details data-story-viewers>
        <summary>
          Seen by {viewers.length} {viewers.length === 1 ? 'person' : 'people'}
        </summary>
        {viewers.length ? (
          <ul>
            {viewers.map((v) => (
              <li>
                <a href={`/u/${v.username}`}>{v.display_name}</a> <span class="muted">@{v.username}</span> {v.reactions.map((r) => (r.kind === 'emoji' ? ` ${r.body}` : ` “${r.body}”`))}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">Nobody yet.</p>
        )}
      </details>
      {!p.story.view_once && <HighlightForm story={p.story} csrfToken={p.csrfToken} current={p.highlights ?? []} all={p.allHighlights ?? []} back={storyHref(p.author.username, p.story.id)} />}
      <form method="post" action={`/stories/${p.story.id}/delete`}>
        <CsrfField token={p.csrfToken} />
        <button type="submit" class="danger">
          Delete story
        </button>
      </form>
    </div>
  )
}

function HighlightForm({ story, csrfToken, current, all, back }: { story: StoryRow; csrfToken: string; current: { id: number; title: string }[]; all: { title: string }[]; back: string }) {
  const list = `hl-${story.id}`
  return (
    <div class="story-highlight">
      {current.length > 0 && <p class="muted">In highlights: {current.map((h) => h.title).join(', ')}</p>}
      <form method="post" action={`/stories/${story.id}/highlight`} class="actions">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="back" value={back} />
        <input name="title" maxLength={40} list={list} placeholder="Highlight name" aria-label="Highlight name" required />
        <datalist id={list}>
          {all.map((h) => (
            <option value={h.title} />
          ))}
        </datalist>
        <button type="submit" class="secondary">
          Save to highlight
        </button>
      </form>
    </div>
  )
}

// ---- New story

export interface NewStoryValues {
  text?: string
  background?: string
  audience?: string
  custom?: string
  hide_from?: string
  hours?: string
  view_once?: boolean
  media_id?: string
}

function Problem({ field, errors }: { field: string; errors: Record<string, string> }) {
  return errors[field] ? (
    <p class="error" id={`story-${field}-error`}>
      {errors[field]}
    </p>
  ) : null
}

export function NewStoryPage({ csrfToken, values = {}, errors = {}, hasCloseFriends, guidelines }: { csrfToken: string; values?: NewStoryValues; errors?: Record<string, string>; hasCloseFriends: boolean; guidelines?: VNode | null }) {
  const cls = (f: string) => (errors[f] ? 'field field-invalid' : 'field')
  const bg = values.background ?? 'night'
  const audience = values.audience ?? 'followers'
  const general = errors[WHOLE_INPUT] ?? (Object.keys(errors).length ? 'Check the form: some fields need attention.' : null)
  return (
    <>
      <Styles />
      <h1>New story</h1>
      {guidelines}
      <form method="post" action="/stories" enctype="multipart/form-data" class="card story-new" data-story-new>
        <CsrfField token={csrfToken} />
        {general && (
          <p class="alert alert-error" role="alert">
            {general}
          </p>
        )}
        <div class={cls('media_id')}>
          <label for="story-file">Photo or video</label>
          <input id="story-file" type="file" name="file" accept="image/*,video/*" data-story-file />
          <input type="hidden" name="media_id" value={values.media_id ?? ''} data-story-media-id />
          <div class="story-preview" data-story-preview aria-live="polite">
            {values.media_id ? <p class="hint">Your upload is kept; choose another file to replace it.</p> : null}
          </div>
          <p class="hint">Leave it empty for a text card. Without JavaScript, files up to 1 MB.</p>
          <Problem field="media_id" errors={errors} />
          <Problem field="file" errors={errors} />
        </div>
        <div class={cls('text')}>
          <label for="story-text">Text (a text card’s words, or a caption)</label>
          <textarea id="story-text" name="text" maxLength={MAX_TEXT} rows={3}>
            {values.text ?? ''}
          </textarea>
          <p class="hint">Mention people with @username; they are told if they can see the story.</p>
          <Problem field="text" errors={errors} />
        </div>
        <fieldset class={cls('background')}>
          <legend>Background of a text card</legend>
          <div class="story-swatches">
            {BACKGROUNDS.map((b) => (
              <label class={`story-swatch story-bg-${b}`}>
                <input type="radio" name="background" value={b} checked={b === bg} /> {b}
              </label>
            ))}
          </div>
          <Problem field="background" errors={errors} />
        </fieldset>
        <fieldset class={cls('audience')}>
          <legend>Who sees it</legend>
          {AUDIENCES.map((a) => (
            <label class="story-choice">
              <input type="radio" name="audience" value={a} checked={a === audience} /> {AUDIENCE_LABELS[a]}
              {a === 'close_friends' && (
                <span class="muted">
                  {' '}
                  (<a href="/settings/stories">{hasCloseFriends ? 'edit your list' : 'your list is empty: add people'}</a>)
                </span>
              )}
            </label>
          ))}
          <Problem field="audience" errors={errors} />
        </fieldset>
        <div class={cls('custom')}>
          <label for="story-custom">The people (for “Only the people I name”)</label>
          <input id="story-custom" name="custom" value={values.custom ?? ''} placeholder="ana, ben" />
          <Problem field="custom" errors={errors} />
        </div>
        <div class={cls('hide_from')}>
          <label for="story-hide">Hide it from</label>
          <input id="story-hide" name="hide_from" value={values.hide_from ?? ''} placeholder="usernames, separated by commas" />
          <Problem field="hide_from" errors={errors} />
        </div>
        <div class={cls('hours')}>
          <label for="story-hours">Disappears after (hours)</label>
          <input id="story-hours" name="hours" type="number" min={1} max={48} value={values.hours ?? String(DEFAULT_HOURS)} />
          <Problem field="hours" errors={errors} />
        </div>
        <div class="field">
          <label>
            <input type="checkbox" name="view_once" checked={values.view_once} /> View once: each person can open it one time
          </label>
        </div>
        <button type="submit">Share story</button>
      </form>
      <p>
        <a href="/stories/archive">Your story archive and highlights</a>
      </p>
      <Script />
    </>
  )
}

// ---- The author's archive

export function ArchivePage(p: {
  csrfToken: string
  stories: { story: StoryRow; media: MediaInfo | null; views: number; highlights: { id: number; title: string }[] }[]
  highlights: { id: number; title: string; shown: number }[]
  username: string
  archiveHours: number
}) {
  const now = Date.now()
  return (
    <>
      <Styles />
      <h1>Your stories</h1>
      <p class="muted">
        Live stories, and expired ones for {p.archiveHours} hours after they expire: save any of them to a highlight on your profile to keep it. Only you see this page.{' '}
        <a href="/stories/new">New story</a>
      </p>
      {p.highlights.length > 0 && (
        <section class="card">
          <h2>Highlights</h2>
          <ul>
            {p.highlights.map((h) => (
              <li>
                <a href={`/stories/${p.username}/highlights/${h.id}`}>{h.title}</a> <span class="muted">({h.shown})</span>
                <form method="post" action={`/stories/highlights/${h.id}/delete`} class="story-inline">
                  <CsrfField token={p.csrfToken} />
                  <button type="submit" class="link">
                    Delete highlight
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      )}
      {p.stories.length === 0 && <p class="card muted">No stories yet.</p>}
      <div class="story-grid">
        {p.stories.map(({ story, media, views, highlights }) => {
          const live = Date.parse(story.expires_at) > now
          return (
            <article class="card story-tile" data-archive-story={story.id}>
              <div class="story-thumb">
                <StoryFace story={story} media={media} author={p.username} />
              </div>
              <p class="muted">
                {live ? <a href={storyHref(p.username, story.id)}>{left(story.expires_at, now)}</a> : 'expired'} · {views} {views === 1 ? 'view' : 'views'} · {story.audience.replace('_', ' ')}
                {story.view_once ? ' · view once' : ''}
              </p>
              {!story.view_once && <HighlightForm story={story} csrfToken={p.csrfToken} current={highlights} all={p.highlights} back="/stories/archive" />}
              {highlights.map((h) => (
                <form method="post" action={`/stories/${story.id}/unhighlight`} class="story-inline">
                  <CsrfField token={p.csrfToken} />
                  <input type="hidden" name="highlight_id" value={String(h.id)} />
                  <button type="submit" class="link">
                    Remove from “{h.title}”
                  </button>
                </form>
              ))}
              <form method="post" action={`/stories/${story.id}/delete`} class="story-inline">
                <CsrfField token={p.csrfToken} />
                <input type="hidden" name="back" value="/stories/archive" />
                <button type="submit" class="link">
                  Delete
                </button>
              </form>
            </article>
          )
        })}
      </div>
    </>
  )
}

// ---- Highlights

export async function HighlightsTab(service: StoriesService, profile: PublicUser, viewer: Viewer | null): Promise<VNode> {
  const list = await service.highlightsFor(viewer?.id ?? null, profile.id)
  return (
    <section class="card story-highlights" data-highlights>
      {list.length ? (
        <ul>
          {list.map((h) => (
            <li>
              <a href={`/stories/${profile.username}/highlights/${h.id}`}>{h.title}</a> <span class="muted">({h.shown})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No highlights yet.</p>
      )}
      {viewer?.id === profile.id && (
        <p>
          <a href="/stories/archive">Add stories to your highlights</a>
        </p>
      )}
    </section>
  )
}

/**
 * The profile's highlights row (the `profile.highlights` slot): round covers (the first story the viewer may see
 * in each) in a horizontal row above the grid, each opening its highlight, and a link to them all as a list.
 * Nothing for a profile without highlights the viewer may see, except on one's own ("New" leads to the archive).
 */
export async function HighlightsRow(ctx: StoriesContext, service: StoriesService, profile: PublicUser, viewer: Viewer | null): Promise<VNode | null> {
  const list = await service.highlightsFor(viewer?.id ?? null, profile.id)
  const own = viewer?.id === profile.id
  if (!list.length && !own) return null
  const covers = await Promise.all(list.map((h) => (h.cover?.media_id ? ctx.core.media.info(h.cover.media_id) : null)))
  return (
    <section class="story-tray story-highlights-row" aria-label="Highlights" data-highlights-row>
      <Styles />
      <ul>
        {list.map((h, i) => {
          const m = covers[i]
          const url = m?.status === 'ready' ? (m.kind === 'video' ? m.urls.poster : (m.urls['320'] ?? m.urls['640'])) : undefined
          return (
            <li>
              <a href={`/stories/${profile.username}/highlights/${h.id}`} class="story-person story-seen" data-highlight={h.id}>
                <span class="story-ring">{url ? <img src={url} alt="" width={56} height={56} loading="lazy" /> : <span class={`story-letter${h.cover?.kind === 'text' ? ` story-bg-${h.cover.background ?? 'night'}` : ''}`} aria-hidden="true">{h.title.slice(0, 1).toUpperCase()}</span>}</span>
                <span class="story-name">{h.title}</span>
              </a>
            </li>
          )
        })}
        {own && (
          <li>
            <a href="/stories/archive" class="story-person story-add" aria-label="New highlight">
              <span class="story-ring">
                <span class="story-letter" aria-hidden="true">
                  +
                </span>
              </span>
              <span class="story-name">New</span>
            </a>
          </li>
        )}
      </ul>
      {list.length > 0 && (
        <p class="story-highlights-all">
          <a href={`/u/${profile.username}?tab=highlights`}>All highlights</a>
        </p>
      )}
    </section>
  )
}

export function HighlightPage(p: { owner: PublicUser; title: string; items: { story: StoryRow; media: MediaInfo | null }[] }) {
  return (
    <>
      <Styles />
      <h1>
        {p.title} <span class="muted">· {p.owner.display_name}</span>
      </h1>
      <p>
        <a href={`/u/${p.owner.username}?tab=highlights`}>← All highlights</a>
      </p>
      <div class="story-grid">
        {p.items.map(({ story, media }) => (
          <article class="card story-tile" data-highlight-story={story.id}>
            <div class="story-thumb">
              <StoryFace story={story} media={media} author={p.owner.display_name} />
            </div>
            {story.kind !== 'text' && story.text && (
              <p>
                <Text text={story.text} />
              </p>
            )}
            <p class="muted">{story.created_at.slice(0, 10)}</p>
          </article>
        ))}
      </div>
    </>
  )
}

// ---- Close friends

export async function CloseFriendsPanel(service: StoriesService, viewer: Viewer, csrfToken: string, message?: string): Promise<VNode> {
  const friends = await service.closeFriends(viewer.id)
  return (
    <form method="post" action="/settings/stories" class="card">
      <CsrfField token={csrfToken} />
      {message && (
        <p class="alert alert-error" role="alert">
          {message}
        </p>
      )}
      <div class="field">
        <label for="close-friends">Close friends</label>
        <textarea id="close-friends" name="close_friends" rows={6} aria-describedby="close-friends-hint">
          {friends.map((f) => f.username).join('\n')}
        </textarea>
        <p class="hint" id="close-friends-hint">
          Usernames, one per line or separated by commas. Stories you share with “Close friends” are shown only to them. They are not told they are on the list.
        </p>
      </div>
      <button type="submit">Save</button>
    </form>
  )
}
