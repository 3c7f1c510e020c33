// Verification's views: the member's request page (Settings → Verification), the console's list of requests and the
// card on a member's console page that grants or revokes the badge.
import type { FormProblem } from '../http/forms.js'
import { ActionForm, CsrfField, Field, FormError, VerifiedBadge } from '../views/components.js'
import { MAX_LINKS, type StaffRequestView, type VerificationRequestView, type VerificationStatusView } from './service.js'
import { VERIFICATION_STATUSES, type VerificationStatus } from './tables.js'

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '')

const STATUS_LABEL: Record<VerificationStatus, string> = { pending: 'Waiting for the staff', approved: 'Approved', rejected: 'Turned down', withdrawn: 'Withdrawn' }

function Links({ links }: { links: string[] }) {
  if (!links.length) return null
  return (
    <ul class="verification-links">
      {links.map((l) => (
        <li>
          <a href={l} rel="nofollow noopener noreferrer ugc" target="_blank">
            {l}
          </a>
        </li>
      ))}
    </ul>
  )
}

function Terms({ html }: { html: string }) {
  if (!html) return null
  return (
    <section class="card stack" data-verification-terms aria-labelledby="verification-terms-title">
      <h2 id="verification-terms-title">Who can be verified</h2>
      <div class="prose" dangerouslySetInnerHTML={{ __html: html }} />
    </section>
  )
}

/** A past or waiting request as its member sees it, with the staff's note (theirs alone). */
function OwnRequest({ r, csrf }: { r: VerificationRequestView; csrf: string }) {
  return (
    <li class="stack" data-verification-request={r.status}>
      <p>
        <strong>{STATUS_LABEL[r.status]}</strong> <span class="muted">· asked {day(r.created_at)}{r.decided_at && r.status !== 'pending' ? ` · decided ${day(r.decided_at)}` : ''}</span>
      </p>
      {r.staff_note && (
        <p data-staff-note>
          The staff’s note: “{r.staff_note}”
        </p>
      )}
      <details>
        <summary>What you sent</summary>
        <p>{r.reason}</p>
        <Links links={r.links} />
      </details>
      {r.status === 'pending' && <ActionForm action="/settings/verification/withdraw" csrf={csrf} label="Withdraw the request" class="secondary" />}
    </li>
  )
}

