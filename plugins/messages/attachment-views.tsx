// How attachments look: a message's photos, videos, files and voice note in the thread, a view-once item's
// "tap to view" and "Opened", the opened item's page, and the composer's inputs. messages.js draws the same markup.
import { CsrfField, Icon, type MediaInfo } from '../../core/plugins/api.js'
import type { AttachmentView } from './attachments.js'

/** 1:05, 12:00 */
export function clock(ms: number | null): string {
  const s = Math.round((ms ?? 0) / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** 820 KB, 3.4 MB */
export function fileSize(bytes: number | null): string {
  const n = bytes ?? 0
  if (n < 1000 * 1000) return `${Math.max(1, Math.round(n / 1000))} KB`
  return `${(n / 1000 / 1000).toFixed(1)} MB`
}

const noun = (a: AttachmentView) => (a.kind === 'video' ? 'Video' : 'Photo')

/** A voice note's loudness as bars (an SVG the size of the text). */
export function Waveform({ bars }: { bars: number[] }) {
  const w = bars.length * 3
  return (
    <svg class="msg-wave" viewBox={`0 0 ${w} 24`} width={w} height="24" aria-hidden="true" preserveAspectRatio="none">
      {bars.map((b, i) => {
        const h = Math.max(2, Math.round((b / 100) * 22))
        return <rect x={i * 3} y={12 - h / 2} width="2" height={h} rx="1" />
      })}
    </svg>
  )
}

function Item(props: { a: AttachmentView; me: number; sender: number | null; conversationId: number; csrf: string }) {
  const { a, me } = props
  if (a.view_once) {
    const opened = (a.opened_by ?? []).length > 0
    // The sender never sees their own view-once item again: only whether it was opened.
    if (props.sender === me) {
      return (
        <p class="msg-once" data-once={a.id} data-opened={opened ? '1' : '0'}>
          <Icon name="eye" /> {noun(a)} · view once · <span data-once-state>{opened ? 'Opened' : 'Not opened yet'}</span>
        </p>
      )
    }
    if ((a.opened_by ?? []).includes(me)) {
      return (
        <p class="msg-once" data-once={a.id} data-opened="1">
          <Icon name="eye" /> {noun(a)} · <span data-once-state>Opened</span>
        </p>
      )
    }
    if (a.status === 'processing') {
      // Opened only once it is ready (the event that says so draws the button).
      return (
        <p class="msg-once msg-processing muted" data-once={a.id} data-opened="0" data-status="processing">
          <Icon name="eye" /> {noun(a)} · view once · processing…
        </p>
      )
    }
    return (
      <form method="post" action={`/messages/${props.conversationId}/attachments/${a.id}/open`} class="msg-once" data-once={a.id} data-opened="0">
        <CsrfField token={props.csrf} />
        <button type="submit" class="link" data-open={a.id}>
          <Icon name="eye" /> {noun(a)}, tap to view
        </button>
      </form>
    )
  }
  if (a.status === 'failed') return <p class="msg-failed muted">{a.kind === 'voice' ? 'This voice message could not be converted.' : `This ${noun(a).toLowerCase()} could not be processed.`}</p>
  if (a.kind === 'photo' && a.media && a.status !== 'ready') {
    // Not the placeholder image at the photo's address: the browser would keep showing it once the photo is ready.
    return (
      <p class="msg-processing muted" data-media={a.media.id} data-status="processing">
        Processing photo…
      </p>
    )
  }
  if (a.kind === 'photo' && a.media) {
    const full = a.media.urls['1080'] ?? a.media.urls.original ?? `/media/${a.media.id}/1080`
    return (
      <a href={full} class="msg-photo" data-media={a.media.id} data-status={a.status}>
        <img src={a.media.urls['640'] ?? `/media/${a.media.id}/640`} alt="Photo" loading="lazy" width={a.media.width ?? undefined} height={a.media.height ?? undefined} />
      </a>
    )
  }
  if (a.kind === 'video' && a.media) {
    if (a.status !== 'ready' || !a.media.urls.video) {
      return (
        <p class="msg-processing muted" data-media={a.media.id} data-status="processing">
          <img src={`/media/${a.media.id}/poster`} alt="" width="64" height="64" /> Processing video…
        </p>
      )
    }
    return <video class="msg-video" data-media={a.media.id} controls preload="metadata" poster={a.media.urls.poster} src={a.media.urls.video} width={a.media.width ?? undefined} height={a.media.height ?? undefined} />
  }
  if (a.kind === 'file' && a.url) {
    return (
      <a href={a.url} class="msg-file" download={a.name ?? ''} data-file={a.id}>
        <Icon name="file-down" /> <span class="msg-file-name">{a.name}</span> <span class="muted">{fileSize(a.size)}</span>
      </a>
    )
  }
  if (a.kind === 'voice') {
    if (a.status !== 'ready' || !a.sources) return <p class="msg-processing muted" data-voice={a.id} data-status="processing">Voice message, converting…</p>
    return (
      <div class="msg-voice" data-voice={a.id} data-status="ready">
        {a.waveform && <Waveform bars={a.waveform} />}
        <audio controls preload="metadata" aria-label={`Voice message, ${clock(a.duration_ms)}`}>
          {a.sources.map((s) => (
            <source src={s.url} type={s.type} />
          ))}
        </audio>
        <span class="muted msg-duration">{clock(a.duration_ms)}</span>
      </div>
    )
  }
  return null
}

/**
 * A message's items. `reachable` is false for a member who left or was removed: the text stays theirs to read, the
 * files no longer do.
 */
export function Attachments(props: { items: AttachmentView[]; me: number; sender: number | null; conversationId: number; csrf: string; reachable: boolean }) {
  if (props.items.length === 0) return null
  if (!props.reachable) return <p class="msg-attachments muted">Attachments are only for members of the conversation.</p>
  return (
    <div class="msg-attachments" data-attachments>
      {props.items.map((a) => (
        <Item a={a} me={props.me} sender={props.sender} conversationId={props.conversationId} csrf={props.csrf} />
      ))}
    </div>
  )
}

/** What an inbox line says of a message without text. */
export function attachmentsPreview(items: AttachmentView[]): string {
  const a = items[0]
  if (!a) return ''
  if (a.kind === 'voice') return 'Voice message'
  if (a.kind === 'file') return items.length > 1 ? `${items.length} files` : `File: ${a.name ?? ''}`
  if (a.view_once) return `View-once ${noun(a).toLowerCase()}`
  return items.length > 1 ? `${items.length} photos and videos` : noun(a)
}

/** The composer's attachments: photos and videos, files, a voice message (recorded by voice.js, or chosen), view-once. */
export function ComposeAttachments(props: { maxFileMb: number }) {
  return (
    <details class="messages-attach" data-attach>
      <summary>
        <Icon name="paperclip" /> Attach
      </summary>
      <label>
        <Icon name="image" /> Photos or videos <input type="file" name="media" accept="image/*,video/*" multiple />
      </label>
      <label class="messages-once">
        <input type="checkbox" name="view_once" value="1" /> View once (photos and videos open once for each recipient)
      </label>
      <label>
        <Icon name="file" /> Files (up to {props.maxFileMb} MB each, always downloaded) <input type="file" name="file" multiple />
      </label>
      <label data-voice-input>
        <Icon name="mic" /> Voice message <input type="file" name="voice" accept="audio/*" />
      </label>
    </details>
  )
}

/** An opened view-once photo or video: shown this once, through addresses that load once. */
export function ViewOncePage(props: { conversationId: number; media: MediaInfo }) {
  const m = props.media
  return (
    <section class="card messages-once-page">
      <h1>{m.kind === 'video' ? 'Video' : 'Photo'}, view once</h1>
      <p class="hint">You can open this once. When you leave this page it is gone for you.</p>
      {m.kind === 'video' ? (
        <video controls autoplay playsinline src={m.urls.video} poster={m.urls.poster} class="msg-video" />
      ) : (
        <img src={m.urls['1080'] ?? m.urls['640']} alt="View-once photo" class="msg-once-photo" />
      )}
      <p>
        <a href={`/messages/${props.conversationId}`}>Back to the conversation</a>
      </p>
    </section>
  )
}
