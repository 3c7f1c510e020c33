// What random chat draws: the Meet page (the call runs in public/meet.js), recent chats with their report, block
// and add forms (these work without JavaScript), the Meet settings panel, and the staff live page.
import type { VNode } from 'preact'
import { CsrfField, REASON_LABELS, REPORT_REASONS, type Viewer } from '../../core/plugins/api.js'
import { GENDER_LABELS, GENDERS, MAX_CHAT, MAX_INTERESTS } from './inputs.js'
import type { RandomChatContext } from './plugin.js'
import type { RandomChatService } from './service.js'

const Assets = () => (
  <>
    <link rel="stylesheet" href="/plugins/random-chat/meet.css" />
    <script src="/static/rtc.js" defer></script>
    <script src="/plugins/random-chat/meet.js" defer></script>
  </>
)

const when = (iso: string) => iso.slice(11, 16) + ' UTC'

export interface AllowedFilters {
  region: boolean
  language: boolean
  gender: boolean
  age: boolean
}

type Recent = Awaited<ReturnType<RandomChatService['recent']>>

export function MeetPage(props: { csrfToken: string; refusal: string | null; filters: AllowedFilters; recent: Recent; notice?: { kind: 'ok' | 'error'; text: string } }) {
  const { filters } = props
  const anyFilter = filters.region || filters.language || filters.gender || filters.age
  return (
    <section class="meet stack" data-meet data-csrf={props.csrfToken}>
      <Assets />
      <h1>Meet</h1>
      <p class="muted">
        Talk to a random member by video or text. You stay anonymous unless your <a href="/settings/random-chat">Meet settings</a> say otherwise, and you can leave, report or block at any
        moment.
      </p>
      <noscript>
        <p class="alert alert-info">Meet needs JavaScript for the call itself. Your recent chats below can still be reported, blocked or added without it.</p>
      </noscript>
      {props.notice && (
        <p class={`alert alert-${props.notice.kind}`} role={props.notice.kind === 'error' ? 'alert' : 'status'}>
          {props.notice.text}
        </p>
      )}
      {props.refusal && (
        <p class="alert alert-error" role="alert" data-refusal>
          {props.refusal}
        </p>
      )}
      {/* Shown by meet.js: without JavaScript there is no call to start. */}
      <form class="card meet-start" data-meet-start hidden>
        <div class="field">
          <label for="meet-interests">Interests (optional)</label>
          <input id="meet-interests" name="interests" placeholder="music, hiking, chess" aria-describedby="meet-interests-hint" autocomplete="off" />
          <p class="hint" id="meet-interests-hint">
            Up to {MAX_INTERESTS} words, separated by commas. You are paired with someone sharing one if they are there; if not, with anyone after a few seconds.
          </p>
        </div>
        <fieldset class="field">
          <legend>How to talk</legend>
          <label>
            <input type="radio" name="mode" value="video" checked /> Video and text
          </label>
          <label>
            <input type="radio" name="mode" value="text" /> Text only (no camera)
          </label>
          <label>
            <input type="checkbox" name="accept_text" checked /> With video, also meet people who chat by text only
          </label>
        </fieldset>
        {anyFilter && (
          <fieldset class="field meet-filters">
            <legend>Only meet people who (optional)</legend>
            {filters.region && (
              <label>
                are from <input name="region" size={3} maxlength={2} placeholder="DE" aria-label="Region (two-letter country code)" />
              </label>
            )}
            {filters.language && (
              <label>
                speak <input name="language" size={3} maxlength={3} placeholder="en" aria-label="Language (two-letter code)" />
              </label>
            )}
            {filters.gender && (
              <label>
                are{' '}
                <select name="gender" aria-label="Gender">
                  <option value="">anyone</option>
                  {GENDERS.map((g) => (
                    <option value={g}>{GENDER_LABELS[g].toLowerCase()}</option>
                  ))}
                </select>
              </label>
            )}
            {filters.age && (
              <label>
                aged <input name="age_min" type="number" min={13} max={120} size={3} aria-label="Youngest age" /> to{' '}
                <input name="age_max" type="number" min={13} max={120} size={3} aria-label="Oldest age" />
              </label>
            )}
            <p class="hint">
              Filters match what people declare in their <a href="/settings/random-chat">Meet settings</a>; those who declared nothing are left out. Fewer people match, so waits are longer.
            </p>
          </fieldset>
        )}
        <button type="submit" data-start>
          Start
        </button>
      </form>

      <div class="meet-stage" data-stage hidden>
        <div class="meet-videos" data-videos>
          <video data-remote autoplay playsinline aria-label="Your partner"></video>
          <video data-local autoplay playsinline muted aria-label="You"></video>
        </div>
        <p class="meet-partner" data-partner></p>
        <p class="meet-status" data-status role="status" aria-live="polite"></p>
        <div class="actions meet-actions">
          <button type="button" data-next>
            Next
          </button>
          <button type="button" data-stop>
            Stop
          </button>
          <button type="button" data-add disabled>
            Add
          </button>
          <button type="button" data-report-open disabled>
            Report
          </button>
          <button type="button" data-block disabled>
            Block
          </button>
        </div>
        <form class="card meet-report" data-report hidden>
          <ReportFields />
          <div class="actions">
            <button type="submit">Send report</button>
            <button type="button" data-report-cancel>
              Cancel
            </button>
          </div>
        </form>
        <ol class="meet-chat" data-chat aria-live="polite" aria-label="Chat"></ol>
        <form class="meet-chat-form" data-chat-form>
          <label for="meet-say" class="skip">
            Message
          </label>
          <input id="meet-say" name="text" maxlength={MAX_CHAT} autocomplete="off" placeholder="Say hello" disabled />
          <button type="submit" disabled>
            Send
          </button>
        </form>
      </div>

      <RecentChats csrfToken={props.csrfToken} recent={props.recent} />
    </section>
  )
}

