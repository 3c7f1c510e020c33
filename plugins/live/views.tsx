// What the live plugin draws: the list of streams, the go-live form, and a stream's page (the player and chat for
// viewers, the studio for the streamer). Behaviour lives in public/ (the CSP allows no inline script or style).
import type { ComponentChildren, VNode } from 'preact'
import { ActionForm, CsrfField, EmptyState, Field, FormError, Icon, Notice, relativeTime, WHOLE_INPUT, type CategoryView, type Viewer } from '../../core/plugins/api.js'
import { BAN_MINUTES, CHAT_MAX } from './inputs.js'
import type { ChatLine, StreamView } from './queries.js'
import type { StreamState } from './service.js'
import type { ChatMode, LiveAudience } from './tables.js'
import type { ChatEntry } from './timeline-queries.js'
import { DelayNote, DelaySelect, GiftItem, ModerationExtras, Pinned, PinButton, ReplayPlayer, SlowNote, TIMELINE_NOTICES, type TimelineProps } from './timeline-views.js'

const Styles = () => <link rel="stylesheet" href="/plugins/live/live.css" />

export const AUDIENCE_LABELS: Record<LiveAudience, string> = { public: 'Public (who may see your posts)', followers: 'Followers' }
export const CHAT_LABELS: Record<ChatMode, string> = { on: 'On', followers: 'Followers only', off: 'Off' }
const STATE_LABELS: Record<StreamState, string> = { waiting: 'Starting…', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Ended' }

/** The confirmations after a no-JavaScript action on a stream's page, by `?notice=`. */
export const NOTICES = { reported: 'Thank you: moderators will look at your report.', ended: 'The stream has ended.', sent: 'Sent.', deleted: 'The message was deleted.', banned: 'Done: they cannot chat here for now.', chat: 'Chat settings saved.', category: 'Category saved.', ...TIMELINE_NOTICES }

/** Core's categories (Admin → Curation) by id, as the live pages show them; a deleted or turned-off one is absent. */
export type Categories = Map<number, CategoryView>

/** The category a stream is filed under, or none. */
export const categoryOf = (categories: Categories, s: { category_id: number | null }) => (s.category_id === null ? null : (categories.get(s.category_id) ?? null))

/** The category select of the go-live, OBS and stream settings forms; nothing when the site has no categories. */
export function CategorySelect({ categories, value, error, id = 'f-category' }: { categories: CategoryView[]; value?: string | null; error?: string; id?: string }) {
  if (!categories.length) return null
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>Category (optional)</label>
      <select id={id} name="category" aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        <option value="">None</option>
        {categories.map((k) => (
          <option value={k.slug} selected={value === k.slug}>
            {k.name}
          </option>
        ))}
      </select>
      {error && (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  )
}

/** One live stream in the directory: its category as text (the card is one link). */
function StreamCard({ s, categories, viewers }: { s: StreamView; categories: Categories; viewers?: Map<number, number> }) {
  const category = categoryOf(categories, s)
  return (
    <li>
      <a class="live-card" href={`/live/${s.id}`} data-stream-card={s.id}>
        <span class="live-badge">Live</span>
        <strong>{s.title}</strong>
        <span class="muted">
          {s.display_name} · started {relativeTime(s.created_at)}
          {viewers?.has(s.id) ? ` · ${viewers.get(s.id)} watching` : ''}
        </span>
        {category && (
          <span class="live-card-category" data-category={category.slug}>
            {category.name}
          </span>
        )}
      </a>
    </li>
  )
}

/** Links to the directory by category: all, then each enabled category (the current one marked). */
function CategoryNav({ categories, current }: { categories: CategoryView[]; current: string | null }) {
  if (!categories.length) return null
  return (
    <nav aria-label="Live by category" class="live-categories" data-live-categories>
      <ul>
        <li>
          <a href="/live" aria-current={current === null ? 'page' : undefined}>
            All
          </a>
        </li>
        {categories.map((k) => (
          <li>
            <a href={`/live?category=${encodeURIComponent(k.slug)}`} aria-current={current === k.slug ? 'page' : undefined}>
              {k.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

export interface ListPageProps {
  streams: StreamView[]
  viewer: Viewer | null
  viewers?: Map<number, number>
  /** Streams in the viewer's interests, shown in their own row above the rest (which leaves them out). */
  forYou?: StreamView[]
  /** Every enabled category (the filter's links) and the one the list is narrowed to. */
  categoryList?: CategoryView[]
  category?: CategoryView | null
  /** The categories of the streams shown, by id. */
  categories?: Categories
  /** A filter that could not be applied (an unknown category). */
  problem?: string
  children?: ComponentChildren
}

export function ListPage({ streams, viewer, viewers, forYou = [], categoryList = [], category = null, categories = new Map(), problem, children }: ListPageProps) {
  return (
    <section class="live-list">
      <Styles />
      <header class="live-list-head">
        <h1>{category ? `Live: ${category.name}` : 'Live'}</h1>
        {viewer && (
          <p class="live-controls">
            <a class="button" href="/live/new">
              <Icon name="radio" /> Go live
            </a>
            <a class="button secondary" href="/live/obs">
              From OBS
            </a>
            <a class="button secondary" href="/live/events/new">
              Schedule
            </a>
          </p>
        )}
      </header>
      <CategoryNav categories={categoryList} current={category?.slug ?? null} />
      <FormError message={problem} />
      {category?.description && <p class="muted">{category.description}</p>}
      {forYou.length > 0 && (
        <section aria-labelledby="live-for-you" data-live-for-you>
          <h2 id="live-for-you">From your interests</h2>
          <ul class="live-cards">
            {forYou.map((s) => (
              <StreamCard s={s} categories={categories} viewers={viewers} />
            ))}
          </ul>
        </section>
      )}
      {forYou.length > 0 && streams.length > 0 && <h2>Also live</h2>}
      {streams.length ? (
        <ul class="live-cards" data-live-all>
          {streams.map((s) => (
            <StreamCard s={s} categories={categories} viewers={viewers} />
          ))}
        </ul>
      ) : forYou.length ? null : (
        <EmptyState icon="radio" title={category ? `Nobody is live in ${category.name} right now` : 'Nobody is live right now'} links={viewer ? [{ href: '/live/new', label: 'Go live' }] : []}>
          Streams from people you may watch show here while they are live.
        </EmptyState>
      )}
      {children}
    </section>
  )
}

export interface NewValues {
  title?: string
  audience?: string
  chat?: string
  save_replay?: string | boolean
  source?: string
  delay_seconds?: string | number
  category?: string | null
}

export function NewPage({ csrf, values, errors, delays, guidelines, categories = [] }: { csrf: string; values: NewValues; errors: Record<string, string>; delays?: { options: number[]; fallback: number }; guidelines?: VNode | null; categories?: CategoryView[] }) {
  return (
    <section class="live-new">
      <Styles />
      <h1>Go live</h1>
      {guidelines}
      <form method="post" action="/live/new" data-live-new>
        <CsrfField token={csrf} />
        <FormError message={errors[WHOLE_INPUT]} />
        <fieldset>
          <legend>What to send</legend>
          <label>
            <input type="radio" name="source" value="camera" checked={values.source !== 'screen'} /> Camera and microphone
          </label>
          <label>
            <input type="radio" name="source" value="screen" checked={values.source === 'screen'} /> A shared screen
          </label>
        </fieldset>
        <div class="live-preview" data-preview hidden>
          <video muted playsinline autoplay aria-label="Preview of what you will send"></video>
          <p class="muted" data-preview-status role="status"></p>
        </div>
        <button type="button" class="secondary" data-preview-button hidden>
          Preview
        </button>
        <Field name="title" label="Title" value={values.title ?? ''} error={errors.title} maxLength={100} required />
        <label>
          Who may watch
          <select name="audience">
            {Object.entries(AUDIENCE_LABELS).map(([v, l]) => (
              <option value={v} selected={values.audience === v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        {errors.audience && <p class="field-error">{errors.audience}</p>}
        <label>
          Chat
          <select name="chat">
            {Object.entries(CHAT_LABELS).map(([v, l]) => (
              <option value={v} selected={values.chat === v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <CategorySelect categories={categories} value={values.category} error={errors.category} />
        {delays && <DelaySelect options={delays.options} value={Number(values.delay_seconds ?? delays.fallback)} error={errors.delay_seconds} />}
        <label>
          <input type="checkbox" name="save_replay" checked={values.save_replay === 'on' || values.save_replay === true} /> Keep a replay when the stream ends
        </label>
        <p class="muted">Sending video from this page needs JavaScript and a browser that can record (any recent one).</p>
        <button type="submit">Go live</button>
      </form>
      <script src="/plugins/live/new.js" defer></script>
    </section>
  )
}

function ChatItem({ line, moderate, id, csrf, pin, report }: { line: ChatLine; moderate: boolean; id: number; csrf: string; pin: boolean; report: boolean }) {
  return (
    <li data-chat-id={line.id}>
      <a href={`/u/${line.username}`} class="live-chat-name">
        {line.display_name}
      </a>{' '}
      <span class="live-chat-text">{line.text}</span>
      {moderate && <ActionForm action={`/live/${id}/chat/${line.id}/delete`} csrf={csrf} label="Delete" class="link" title={`Delete this message by ${line.display_name}`} />}
      {moderate && pin && <PinButton id={id} line={line} csrf={csrf} />}
      {report && (
        <a href={`/live/${id}/chat/${line.id}/report`} class="live-chat-report" aria-label={`Report this message by ${line.display_name}`}>
          Report
        </a>
      )}
    </li>
  )
}

export interface StreamPageProps {
  stream: StreamView
  viewer: Viewer | null
  csrf: string
  /** The chat's history: lines and gifts in their order on the timeline. */
  chat: ChatEntry[]
  state: StreamState
  viewers: number
  notice?: string
  source?: string
  moderate: boolean
  timeline: TimelineProps
  /** The coins plugin is on: viewers may send the streamer a gift (it shows in the chat on the timeline). */
  gifts?: boolean
  /** Core's reminder of the community rules, above the chat box (null once dismissed). */
  guidelines?: VNode | null
  /** The stream's category (null: none), and the enabled ones for the streamer's settings form. */
  category?: CategoryView | null
  categoryList?: CategoryView[]
}

/** A stream's page: the player (or, for the streamer, the preview and controls) with the chat beside it. */
export function StreamPage({ stream: s, viewer, csrf, chat, state, viewers, notice, source, moderate, timeline, gifts, guidelines, category = null, categoryList = [] }: StreamPageProps) {
  const mine = viewer?.id === s.user_id
  // A viewer behind the delay sees the stream live until its end reaches them.
  const live = timeline.status === 'live'
  // A stream pushed from OBS has no studio: its streamer watches it like a viewer, with the controls.
  const studio = mine && s.source !== 'rtmp'
  return (
    <section
      class="live-stream"
      data-live-stream={s.id}
      data-state={live ? state : 'ended'}
      data-mine={mine ? '1' : undefined}
      data-chat-mode={s.chat}
      data-backstage={live && viewer && timeline.edge ? '1' : undefined}
      data-viewer={viewer?.id}
    >
      <Styles />
      <Notice notices={NOTICES} notice={notice} />
      <header class="live-stream-head">
        <h1>{s.title}</h1>
        <p>
          <span class="live-badge" data-live-badge hidden={!live}>
            Live
          </span>{' '}
          <a href={`/u/${s.username}`}>{s.display_name}</a> · <span data-state-label role="status">{STATE_LABELS[live ? state : 'ended']}</span> ·{' '}
          <span data-viewers>{viewers}</span> watching
          {category && (
            <>
              {' · '}
              <a href={`/live?category=${encodeURIComponent(category.slug)}`} data-stream-category={category.slug}>
                {category.name}
              </a>
            </>
          )}
          <DelayNote stream={s} edge={timeline.edge} />
          {viewer && !mine && (
            <>
              {' · '}
              <a href={`/live/${s.id}/report`} data-report-link>
                Report
              </a>
              {gifts && timeline.status !== 'ended' && (
                <>
                  {' · '}
                  <a href={`/coins/gift?kind=live&id=${s.id}&back=${encodeURIComponent(`/live/${s.id}`)}`} data-send-gift>
                    Send a gift
                  </a>
                </>
              )}
            </>
          )}
        </p>
      </header>
      <div class="live-body">
        <div class="live-video">
          {!live ? (
            <ReplayPlayer stream={s} replay={timeline.replay} csrf={csrf} owner={timeline.owner} />
          ) : studio ? (
            <>
              <video data-studio-preview data-source={source === 'screen' ? 'screen' : 'camera'} muted playsinline autoplay aria-label="What you are sending"></video>
              <div class="live-controls">
                <button type="button" data-studio-start>
                  {source === 'screen' ? 'Share your screen' : 'Start camera'}
                </button>
                <ActionForm action={`/live/${s.id}/end`} csrf={csrf} label="End stream" class="danger" />
              </div>
              <p class="muted" data-studio-status role="status"></p>
            </>
          ) : (
            <>
              <video data-live-player data-src={`/live/${s.id}/hls/index.m3u8`} data-csrf={viewer ? csrf : undefined} controls muted autoplay playsinline aria-label={`Live video: ${s.title}`}></video>
              {mine && (
                <div class="live-controls">
                  <span class="muted">Streaming from OBS: stop streaming there, or</span>
                  <ActionForm action={`/live/${s.id}/end`} csrf={csrf} label="End stream" class="danger" />
                </div>
              )}
            </>
          )}
          {live && !mine && viewer && (
            <button type="button" class="live-heart" data-heart aria-label="Send a heart">
              <Icon name="heart" />
            </button>
          )}
          <div class="live-hearts" data-hearts aria-hidden="true"></div>
        </div>
        <aside class="live-chat" aria-label="Chat">
          <h2>Chat</h2>
          <Pinned line={live ? timeline.pinned : null} id={s.id} csrf={csrf} moderate={moderate && live} />
          <ol data-chat-list aria-live="polite">
            {chat.map((line) =>
              line.kind === 'gift' ? <GiftItem gift={line} /> : <ChatItem line={line} moderate={moderate && live} id={s.id} csrf={csrf} pin={live} report={!!viewer && line.user_id !== viewer.id} />,
            )}
          </ol>
          {live && <SlowNote seconds={timeline.edge ? 0 : s.slow_seconds} />}
          <p class="muted" data-chat-refused role="status"></p>
          {live && viewer && (s.chat !== 'off' || mine) && guidelines}
          {live && viewer && (s.chat !== 'off' || mine) ? (
            <form method="post" action={`/live/${s.id}/chat`} data-chat-form>
              <CsrfField token={csrf} />
              <label for="live-chat-text" class="visually-hidden">
                Message
              </label>
              <input id="live-chat-text" name="text" maxLength={CHAT_MAX} autocomplete="off" placeholder={s.chat === 'followers' && !mine ? 'Followers may chat' : 'Say something'} required />
              <button type="submit">Send</button>
            </form>
          ) : live && s.chat === 'off' ? (
            <p class="muted">Chat is off.</p>
          ) : live && !viewer ? (
            <p class="muted">
              <a href={`/login?next=/live/${s.id}`}>Log in</a> to chat.
            </p>
          ) : null}
          {moderate && live && (
            <details class="live-moderation">
              <summary>Moderate chat</summary>
              <ModerationExtras stream={s} csrf={csrf} owner={timeline.owner} />
              {timeline.owner && categoryList.length > 0 && (
                <form method="post" action={`/live/${s.id}/category`} data-category-form>
                  <CsrfField token={csrf} />
                  <CategorySelect categories={categoryList} value={category?.slug ?? ''} id="f-stream-category" />
                  <button type="submit" class="secondary">
                    Save category
                  </button>
                </form>
              )}
              {timeline.owner && (
                <form method="post" action={`/live/${s.id}/chat-mode`}>
                  <CsrfField token={csrf} />
                  <label>
                    Chat
                    <select name="chat">
                      {Object.entries(CHAT_LABELS).map(([v, l]) => (
                        <option value={v} selected={s.chat === v}>
                          {l}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="submit" class="secondary">
                    Save
                  </button>
                </form>
              )}
              <form method="post" action={`/live/${s.id}/bans`}>
                <CsrfField token={csrf} />
                <Field name="username" label="Username" value="" />
                <label>
                  For
                  <select name="minutes">
                    {BAN_MINUTES.filter((m) => m > 0).map((m) => (
                      <option value={m}>{m} min (time out)</option>
                    ))}
                    <option value="0">the rest of the stream (ban)</option>
                  </select>
                </label>
                <button type="submit" class="secondary">
                  Remove from chat
                </button>
              </form>
            </details>
          )}
        </aside>
      </div>
      {live && <script src={studio ? '/plugins/live/studio.js' : '/plugins/live/watch.js'} defer></script>}
      {live && <script src="/plugins/live/chat.js" defer></script>}
    </section>
  )
}
