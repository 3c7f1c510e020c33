// The pieces of the thread and pages that disappearing and scheduled messages, search, reactions and reports add:
// a conversation's timer form, the compose form's own timer and "Send later", reactions under a message, and the
// search, scheduled and report pages. Plain forms (POST, _csrf, a 303 back); scheduled.js only fills in the zone.
import type { ComponentChildren } from 'preact'
import { CsrfField, FormError, Icon, REASON_LABELS, REPORT_REASONS, relativeTime, shortTime } from '../../core/plugins/api.js'
import { DISAPPEAR_MESSAGE_SECONDS, DISAPPEAR_SECONDS, disappearLabel } from './disappearing.js'
import { REACTIONS } from './reactions.js'
import type { ScheduledView } from './scheduled.js'
import type { SearchHit } from './search.js'
import type { ConversationView, MessageView } from './service.js'
import { Act, MessagesNotice } from './views.js'

/** A labelled control with its error (core's Field draws inputs only; these hold a textarea or a select). */
function Field(props: { label: string; name: string; id?: string; error?: string; children: ComponentChildren }) {
  const id = props.id ?? `f-${props.name}`
  return (
    <div class={props.error ? 'field field-invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children}
      {props.error && (
        <p class="error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  )
}

/** Under a message: its reactions (each a button that toggles the reader's own) and the React and Report menus. */
export function MessageExtras(props: { m: MessageView; me: number; conversationId: number; csrf: string; canAct: boolean }) {
  const { m, me, conversationId: id, csrf } = props
  if (m.kind === 'system' || m.unsent) return null
  const action = `/messages/${id}/messages/${m.id}/react`
  return (
    <div class="msg-extras">
      {m.expires_at && (
        <span class="msg-expires muted" title={`Disappears ${shortTime(m.expires_at)}`}>
          <Icon name="clock" label="Disappearing" />
        </span>
      )}
      <span class="msg-reactions" data-reactions>
        {m.reactions.map((r) => (
          <Act
            action={action}
            csrf={csrf}
            fields={{ emoji: r.emoji }}
            label={`${r.emoji} ${r.count}`}
            class={r.user_ids.includes(me) ? 'reaction mine' : 'reaction'}
          />
        ))}
      </span>
      {props.canAct && (
        <details class="msg-react">
          <summary aria-label="React">
            <Icon name="smile-plus" label="React" />
          </summary>
          <form method="post" action={action} class="msg-react-choices">
            <CsrfField token={csrf} />
            {REACTIONS.map((e) => (
              <button type="submit" name="emoji" value={e} class="link" aria-label={`React ${e}`}>
                {e}
              </button>
            ))}
          </form>
        </details>
      )}
      {m.sender && m.sender.id !== me && (
        <a class="link msg-report" href={`/messages/${id}/messages/${m.id}/report`}>
          Report
        </a>
      )}
    </div>
  )
}

const TimerOptions = (props: { choices: readonly number[]; current: number | null; off: string }) => (
  <>
    <option value="" selected={props.current === null}>
      {props.off}
    </option>
    {props.choices.map((s) => (
      <option value={String(s)} selected={props.current === s}>
        {disappearLabel(s)}
      </option>
    ))}
  </>
)

/** The thread's tools: the conversation's disappearing timer (anyone in it may change it), search, scheduled, report. */
export function ThreadTools(props: { c: ConversationView; csrf: string; canWrite: boolean }) {
  const { c, csrf } = props
  return (
    <div class="messages-tools">
      {props.canWrite && (
        <form method="post" action={`/messages/${c.id}/disappearing`} class="messages-timer" data-timer>
          <CsrfField token={csrf} />
          <label for="f-timer">Disappearing messages</label>
          <select id="f-timer" name="disappear_seconds">
            <TimerOptions choices={DISAPPEAR_SECONDS} current={c.disappear_seconds} off="Off" />
          </select>
          <button type="submit" class="secondary">
            Set
          </button>
        </form>
      )}
      <a href={`/messages/scheduled?conversation=${c.id}`}>Scheduled</a>
      <a href={`/messages/${c.id}/report`}>Report conversation</a>
    </div>
  )
}

/** Inside the compose form: this message's own disappearing timer. */
export function ComposeTimer(props: { c: ConversationView }) {
  return (
    <label class="messages-compose-timer">
      <span class="messages-sr">This message disappears after</span>
      <select name="disappear_seconds" aria-label="This message disappears after">
        <TimerOptions choices={DISAPPEAR_MESSAGE_SECONDS} current={null} off={props.c.disappear_seconds ? `Disappears: ${disappearLabel(props.c.disappear_seconds)}` : 'Keep'} />
      </select>
    </label>
  )
}

/** Below the compose form: write now, send later. */
export function ScheduleForm(props: { c: ConversationView; csrf: string; problem?: { message: string; fields: Record<string, string>; values: Record<string, string> } }) {
  const v = props.problem?.values ?? {}
  return (
    <details class="messages-schedule" open={!!props.problem}>
      <summary>Send later</summary>
      <form method="post" action={`/messages/${props.c.id}/scheduled`} data-schedule>
        <CsrfField token={props.csrf} />
        <FormError message={props.problem?.message} />
        <Field label="Message to send later" name="text" id="f-schedule-text" error={props.problem?.fields.text}>
          <textarea id="f-schedule-text" name="text" rows={2} maxLength={4000} required>
            {v.text ?? ''}
          </textarea>
        </Field>
        <Field label="Send at (your time)" name="send_at" error={props.problem?.fields.send_at}>
          <input id="f-send_at" type="datetime-local" name="send_at" value={v.send_at ?? ''} required />
        </Field>
        {/* Minutes east of UTC, filled in by scheduled.js from the browser; without it the time is read as UTC. */}
        <input type="hidden" name="tz_offset" value={v.tz_offset ?? ''} data-tz-offset />
        <button type="submit">Schedule</button>
      </form>
      <script src="/plugins/messages/scheduled.js" defer></script>
    </details>
  )
}

/** The search box on the inbox. */
export function SearchBox(props: { q?: string }) {
  return (
    <form method="get" action="/messages/search" class="messages-search" role="search">
      <label for="messages-q" class="messages-sr">
        Search your messages
      </label>
      <input id="messages-q" type="search" name="q" value={props.q ?? ''} maxLength={100} placeholder="Search messages" />
      <button type="submit" class="secondary" aria-label="Search">
        <Icon name="search" />
      </button>
    </form>
  )
}

export function SearchPage(props: { q: string; hits: SearchHit[]; next: string | null; message?: string }) {
  return (
    <section class="card messages-inbox">
      <header class="messages-head">
        <a href="/messages" class="link" aria-label="Back to messages">
          <Icon name="arrow-left" />
        </a>
        <h1>Search messages</h1>
      </header>
      <SearchBox q={props.q} />
      <FormError message={props.message} />
      {props.q && !props.message && props.hits.length === 0 && (
        <p class="muted" data-empty>
          No messages match.
        </p>
      )}
      <ul class="messages-conversations" data-results>
        {props.hits.map((h) => (
          <li class="conversation" data-message={h.message.id}>
            <a href={`/messages/${h.conversation.id}#m-${h.message.id}`}>
              <span class="conversation-text">
                <strong class="conversation-title">{h.conversation.title}</strong>
                <span class="conversation-preview">
                  {h.message.sender ? `${h.message.sender.display_name}: ` : ''}
                  {(h.message.text ?? '').slice(0, 200)}
                </span>
              </span>
              <span class="conversation-meta">
                <time datetime={h.message.created_at}>{relativeTime(h.message.created_at)}</time>
              </span>
            </a>
          </li>
        ))}
      </ul>
      {props.next && (
        <a class="button secondary" href={`/messages/search?q=${encodeURIComponent(props.q)}&cursor=${encodeURIComponent(props.next)}`}>
          More results
        </a>
      )}
    </section>
  )
}

const STATUS = { pending: 'Will be sent', sent: 'Sent', not_sent: 'Not sent' } as const

export function ScheduledPage(props: { items: ScheduledView[]; next: string | null; csrf: string; all: boolean; conversation?: number; notice?: string }) {
  const qs = (extra: string) => `/messages/scheduled?${[props.all ? 'status=all' : '', props.conversation ? `conversation=${props.conversation}` : '', extra].filter(Boolean).join('&')}`
  return (
    <section class="card messages-inbox">
      <header class="messages-head">
        <a href={props.conversation ? `/messages/${props.conversation}` : '/messages'} class="link" aria-label="Back">
          <Icon name="arrow-left" />
        </a>
        <h1>Scheduled messages</h1>
      </header>
      <MessagesNotice notice={props.notice} />
      <nav class="messages-folders">
        {props.all ? <a href="/messages/scheduled">Waiting</a> : <a href="/messages/scheduled?status=all">All, with sent and not sent</a>}
      </nav>
      {props.items.length === 0 && (
        <p class="muted" data-empty>
          Nothing scheduled. Use “Send later” under a conversation’s message box.
        </p>
      )}
      <ul class="messages-members" data-scheduled-list>
        {props.items.map((s) => (
          <li data-scheduled={s.id} data-status={s.status}>
            <strong>{s.conversation_title}</strong> · {STATUS[s.status]}{' '}
            <time datetime={s.send_at} title={s.send_at}>
              {shortTime(s.send_at)}
            </time>
            <p class="msg-body">{s.text}</p>
            {s.reason && <p class="error" data-reason>{s.reason}</p>}
            {s.status === 'pending' && (
              <span class="msg-actions">
                <a class="link" href={`/messages/scheduled/${s.id}/edit`}>
                  Edit
                </a>
                <Act action={`/messages/scheduled/${s.id}/cancel`} csrf={props.csrf} label="Cancel" />
              </span>
            )}
            {s.status === 'not_sent' && <Act action={`/messages/scheduled/${s.id}/cancel`} csrf={props.csrf} label="Remove" />}
          </li>
        ))}
      </ul>
      {props.next && (
        <a class="button secondary" href={qs(`cursor=${encodeURIComponent(props.next)}`)}>
          More
        </a>
      )}
    </section>
  )
}

export function ScheduledEditPage(props: { s: ScheduledView; csrf: string; message?: string; fields?: Record<string, string>; values?: Record<string, string> }) {
  const v = props.values ?? {}
  return (
    <section class="card">
      <h1>Edit scheduled message</h1>
      <FormError message={props.message} />
      <form method="post" action={`/messages/scheduled/${props.s.id}/edit`} data-schedule>
        <CsrfField token={props.csrf} />
        <Field label="Message" name="text" error={props.fields?.text}>
          <textarea id="f-text" name="text" rows={3} maxLength={4000} required>
            {v.text ?? props.s.text}
          </textarea>
        </Field>
        <Field label="Send at (your time; leave as is to keep it)" name="send_at" error={props.fields?.send_at}>
          <input id="f-send_at" type="datetime-local" name="send_at" value={v.send_at ?? ''} />
        </Field>
        <p class="hint">Now: {shortTime(props.s.send_at)} ({props.s.send_at})</p>
        <input type="hidden" name="tz_offset" value={v.tz_offset ?? ''} data-tz-offset />
        <button type="submit">Save</button> <a href="/messages/scheduled">Back</a>
      </form>
      <script src="/plugins/messages/scheduled.js" defer></script>
    </section>
  )
}

export function ReportPage(props: { action: string; back: string; what: string; csrf: string; message?: string; fields?: Record<string, string> }) {
  return (
    <section class="card">
      <h1>Report {props.what}</h1>
      <p class="hint">Moderators will see {props.what === 'this message' ? 'this message and up to 5 messages before and after it' : 'the latest messages of this conversation'}, as you see them now, and nothing else.</p>
      <FormError message={props.message} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <Field label="Reason" name="reason" error={props.fields?.reason}>
          <select id="f-reason" name="reason" required>
            {REPORT_REASONS.map((r) => (
              <option value={r}>{REASON_LABELS[r]}</option>
            ))}
          </select>
        </Field>
        <Field label="Note (optional)" name="note" error={props.fields?.note}>
          <textarea id="f-note" name="note" rows={3} maxLength={1000} />
        </Field>
        <button type="submit">Report</button> <a href={props.back}>Cancel</a>
      </form>
    </section>
  )
}
