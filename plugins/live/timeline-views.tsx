// What the timeline adds to a stream's page: the delay note, the pinned message, slow mode, the moderation forms for
// them, the replay player of an ended stream, the streamer's moderators page, and the profile's Replays tab.
import { renderToString } from 'preact-render-to-string'
import { ActionForm, CsrfField, EmptyState, Field, FormError, Icon, Notice, relativeTime, WHOLE_INPUT } from '../../core/plugins/api.js'
import { SLOW_SECONDS } from './inputs.js'
import type { ChatLine, StreamView } from './queries.js'
import type { GiftEvent, ModeratorView, ReplayRow } from './timeline-queries.js'

/** What the stream's page needs to know of the timeline, as this member sees it. */
export interface TimelineProps {
  /** Live for a viewer until the stream's end has aired for them. */
  status: 'live' | 'ended'
  /** At the live edge (streamer, staff, moderators). */
  edge: boolean
  pinned: ChatLine | null
  replay: ReplayRow | null
  /** The streamer or staff: may delete the replay, name moderators. */
  owner: boolean
}

/** The timeline's confirmations after a no-JavaScript action, by `?notice=`. */
export const TIMELINE_NOTICES = {
  pinned: 'Pinned for everyone.',
  unpinned: 'Unpinned.',
  slow: 'Slow mode saved.',
  'replay-deleted': 'The replay was deleted.',
  'moderator-added': 'They can now moderate your streams’ chat.',
  'moderator-removed': 'They no longer moderate your streams’ chat.',
}

