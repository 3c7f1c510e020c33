// The report form and the moderation queue's pieces: queue rows, snapshots, report and decision lists.
import type { FormProblem } from '../http/forms.js'
import { CsrfField, FormError } from '../views/components.js'
import { APPEAL_MAX, NOTE_MAX, OUTCOMES, REASON_LABELS, REPORT_REASONS, SUSPEND_REASON_MAX, type ReportReason } from './inputs.js'
import type { Inspection, MemberRef, QueueItem, QueueSort, ReportView, ResolutionView, WarningView } from './service.js'
import { shortTime as when } from '../views/time.js'
import type { AppealView, RemovalView } from './appeals.js'

type Snapshot = Record<string, unknown>

const str = (v: unknown) => (typeof v === 'string' ? v : '')
const at = (m: MemberRef | null, fallback = 'system') => (m ? `@${m.username}` : fallback)
const authorOf = (s: Snapshot) => (s.author && typeof s.author === 'object' ? (s.author as MemberRef) : null)
/** An address on this site (a plugin's staff-only route), never elsewhere. */
const onSite = (url: unknown): url is string => typeof url === 'string' && /^\/(?!\/)/.test(url)
const excerpt = (text: string, n = 120) => (text.length > n ? `${text.slice(0, n - 1)}…` : text)

/** Text with its line breaks kept, escaped by Preact. */
function Lines({ text }: { text: string }) {
  const lines = text.split('\n')
  return (
    <p class="post-text">
      {lines.map((l, i) => (
        <>
          {i > 0 && <br />}
          {l}
        </>
      ))}
    </p>
  )
}

/** One line saying what a target is, from its snapshot. */
export function describeTarget(type: string, id: string, s: Snapshot): string {
  if (type === 'post') return `Post ${id} by @${authorOf(s)?.username ?? '?'}${str(s.text) ? `: “${excerpt(str(s.text), 80)}”` : ''}`
  if (type === 'comment') return `Comment ${id} by @${authorOf(s)?.username ?? '?'}: “${excerpt(str(s.text), 80)}”`
  if (type === 'user') return `Member @${str(s.username)}${str(s.display_name) ? ` (${str(s.display_name)})` : ''}`
  // A plugin's type names itself in its snapshot (PluginReportsApi).
  return str(s.summary) ? excerpt(str(s.summary), 160) : `${type} ${id}`
}

/** Where a target lives on the site, when it has a page. */
export function targetHref(type: string, id: string, s: Snapshot): string | null {
  if (type === 'post') return `/p/${id}`
  if (type === 'comment' && typeof s.post_id === 'number') return `/p/${s.post_id}`
  if (type === 'user' && str(s.username)) return `/u/${str(s.username)}`
  if (type !== 'post' && type !== 'comment' && type !== 'user' && onSite(s.href)) return str(s.href)
  return null
}

export function ModerationNav({ active, open, appeals }: { active: 'queue' | 'appeals' | 'history'; open: number; appeals: number }) {
  return (
    <nav class="tabs" aria-label="Moderation">
      <a href="/admin/reports" aria-current={active === 'queue' ? 'page' : undefined}>
        Open queue{open ? ` (${open})` : ''}
      </a>
      <a href="/admin/reports/appeals" aria-current={active === 'appeals' ? 'page' : undefined}>
        Appeals{appeals ? ` (${appeals})` : ''}
      </a>
      <a href="/admin/reports/history" aria-current={active === 'history' ? 'page' : undefined}>
        Decisions
      </a>
    </nav>
  )
}

// ---- The member's report form

/** The report page for one's own profile, post or comment: nothing to report, and the way back. */
export function OwnContentNotice(props: { type: string; label: string; back: string }) {
  const what = props.type === 'user' ? 'yourself' : `your own ${props.label}`
  return (
    <section class="card" data-own-content>
      <h1>Report</h1>
      <p>
        You cannot report {what}.{props.type !== 'user' && ' You can edit or delete it instead.'}
      </p>
      <p>
        <a href={props.back}>Go back</a>
      </p>
    </section>
  )
}