function ReportFields() {
  return (
    <>
      <div class="field">
        <label for="meet-reason">Why are you reporting this person?</label>
        <select id="meet-reason" name="reason" required>
          {REPORT_REASONS.map((r) => (
            <option value={r}>{REASON_LABELS[r]}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="meet-note">Anything moderators should know (optional)</label>
        <textarea id="meet-note" name="note" rows={3} maxlength={1000}></textarea>
        <p class="hint">Moderators see both accounts, the time, your interests and the text chat of this call. Video is never recorded.</p>
      </div>
    </>
  )
}

export function RecentChats({ csrfToken, recent }: { csrfToken: string; recent: Recent }) {
  return (
    <section class="meet-recent" data-recent>
      <h2>Recent chats</h2>
      {recent.length === 0 ? (
        <p class="muted">Chats of the last 30 minutes show here, so you can still report, block or add someone after you moved on.</p>
      ) : (
        <ul class="stack">
          {recent.map((r) => (
            <li class="card" data-recent-session={r.id}>
              <p>
                {r.mode === 'video' ? 'Video' : 'Text'} chat at {when(r.started_at)}
                {r.live ? ' · now' : r.ended_at ? `, ended ${when(r.ended_at)}` : ''}
                {r.shared.length > 0 && <span class="muted"> · shared: {r.shared.join(', ')}</span>}
              </p>
              <div class="actions">
                <form method="post" action={`/meet/sessions/${r.id}/add`}>
                  <CsrfField token={csrfToken} />
                  <button type="submit" disabled={r.added}>
                    {r.added ? 'Added' : 'Add'}
                  </button>
                </form>
                <form method="post" action={`/meet/sessions/${r.id}/block`}>
                  <CsrfField token={csrfToken} />
                  <button type="submit">Block</button>
                </form>
              </div>
              <details>
                <summary>Report</summary>
                <form method="post" action={`/meet/sessions/${r.id}/report`}>
                  <CsrfField token={csrfToken} />
                  <ReportFields />
                  <button type="submit">Send report</button>
                </form>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

// ---- The Meet panel in a member's settings

export async function MeetPanel(ctx: RandomChatContext, service: RandomChatService, viewer: Viewer, csrfToken: string, message?: string): Promise<VNode> {
  const p = await service.profile(viewer.id)
  const s = await ctx.settings.all()
  return (
    <form method="post" action="/settings/random-chat" class="card stack" data-meet-settings>
      <CsrfField token={csrfToken} />
      {message && (
        <p class={`alert ${message === 'Saved.' ? 'alert-ok' : 'alert-error'}`} role={message === 'Saved.' ? 'status' : 'alert'}>
          {message}
        </p>
      )}
      <label>
        <input type="checkbox" name="show_identity" checked={!!p?.show_identity} /> Show my display name and profile picture to the people I meet
      </label>
      <p class="hint">Off: you are “Stranger”. Your username is only shared when you both press Add.</p>
      <p class="muted">What you declare below is used only to match filters{s.allow_filter_region || s.allow_filter_language || s.allow_filter_gender || s.allow_filter_age ? '' : ' (this community allows none at the moment)'}; it is never shown to anyone.</p>
      <div class="field">
        <label for="meet-region">Region (two-letter country code)</label>
        <input id="meet-region" name="region" maxlength={2} size={3} value={p?.region ?? ''} />
      </div>
      <div class="field">
        <label for="meet-language">Language you speak (two-letter code, like en)</label>
        <input id="meet-language" name="language" maxlength={3} size={3} value={p?.language ?? ''} />
      </div>
      <div class="field">
        <label for="meet-gender">Gender</label>
        <select id="meet-gender" name="gender">
          <option value="">Not said</option>
          {GENDERS.map((g) => (
            <option value={g} selected={p?.gender === g}>
              {GENDER_LABELS[g]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="meet-birth-year">Birth year</label>
        <input id="meet-birth-year" name="birth_year" inputmode="numeric" maxlength={4} size={5} value={p?.birth_year ? String(p.birth_year) : ''} />
      </div>
      <button type="submit">Save</button>
    </form>
  )
}

// ---- Staff

type Live = Awaited<ReturnType<RandomChatService['live']>>

export function StaffPage({ live, csrfToken, notice }: { live: Live; csrfToken: string; notice?: { kind: 'ok' | 'error'; text: string } }) {
  return (
    <section class="stack" data-meet-staff>
      <link rel="stylesheet" href="/plugins/random-chat/meet.css" />
      <p class="muted">
        Calls are peer to peer: video never passes the server and is not recorded. You see who is waiting and talking, and the text chat of a call only through reports.
      </p>
      {notice && (
        <p class={`alert alert-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}
        </p>
      )}
      <div hx-get="/admin/random-chat/fragment" hx-trigger="every 2s" hx-swap="innerHTML" data-live>
        <LiveView live={live} csrfToken={csrfToken} />
      </div>
      <form method="post" action="/admin/random-chat/bans" class="card stack" data-ban-form>
        <h2>Ban from Meet</h2>
        <CsrfField token={csrfToken} />
        <div class="field">
          <label for="ban-username">Username</label>
          <input id="ban-username" name="username" required />
        </div>
        <div class="field">
          <label for="ban-hours">For how many hours</label>
          <input id="ban-hours" name="hours" type="number" min={1} value="24" required />
        </div>
        <div class="field">
          <label for="ban-reason">Reason (the member sees it)</label>
          <input id="ban-reason" name="reason" maxlength={500} />
        </div>
        <button type="submit">Ban</button>
      </form>
    </section>
  )
}

export function LiveView({ live, csrfToken }: { live: Live; csrfToken: string }) {
  return (
    <div class="stack">
      <ul class="meet-counters" data-counters>
        <li>
          <strong data-count="online">{live.online}</strong> on the Meet page
        </li>
        <li>
          <strong data-count="waiting">{live.waiting.length}</strong> waiting
        </li>
        <li>
          <strong data-count="calls">{live.calls.length}</strong> in calls
        </li>
        <li>
          <strong data-count="matches-minute">{live.matches_last_minute}</strong> matches in the last minute ({live.matches_last_hour} in the hour)
        </li>
        <li>
          <strong data-count="reports-hour">{live.reports_last_hour}</strong> reports in the last hour
        </li>
      </ul>
      {live.ice_problems.map((p) => (
        <p class="alert alert-error">{p}</p>
      ))}
      <h2>Calls</h2>
      {live.calls.length === 0 ? (
        <p class="muted">No calls right now.</p>
      ) : (
        <div class="table-wrap">
          <table data-calls>
            <thead>
              <tr>
                <th>Members</th>
                <th>Mode</th>
                <th>Since</th>
                <th>Messages</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {live.calls.map((c) => (
                <tr data-call={c.id}>
                  <td>
                    <a href={`/u/${c.a}`}>@{c.a}</a> and <a href={`/u/${c.b}`}>@{c.b}</a>
                    {c.shared.length > 0 && <span class="muted"> · {c.shared.join(', ')}</span>}
                  </td>
                  <td>{c.mode}</td>
                  <td>{when(c.started_at)}</td>
                  <td>{c.messages}</td>
                  <td>
                    <form method="post" action={`/admin/random-chat/sessions/${c.id}/end`}>
                      <CsrfField token={csrfToken} />
                      <button type="submit">End call</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Waiting</h2>
      {live.waiting.length === 0 ? (
        <p class="muted">Nobody is waiting.</p>
      ) : (
        <ul data-waiting>
          {live.waiting.slice(0, 100).map((w) => (
            <li>
              @{w.username} · {w.mode} · {w.waiting_seconds} s{w.interests.length > 0 && <span class="muted"> · {w.interests.join(', ')}</span>}
            </li>
          ))}
          {live.waiting.length > 100 && <li class="muted">and {live.waiting.length - 100} more</li>}
        </ul>
      )}
      <h2>Banned from Meet</h2>
      {live.bans.length === 0 ? (
        <p class="muted">Nobody is banned.</p>
      ) : (
        <ul data-bans>
          {live.bans.map((b) => (
            <li>
              @{b.username} until {b.until.slice(0, 16).replace('T', ' ')} UTC{b.reason ? `: ${b.reason}` : ''}
              {b.banned_by ? <span class="muted"> (by @{b.banned_by})</span> : null}{' '}
              <form method="post" action={`/admin/random-chat/bans/${b.username}/lift`} class="inline">
                <CsrfField token={csrfToken} />
                <button type="submit">Lift</button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

export async function StaffOverview(service: RandomChatService): Promise<VNode> {
  const live = await service.live()
  return (
    <section class="card" data-meet-overview>
      <h2>Meet</h2>
      <p>
        {live.waiting.length} waiting, {live.calls.length} in calls, {live.matches_last_minute} matches in the last minute, {live.reports_last_hour} reports in the last hour.{' '}
        <a href="/admin/random-chat">Open the live page</a>
      </p>
    </section>
  )
}