export const duration = (seconds: number) => {
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

export function DelayNote({ stream: s, edge }: { stream: StreamView; edge: boolean }) {
  if (!s.delay_seconds) return null
  return <span data-delay={s.delay_seconds}> · {edge ? `viewers see this ${s.delay_seconds} s later` : `${s.delay_seconds} s delay`}</span>
}

/**
 * A gift in the chat: who sent what, with their note. The one drawing of it: the page's history draws this, and the
 * live `moment` event and the replay carry it rendered (`giftHtml`) for chat.js and replay.js to insert as is.
 */
export function GiftItem({ gift: g }: { gift: GiftEvent }) {
  return (
    <li class="live-gift" data-gift-id={g.id}>
      {g.picture_url ? <img src={g.picture_url} alt="" width={24} height={24} class="live-gift-picture" loading="lazy" /> : <Icon name={g.data.icon} />}{' '}
      <a href={`/u/${g.username}`} class="live-chat-name">
        {g.display_name}
      </a>{' '}
      sent {g.data.gift}
      {g.data.note && (
        <>
          : <span class="live-chat-text">{g.data.note}</span>
        </>
      )}
    </li>
  )
}

/** A gift's line as HTML (escaped by Preact), for the scripts that add it to a page's chat. */
export const giftHtml = (g: GiftEvent): string => renderToString(<GiftItem gift={g} />)

/** The pinned message above the chat (kept in the page for the script to fill when a pin arrives). */
export function Pinned({ line, id, csrf, moderate }: { line: ChatLine | null; id: number; csrf: string; moderate: boolean }) {
  return (
    <div class="live-pinned" data-pinned={line?.id} hidden={!line}>
      <strong>Pinned</strong>{' '}
      <span data-pinned-text>
        {line && (
          <>
            <a href={`/u/${line.username}`} class="live-chat-name">
              {line.display_name}
            </a>{' '}
            {line.text}
          </>
        )}
      </span>
      {moderate && line && <ActionForm action={`/live/${id}/pin`} csrf={csrf} label="Unpin" class="link" fields={{ message_id: '' }} />}
    </div>
  )
}

export function SlowNote({ seconds }: { seconds: number }) {
  return (
    <p class="muted" data-slow-note hidden={!seconds}>
      Slow mode: one message every <span data-slow-seconds>{seconds}</span> s.
    </p>
  )
}

/** The pin button on a chat line, for the streamer, staff and moderators. */
export const PinButton = ({ id, line, csrf }: { id: number; line: ChatLine; csrf: string }) => (
  <ActionForm action={`/live/${id}/pin`} csrf={csrf} label="Pin" class="link" fields={{ message_id: String(line.id) }} title={`Pin this message by ${line.display_name}`} />
)

/** The moderation forms the timeline adds: slow mode, and for the streamer the way to their moderators. */
export function ModerationExtras({ stream: s, csrf, owner }: { stream: StreamView; csrf: string; owner: boolean }) {
  return (
    <>
      <form method="post" action={`/live/${s.id}/slow`}>
        <CsrfField token={csrf} />
        <label>
          Slow mode
          <select name="slow_seconds">
            {SLOW_SECONDS.map((n) => (
              <option value={n} selected={s.slow_seconds === n}>
                {n ? `one message every ${n} s` : 'off'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">
          Save
        </button>
      </form>
      {owner && (
        <p>
          <a href="/live/moderators">Moderators of your streams</a>
        </p>
      )}
    </>
  )
}

/** An ended stream's replay: the video and, beside it, the chat played back at its moments (replay.js). */
export function ReplayPlayer({ stream: s, replay, csrf, owner }: { stream: StreamView; replay: ReplayRow | null; csrf: string; owner: boolean }) {
  if (!replay) return <p class="live-ended">This stream has ended.</p>
  if (replay.status !== 'ready') return <p class="live-ended">This stream has ended. Its replay is being prepared; reload in a moment.</p>
  return (
    <div class="live-replay">
      <video data-replay-player data-src={`/live/${s.id}/hls/replay.m3u8`} poster={`/live/${s.id}/poster.jpg`} controls playsinline preload="metadata" aria-label={`Replay: ${s.title}`}></video>
      <p class="muted">
        Replay · {duration(replay.duration)}
        {replay.expires_at && <> · kept until {new Date(replay.expires_at).toISOString().slice(0, 10)}</>}
      </p>
      {owner && <ActionForm action={`/live/${s.id}/replay/delete`} csrf={csrf} label="Delete replay" class="danger" />}
      <script src="/plugins/live/watch.js" defer></script>
      <script src="/plugins/live/replay.js" defer></script>
    </div>
  )
}

export function ModeratorsPage({ moderators, csrf, errors, notice }: { moderators: ModeratorView[]; csrf: string; errors: Record<string, string>; notice?: string }) {
  return (
    <section class="live-moderators">
      <link rel="stylesheet" href="/plugins/live/live.css" />
      <h1>Moderators of your streams</h1>
      <Notice notices={TIMELINE_NOTICES} notice={notice} />
      <p class="muted">They delete messages, time out and ban viewers, set slow mode and pin messages in the chat of every stream you go live with, and see the chat at once when your stream has a delay.</p>
      {moderators.length ? (
        <ul>
          {moderators.map((m) => (
            <li>
              <a href={`/u/${m.username}`}>{m.display_name}</a> <span class="muted">@{m.username}</span>{' '}
              <ActionForm action={`/live/moderators/${m.username}/remove`} csrf={csrf} label="Remove" class="link" title={`Remove ${m.display_name} as a moderator`} />
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState icon="users" title="No moderators yet">
          Name members you trust to keep your chat friendly.
        </EmptyState>
      )}
      <form method="post" action="/live/moderators">
        <CsrfField token={csrf} />
        <FormError message={errors[WHOLE_INPUT]} />
        <Field name="username" label="Username" value="" error={errors.username} required />
        <button type="submit">Add moderator</button>
      </form>
    </section>
  )
}

/** A profile's Replays tab: the replays of the member's streams the viewer may watch. */
export function ReplaysTab({ replays }: { replays: { id: number; title: string; created_at: string; duration: number }[] }) {
  if (!replays.length) return <EmptyState icon="radio" title="No replays">Replays of live streams show here when their streamer keeps them.</EmptyState>
  return (
    <ul class="live-cards">
      <link rel="stylesheet" href="/plugins/live/live.css" />
      {replays.map((r) => (
        <li>
          <a class="live-card" href={`/live/${r.id}`}>
            <img src={`/live/${r.id}/poster.jpg`} alt="" loading="lazy" width={320} height={180} />
            <strong>{r.title}</strong>
            <span class="muted">
              Replay · {duration(r.duration)} · {relativeTime(r.created_at)}
            </span>
          </a>
        </li>
      ))}
    </ul>
  )
}

/** The go-live form's delay: the choices up to the site's maximum. */
export function DelaySelect({ options, value, error }: { options: number[]; value: number; error?: string }) {
  if (options.length < 2) return null
  return (
    <>
      <label>
        Delay
        <select name="delay_seconds">
          {options.map((n) => (
            <option value={n} selected={value === n}>
              {n ? `${n} seconds` : 'None'}
            </option>
          ))}
        </select>
      </label>
      <p class="muted">Viewers see the picture, chat and hearts this late; you and your moderators see everything at once.</p>
      {error && <p class="field-error">{error}</p>}
    </>
  )
}