export function ReportForm(props: { type: string; label: string; id: string; snapshot: Snapshot; back: string; csrfToken: string; values?: Record<string, string>; problem?: FormProblem }) {
  const v = props.values ?? {}
  const err = (f: string) => props.problem?.fields[f]
  const by = authorOf(props.snapshot)
  const what = props.type === 'user' ? `@${str(props.snapshot.username)}` : `a ${props.label}${by ? ` by @${by.username}` : ''}`
  return (
    <section class="card">
      <h1>Report {what}</h1>
      {props.type !== 'user' && str(props.snapshot.text) && <blockquote class="muted">{excerpt(str(props.snapshot.text), 280)}</blockquote>}
      <p class="hint">Only the moderators see your report. The member is not told who reported them.</p>
      <FormError message={props.problem?.message} />
      <form method="post" action="/report">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="type" value={props.type} />
        <input type="hidden" name="id" value={props.id} />
        <fieldset class={err('reason') ? 'field field-invalid' : 'field'}>
          <legend>What is wrong?</legend>
          {REPORT_REASONS.map((r) => (
            <label>
              <input type="radio" name="reason" value={r} checked={v.reason === r} required /> {REASON_LABELS[r]}
            </label>
          ))}
          {err('reason') && <p class="error">{err('reason')}</p>}
        </fieldset>
        <div class={err('note') ? 'field field-invalid' : 'field'}>
          <label for="f-note">Anything the moderators should know (optional)</label>
          <textarea id="f-note" name="note" maxLength={NOTE_MAX} aria-describedby={err('note') ? 'f-note-error' : undefined}>{v.note ?? ''}</textarea>
          {err('note') && <p class="error" id="f-note-error">{err('note')}</p>}
        </div>
        <div class="actions">
          <button type="submit">Send report</button>
          <a href={props.back}>Cancel</a>
        </div>
      </form>
    </section>
  )
}

// ---- The queue

function Reasons({ reasons }: { reasons: Partial<Record<ReportReason, number>> }) {
  return (
    <>
      {Object.entries(reasons).map(([r, n]) => (
        <span class="badge">
          {r}
          {n! > 1 ? ` ×${n}` : ''}
        </span>
      ))}
    </>
  )
}

export function QueueTable({ items, sort, next }: { items: QueueItem[]; sort: QueueSort; next: string | null }) {
  if (!items.length) return <p data-empty-queue>The queue is empty: no open reports.</p>
  return (
    <>
      <div class="table-wrap">
        <table data-queue>
          <thead>
            <tr>
              <th>Reported</th>
              <th>Member</th>
              <th>Reasons</th>
              <th>Reporters</th>
              <th>Latest</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr data-target={`${i.target_type}:${i.target_id}`}>
                <td>{describeTarget(i.target_type, i.target_id, i.snapshot)}</td>
                <td>{i.target_user ? `@${i.target_user.username}` : ''}</td>
                <td>
                  <Reasons reasons={i.reasons} />
                </td>
                <td data-reporters>{i.reporters}</td>
                <td>{when(i.last_at)}</td>
                <td>
                  <a href={`/admin/reports/${i.latest_report_id}`}>Inspect</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <p>
          <a href={`/admin/reports?sort=${sort}&cursor=${next}`}>Next page</a>
        </p>
      )}
    </>
  )
}

export function SortLinks({ sort }: { sort: QueueSort }) {
  return (
    <p class="actions">
      Sort:{' '}
      <a href="/admin/reports?sort=newest" aria-current={sort === 'newest' ? 'page' : undefined}>
        newest
      </a>
      <a href="/admin/reports?sort=most" aria-current={sort === 'most' ? 'page' : undefined}>
        most reported
      </a>
    </p>
  )
}

// ---- Inspecting one report

type Files = Inspection['media']

/**
 * The reported files themselves, whatever their audience (their URLs carry the moderator's one-time grants). Each
 * file is drawn once on the page: a grant loads each file once, so `skip` names those drawn already.
 */