/** Settings → Verification: the badge, the operator's terms, the form, and the member's requests. */
export function VerificationPanel(p: { status: VerificationStatusView; termsHtml: string; csrf: string; values?: Record<string, string>; problem?: FormProblem }) {
  const st = p.status
  const err = (k: string) => p.problem?.fields[k]
  return (
    <div class="stack" data-verification-panel>
      <section class="card stack">
        <h2>Verification</h2>
        {st.verified ? (
          <p data-verified-since>
            Your account is verified <VerifiedBadge member={{ verified: true }} /> since {day(st.verified_at)}: the badge shows next to your name everywhere.
          </p>
        ) : (
          <p>A verified badge next to your name tells members the account is who it says it is. Ask for it here; the staff decide against the terms below.</p>
        )}
      </section>
      <Terms html={p.termsHtml} />
      {!st.verified && (
        <section class="card stack">
          <h2>Request verification</h2>
          {st.can_request ? (
            <form method="post" action="/settings/verification/request" class="stack" novalidate data-verification-form>
              <CsrfField token={p.csrf} />
              <FormError message={p.problem?.message} />
              <Field name="reason" label="Why should your account be verified?" multiline required maxLength={2000} value={p.values?.reason} error={err('reason')} hint="Who you are, and why members may be mistaken about it: at least 20 characters." />
              <Field
                name="links"
                label={`Links that show it is you (up to ${MAX_LINKS}, one per line)`}
                multiline
                maxLength={2000}
                value={p.values?.links}
                error={err('links') ?? Object.entries(p.problem?.fields ?? {}).find(([k]) => k.startsWith('links.'))?.[1]}
                hint="Your website, other profiles, press about you: https:// addresses."
              />
              <button type="submit">Send the request</button>
            </form>
          ) : (
            <>
              <FormError message={p.problem?.message} />
              <p class="muted" data-verification-wait>
                {!st.open
                  ? 'This site does not take verification requests at the moment.'
                  : st.requests.some((r) => r.status === 'pending')
                    ? 'Your request is waiting for the staff. You will be notified of their answer.'
                    : st.next_request_at
                      ? `You can ask again from ${day(st.next_request_at)}.`
                      : ''}
              </p>
            </>
          )}
        </section>
      )}
      {st.requests.length > 0 && (
        <section class="card stack">
          <h2>Your requests</h2>
          <ul class="stack plain-list">
            {st.requests.map((r) => (
              <OwnRequest r={r} csrf={p.csrf} />
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}

/** Admin → Verification: requests (waiting first), each with approve and reject; the terms; direct grants. */
export function StaffVerificationPage(p: {
  csrf: string
  list: { items: StaffRequestView[]; page: number; more: boolean }
  status: VerificationStatus | ''
  q: string
  termsHtml: string
  pending: number
  canEditTerms: boolean
}) {
  const link = (page: number) => `/admin/verification?${new URLSearchParams({ ...(p.status && { status: p.status }), ...(p.q && { q: p.q }), page: String(page) })}`
  return (
    <>
      <p class="muted">
        {p.pending === 1 ? '1 request waits' : `${p.pending} requests wait`} · <a href="/admin/verification/members">Verified members</a>
        {p.canEditTerms && (
          <>
            {' '}
            · <a href="/admin/settings#verification.terms">Terms and cool-down (Settings)</a>
          </>
        )}
      </p>
      <form method="get" action="/admin/verification" class="inline-form" role="search">
        <label for="verification-status">Status</label>
        <select id="verification-status" name="status">
          <option value="" selected={!p.status}>
            All (waiting first)
          </option>
          {VERIFICATION_STATUSES.map((s) => (
            <option value={s} selected={p.status === s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
        <label for="verification-q">Member</label>
        <input id="verification-q" name="q" value={p.q} maxLength={100} placeholder="@username or name" />
        <button type="submit">Filter</button>
      </form>
      {p.termsHtml && (
        <details class="card">
          <summary>The terms staff decide against</summary>
          <div class="prose" dangerouslySetInnerHTML={{ __html: p.termsHtml }} />
        </details>
      )}
      {p.list.items.length === 0 ? (
        <p class="card muted" data-verification-empty>
          No requests here.
        </p>
      ) : (
        p.list.items.map((r) => (
          <section class="card stack" data-staff-request={r.id} data-status={r.status}>
            <h2>
              <a href={`/admin/users/${r.member.id}`}>{r.member.display_name}</a>
              <VerifiedBadge member={r.member} /> <span class="muted">@{r.member.username} · joined {day(r.member.created_at)}</span>
            </h2>
            <p class="muted">
              {STATUS_LABEL[r.status]} · asked {day(r.created_at)}
              {r.decided_at && r.status !== 'pending' && ` · decided ${day(r.decided_at)}${r.decided_by ? ` by @${r.decided_by}` : ''}`}
            </p>
            <p>{r.reason}</p>
            <Links links={r.links} />
            {r.staff_note && <p>Note to the member: “{r.staff_note}”</p>}
            {r.status === 'pending' && (
              <div class="stack">
                <form method="post" action={`/admin/verification/${r.id}/approve`} class="inline-form">
                  <CsrfField token={p.csrf} />
                  <label for={`approve-note-${r.id}`}>Note (optional)</label>
                  <input id={`approve-note-${r.id}`} name="note" maxLength={1000} />
                  <button type="submit">Approve</button>
                </form>
                <form method="post" action={`/admin/verification/${r.id}/reject`} class="inline-form">
                  <CsrfField token={p.csrf} />
                  <label for={`reject-note-${r.id}`}>Why not (the member reads it)</label>
                  <input id={`reject-note-${r.id}`} name="note" maxLength={1000} required />
                  <button type="submit" class="danger">
                    Reject
                  </button>
                </form>
              </div>
            )}
          </section>
        ))
      )}
      <nav class="pager" aria-label="Pages">
        {p.list.page > 1 && <a href={link(p.list.page - 1)}>Newer</a>} {p.list.more && <a href={link(p.list.page + 1)}>More</a>}
      </nav>
    </>
  )
}

/** Admin → Verification → Verified members: who carries the badge, each with revoke; and a direct grant. */
export function VerifiedMembersPage(p: { csrf: string; list: { items: { id: number; username: string; display_name: string; verified_at: string; verified_by: string | null }[]; page: number; more: boolean }; problem?: FormProblem }) {
  return (
    <>
      <p>
        <a href="/admin/verification">Requests</a>
      </p>
      <FormError message={p.problem?.message} />
      <form method="post" action="/admin/verification/grant" class="inline-form card" data-grant-form>
        <CsrfField token={p.csrf} />
        <label for="grant-username">Verify a member</label>
        <input id="grant-username" name="username" required maxLength={40} placeholder="@username" />
        <label for="grant-note">Note to them (optional)</label>
        <input id="grant-note" name="note" maxLength={1000} />
        <button type="submit">Verify</button>
      </form>
      {p.list.items.length === 0 ? (
        <p class="card muted">Nobody is verified yet.</p>
      ) : (
        <ul class="card stack plain-list" data-verified-members>
          {p.list.items.map((m) => (
            <li data-verified-member={m.username}>
              <a href={`/admin/users/${m.id}`}>{m.display_name}</a> <span class="muted">@{m.username} · since {day(m.verified_at)}{m.verified_by ? ` · by @${m.verified_by}` : ''}</span>
              <form method="post" action={`/admin/verification/members/${m.username}/revoke`} class="inline-form">
                <CsrfField token={p.csrf} />
                <label for={`revoke-note-${m.id}`}>Why (the member reads it)</label>
                <input id={`revoke-note-${m.id}`} name="note" maxLength={1000} />
                <button type="submit" class="danger">
                  Revoke
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        {p.list.page > 1 && <a href={`/admin/verification/members?page=${p.list.page - 1}`}>Newer</a>} {p.list.more && <a href={`/admin/verification/members?page=${p.list.page + 1}`}>More</a>}
      </nav>
    </>
  )
}

/** The card on a member's console page: their badge and requests, and grant or revoke. */
export function MemberVerification({ member, status, csrf }: { member: { id: number; username: string }; status: VerificationStatusView; csrf: string }) {
  const pending = status.requests.find((r) => r.status === 'pending')
  const back = `/admin/users/${member.id}`
  return (
    <section class="card stack" data-member-verification>
      <h2>Verification</h2>
      <p>
        {status.verified ? `Verified since ${day(status.verified_at)}.` : 'Not verified.'}
        {pending && (
          <>
            {' '}
            <a href={`/admin/verification?status=pending&q=${member.username}`}>A request waits</a>.
          </>
        )}
      </p>
      <form method="post" action={status.verified ? `/admin/verification/members/${member.username}/revoke` : '/admin/verification/grant'} class="inline-form">
        <CsrfField token={csrf} />
        <input type="hidden" name="username" value={member.username} />
        <input type="hidden" name="next" value={back} />
        <label for="member-verification-note">{status.verified ? 'Why (the member reads it)' : 'Note to them (optional)'}</label>
        <input id="member-verification-note" name="note" maxLength={1000} />
        <button type="submit" class={status.verified ? 'danger' : undefined}>
          {status.verified ? 'Revoke the badge' : 'Verify'}
        </button>
      </form>
    </section>
  )
}