function ReviewMedia({ ids, files, skip = [] }: { ids: number[]; files?: Files; skip?: number[] }) {
  const shown = ids.filter((id) => !skip.includes(id))
  if (!shown.length) return ids.length ? <p class="muted">Media: as reported, above.</p> : null
  return (
    <div class="review-media" data-review-media>
      {shown.map((id) => {
        const m = files?.[id]
        if (!m) return <p class="muted">Media #{id}: {files && id in files ? 'deleted' : 'not shown here'}.</p>
        if (m.status !== 'ready') return <p class="muted">Media #{id}: {m.status}.</p>
        if (m.kind === 'video') return <video data-media={id} src={m.urls.video} poster={m.urls.poster} controls preload="metadata" width={m.width ?? undefined} height={m.height ?? undefined} />
        return <img data-media={id} src={m.urls['1080'] ?? m.urls['640'] ?? m.urls.original} alt={`Media #${id} as reported`} width={m.width ?? undefined} height={m.height ?? undefined} />
      })}
    </div>
  )
}

/** A transcript line's files as links: only addresses on this site (a plugin's staff-only route), never elsewhere. */
function TranscriptFiles({ files }: { files: unknown }) {
  const links = (Array.isArray(files) ? (files as { label?: unknown; url?: unknown }[]) : []).filter((f) => onSite(f.url))
  if (!links.length) return null
  return (
    <ul class="transcript-files" data-transcript-files>
      {links.map((f) => (
        <li>
          <a href={str(f.url)} download>
            {str(f.label) || 'File'}
          </a>
        </li>
      ))}
    </ul>
  )
}

/** A snapshot or the current state, drawn by target type; plugin types as their JSON. */
export function SnapshotView({ type, snapshot, files, skip }: { type: string; snapshot: Snapshot; files?: Files; skip?: number[] }) {
  if (type === 'post' || type === 'comment') {
    const media = Array.isArray(snapshot.media_ids) ? (snapshot.media_ids as number[]) : []
    return (
      <div data-snapshot>
        <p class="muted">
          by @{authorOf(snapshot)?.username} · {when(str(snapshot.created_at))}
          {snapshot.edited_at ? ` · edited ${when(str(snapshot.edited_at))}` : ''}
          {type === 'post' ? ` · ${str(snapshot.visibility)}${snapshot.status === 'scheduled' ? ', scheduled' : ''}` : ''}
        </p>
        <Lines text={str(snapshot.text)} />
        <ReviewMedia ids={media} files={files} skip={skip} />
        {snapshot.context !== undefined && <pre class="mono">{JSON.stringify(snapshot.context, null, 2)}</pre>}
      </div>
    )
  }
  if (type === 'user') {
    const links = Array.isArray(snapshot.links) ? (snapshot.links as { label?: string; url?: string }[]) : []
    return (
      <div data-snapshot>
        <p>
          <strong>{str(snapshot.display_name) || str(snapshot.username)}</strong> @{str(snapshot.username)} <span class="muted">· {str(snapshot.role)} · {snapshot.is_private ? 'private' : 'public'} account</span>
          {snapshot.suspended ? <span class="badge badge-error">suspended</span> : null}
        </p>
        {str(snapshot.bio) && <Lines text={str(snapshot.bio)} />}
        {links.length > 0 && <p class="muted">Links: {links.map((l) => `${l.label ?? ''} ${l.url ?? ''}`.trim()).join(' · ')}</p>}
        {typeof snapshot.avatar_media_id === 'number' && (
          <>
            <p class="muted">Profile picture:</p>
            <ReviewMedia ids={[snapshot.avatar_media_id]} files={files} skip={skip} />
          </>
        )}
        {snapshot.context !== undefined && <pre class="mono">{JSON.stringify(snapshot.context, null, 2)}</pre>}
      </div>
    )
  }
  // A plugin's type: a conversation it kept (`transcript: [{ at, from, text, media_ids?, files? }]`) is shown as one,
  // with each line's media (core's review grants, as for posts) and files (the plugin's staff-only addresses); the
  // rest as JSON.
  const { transcript, ...rest } = snapshot
  const lines = Array.isArray(transcript) ? (transcript as { at?: unknown; from?: unknown; text?: unknown; media_ids?: unknown; files?: unknown }[]) : null
  // A plugin's own content (a story) names its files as `media_ids`, drawn as a post's are; a transcript's are per line.
  const own = !lines && Array.isArray(snapshot.media_ids) ? snapshot.media_ids.filter((m): m is number => Number.isInteger(m)) : []
  // What the plugin kept beside it (`files: [{ label, url, image? }]`): a frame drawn, a staff page linked.
  const kept = (Array.isArray(snapshot.files) ? (snapshot.files as { label?: unknown; url?: unknown; image?: unknown }[]) : []).filter((f) => onSite(f.url))
  return (
    <div data-snapshot>
      {kept.length > 0 && (
        <ul class="snapshot-files" data-snapshot-files>
          {kept.map((f) => (
            <li>
              {f.image === true ? (
                <figure>
                  <img src={str(f.url)} alt={str(f.label) || 'As reported'} loading="lazy" />
                  <figcaption class="muted">{str(f.label)}</figcaption>
                </figure>
              ) : (
                <a href={str(f.url)}>{str(f.label) || 'Open'}</a>
              )}
            </li>
          ))}
        </ul>
      )}
      {str(snapshot.text) && <Lines text={str(snapshot.text)} />}
      <ReviewMedia ids={own} files={files} skip={skip} />
      {lines && (
        <>
          <h3>Transcript</h3>
          {lines.length === 0 ? (
            <p class="muted">Nothing was written.</p>
          ) : (
            <ol class="transcript" data-transcript>
              {lines.map((l) => (
                <li>
                  <span class="muted">{str(l.at).replace('T', ' ').slice(11, 19)}</span> <strong>{str(l.from)}</strong>: {str(l.text)}
                  <ReviewMedia ids={Array.isArray(l.media_ids) ? l.media_ids.filter((m): m is number => Number.isInteger(m)) : []} files={files} />
                  <TranscriptFiles files={l.files} />
                </li>
              ))}
            </ol>
          )}
        </>
      )}
      <pre class="mono">{JSON.stringify(lines ? rest : snapshot, null, 2)}</pre>
    </div>
  )
}

function CurrentState({ type, current, snapshot, files }: { type: string; current: Inspection['current']; snapshot: Snapshot; files?: Files }) {
  if (current === undefined) return <p class="muted">Hearth keeps only the snapshot of a {type}; the plugin that filed it holds the rest.</p>
  if (current === null) return <p data-current="gone">It no longer exists (deleted).</p>
  const changed = str(current.text) !== str(snapshot.text) || str(current.bio) !== str(snapshot.bio)
  return (
    <div data-current={changed ? 'changed' : 'same'}>
      {changed && <p class="alert alert-info">Changed since it was reported.</p>}
      <SnapshotView type={type} snapshot={current} files={files} skip={[...(Array.isArray(snapshot.media_ids) ? (snapshot.media_ids as number[]) : []), snapshot.avatar_media_id as number]} />
    </div>
  )
}

function ReportsTable({ reports, current }: { reports: ReportView[]; current: number }) {
  return (
    <div class="table-wrap">
      <table data-reports>
        <thead>
          <tr>
            <th>Report</th>
            <th>Reporter</th>
            <th>Reason</th>
            <th>Note</th>
            <th>When</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {reports.map((r) => (
            <tr aria-current={r.id === current ? 'true' : undefined}>
              <td>
                <a href={`/admin/reports/${r.id}`}>#{r.id}</a>
              </td>
              <td>{at(r.reporter)}</td>
              <td>{REASON_LABELS[r.reason] ?? r.reason}</td>
              <td>{r.note}</td>
              <td>{when(r.created_at)}</td>
              <td>{r.status === 'open' ? <span class="badge">open</span> : `${r.resolution?.outcome ?? 'resolved'}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function DecisionsTable({ items, withTarget }: { items: ResolutionView[]; withTarget?: boolean }) {
  if (!items.length) return <p class="muted">No decisions yet.</p>
  return (
    <div class="table-wrap">
      <table data-decisions>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Outcome</th>
            {withTarget && <th>Target</th>}
            <th>Reports</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr>
              <td>{when(d.created_at)}</td>
              <td>{at(d.actor, 'CLI')}</td>
              <td>{d.outcome}</td>
              {withTarget && (
                <td>
                  {d.target_type} {d.target_id}
                  {d.target_user ? ` (@${d.target_user.username})` : ''}
                </td>
              )}
              <td>{d.reports_count}</td>
              <td>{d.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Warnings({ warnings }: { warnings: WarningView[] }) {
  if (!warnings.length) return <p class="muted">No warnings.</p>
  return (
    <ul data-warnings>
      {warnings.map((w) => (
        <li>
          {when(w.created_at)} · {w.reason} · by {at(w.actor, 'CLI')}
          {w.note ? `: ${w.note}` : ''}
        </li>
      ))}
    </ul>
  )
}

const OUTCOME_LABELS = (type: string): Record<(typeof OUTCOMES)[number], string> => ({
  dismiss: 'Dismiss: nothing wrong',
  remove: type === 'user' ? 'Remove: suspend the member' : type === 'post' || type === 'comment' ? `Remove the ${type} (kept for its author while they can appeal)` : `Remove the ${type}`,
  sensitive: 'Mark its media sensitive (blurred behind a warning)',
  warn: 'Warn the member',
  suspend: 'Suspend the member',
})

function ResolveForm({ i, csrfToken, defaultReason }: { i: Inspection; csrfToken: string; defaultReason: string }) {
  const labels = OUTCOME_LABELS(i.report.target_type)
  return (
    <section class="card">
      <h2>Decide</h2>
      <p class="hint">The decision closes every open report on this {i.report.target_type} and is written to the audit log.</p>
      <form method="post" action={`/admin/reports/${i.report.id}/resolve`}>
        <CsrfField token={csrfToken} />
        <fieldset class="field">
          <legend>Outcome</legend>
          {OUTCOMES.map((o) => {
            const unavailable = (o === 'remove' && !i.removable) || ((o === 'warn' || o === 'suspend') && !i.member) || (o === 'sensitive' && i.report.target_type !== 'post')
            return (
              <label>
                <input type="radio" name="outcome" value={o} required disabled={unavailable} checked={o === 'dismiss'} /> {labels[o]}
              </label>
            )
          })}
        </fieldset>
        <div class="field">
          <label for="f-note">Note for the record (optional)</label>
          <textarea id="f-note" name="note" maxLength={NOTE_MAX}></textarea>
        </div>
        {i.member && (
          <div class="field">
            <label for="f-reason">Reason shown to the member if suspended</label>
            <input id="f-reason" name="reason" value={defaultReason} maxLength={SUSPEND_REASON_MAX} />
          </div>
        )}
        {i.member && (
          <div class="field">
            <label for="f-days">If suspended: for how many days (empty: until lifted)</label>
            <input id="f-days" name="days" type="number" min={1} max={3650} />
          </div>
        )}
        <button type="submit">Resolve</button>
      </form>
    </section>
  )
}

export function InspectView({ i, csrfToken, defaultReason }: { i: Inspection; csrfToken: string; defaultReason: string }) {
  const r = i.report
  const href = targetHref(r.target_type, r.target_id, r.snapshot)
  return (
    <>
      <section class="card">
        <h2>
          Report #{r.id} <span class={r.status === 'open' ? 'badge' : 'badge badge-ok'}>{r.status}</span>
        </h2>
        <p>
          {describeTarget(r.target_type, r.target_id, r.snapshot)} {href && <a href={href}>Open</a>}
        </p>
        <p>
          Reported by {at(r.reporter)} for <strong>{REASON_LABELS[r.reason] ?? r.reason}</strong> · {when(r.created_at)}
        </p>
        {r.note && (
          <blockquote data-note>
            <Lines text={r.note} />
          </blockquote>
        )}
        {r.resolution && (
          <p>
            Resolved: <strong>{r.resolution.outcome}</strong> by {at(r.resolution.actor, 'CLI')} · {when(r.resolution.created_at)}
            {r.resolution.note ? ` · ${r.resolution.note}` : ''}
          </p>
        )}
      </section>
      <section class="card">
        <h2>As reported</h2>
        <SnapshotView type={r.target_type} snapshot={r.snapshot} files={i.media} />
      </section>
      <section class="card">
        <h2>Now</h2>
        <CurrentState type={r.target_type} current={i.current} snapshot={r.snapshot} files={i.media} />
      </section>
      {r.status === 'open' && <ResolveForm i={i} csrfToken={csrfToken} defaultReason={defaultReason} />}
      <section class="card">
        <h2>Reports on this {r.target_type} ({i.reports.length})</h2>
        <ReportsTable reports={i.reports} current={r.id} />
      </section>
      <section class="card">
        <h2>Earlier decisions on this {r.target_type}</h2>
        <DecisionsTable items={i.history} />
      </section>
      {i.member && (
        <section class="card">
          <h2>
            @{i.member.username} <span class="muted">{i.member.role}</span> {i.member.suspended && <span class="badge badge-error">suspended</span>}
          </h2>
          {i.member.suspended && i.member.suspended_reason && <p class="muted">Suspended: {i.member.suspended_reason}</p>}
          <h3>Warnings ({i.warnings.length})</h3>
          <Warnings warnings={i.warnings} />
        </section>
      )}
    </>
  )
}

// ---- Appeals

const APPEAL_STATUS: Record<string, string> = { open: 'waiting for the moderators', upheld: 'turned down: the removal stands', overturned: 'accepted: restored' }

/** Staff's list of appeals, each with the removal it answers and, while open, the two answers. */
export function AppealsTable({ items, csrfToken, status }: { items: AppealView[]; csrfToken: string; status: string }) {
  return (
    <>
      <p class="actions">
        Show:{' '}
        {['open', 'upheld', 'overturned', 'all'].map((s) => (
          <a href={`/admin/reports/appeals?status=${s}`} aria-current={status === s ? 'page' : undefined}>
            {s}
          </a>
        ))}
      </p>
      {!items.length ? (
        <p data-empty-appeals>No appeals here.</p>
      ) : (
        <ul class="stack" data-appeals>
          {items.map((a) => (
            <li class="card" data-appeal={a.id}>
              <p>
                <strong>{a.member ? `@${a.member.username}` : 'A deleted account'}</strong> appeals the removal of {a.target_type} {a.target_id} ({when(a.removal.created_at)}
                {a.removal.note ? `: “${a.removal.note}”` : ''}) · {when(a.created_at)}
              </p>
              <blockquote>
                <Lines text={a.text} />
              </blockquote>
              {a.status === 'open' ? (
                <form method="post" action={`/admin/reports/appeals/${a.id}`} class="stack">
                  <CsrfField token={csrfToken} />
                  <div class="field">
                    <label for={`f-appeal-${a.id}`}>Answer to the member (optional)</label>
                    <textarea id={`f-appeal-${a.id}`} name="note" maxLength={NOTE_MAX}></textarea>
                  </div>
                  <div class="actions">
                    <button type="submit" name="decision" value="overturn">
                      Overturn: restore it
                    </button>
                    <button type="submit" name="decision" value="uphold" class="secondary">
                      Uphold the removal
                    </button>
                  </div>
                </form>
              ) : (
                <p class="muted">
                  {APPEAL_STATUS[a.status]} by {at(a.decided_by, 'CLI')}
                  {a.decided_at ? ` · ${when(a.decided_at)}` : ''}
                  {a.decision_note ? ` · “${a.decision_note}”` : ''}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

/** A member's removals, with the form to appeal each once while they may. */
export function MemberAppeals({ removals, csrfToken }: { removals: RemovalView[]; csrfToken: string }) {
  return (
    <section class="card stack" data-member-appeals>
      <h1>Removals and appeals</h1>
      {!removals.length ? (
        <p>The moderators have removed nothing of yours.</p>
      ) : (
        removals.map((r) => (
          <article class="card" data-removal={r.resolution_id}>
            <p>
              Your {r.target_type === 'user' ? 'account was suspended' : `${r.target_type} was removed`} · {when(r.created_at)}
            </p>
            {r.appeal ? (
              <p data-appeal-status={r.appeal.status}>
                Your appeal: {APPEAL_STATUS[r.appeal.status]}
                {r.appeal.decision_note ? ` · “${r.appeal.decision_note}”` : ''}
              </p>
            ) : r.can_appeal ? (
              <form method="post" action="/appeals" class="stack">
                <CsrfField token={csrfToken} />
                <input type="hidden" name="resolution_id" value={String(r.resolution_id)} />
                <div class="field">
                  <label for={`f-appeal-${r.resolution_id}`}>Why should the moderators look again? You can appeal once.</label>
                  <textarea id={`f-appeal-${r.resolution_id}`} name="text" required maxLength={APPEAL_MAX}></textarea>
                </div>
                <p class="hint">Until {when(r.appeal_until)}. Until then only you see what was removed; afterwards it is deleted.</p>
                <button type="submit">Send the appeal</button>
              </form>
            ) : (
              <p class="muted">The time to appeal has passed.</p>
            )}
          </article>
        ))
      )}
    </section>
  )
}
