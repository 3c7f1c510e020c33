// Admin → Access (core/admin/sections/access.tsx): sign-ups waiting for approval, blocks and invite links.
import type { FormProblem } from '../http/forms.js'
import { CsrfField, DataTable, FormError } from '../views/components.js'
import type { AccessService } from './service.js'
import type { AccessBlockRow, InviteRow } from './tables.js'

const SEVERITY: Record<string, string> = { approval: 'Sign-up waits for approval', refuse: 'Sign-up refused', no_access: 'No access at all' }
const KIND: Record<string, string> = { ip: 'Address or range', email_domain: 'Email domain', username: 'Word in usernames' }
const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : 'never')

export function AccessPage(p: {
  csrfToken: string
  origin: string
  blocks: AccessBlockRow[]
  invites: (InviteRow & { usable: boolean })[]
  pending: Awaited<ReturnType<AccessService['pending']>>
  blockProblem?: FormProblem
  inviteProblem?: FormProblem
  values?: Record<string, string>
}) {
  const v = p.values ?? {}
  return (
    <div class="stack">
      <section class="card" id="pending">
        <h2>Sign-ups waiting for approval ({p.pending.length})</h2>
        {p.pending.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul class="stack">
            {p.pending.map((u) => (
              <li data-pending={u.id}>
                <p>
                  <strong>@{u.username}</strong> ({u.email}), {when(u.created_at)}
                </p>
                <blockquote>{u.signup_reason}</blockquote>
                <div class="actions">
                  <form method="post" action={`/admin/access/approvals/${u.id}`}>
                    <CsrfField token={p.csrfToken} />
                    <input type="hidden" name="decision" value="approve" />
                    <button type="submit">Approve</button>
                  </form>
                  <form method="post" action={`/admin/access/approvals/${u.id}`}>
                    <CsrfField token={p.csrfToken} />
                    <input type="hidden" name="decision" value="reject" />
                    <button type="submit" class="secondary">
                      Turn down
                    </button>
                  </form>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card" id="blocks">
        <h2>Blocks</h2>
        <DataTable
          rows={p.blocks}
          rowData={(b) => ({ 'data-block': b.id })}
          columns={[
            { label: 'What', cell: (b) => <>{KIND[b.kind]}: <code>{b.value}</code></> },
            { label: 'Does', cell: (b) => SEVERITY[b.severity] },
            { label: 'Until', cell: (b) => (b.expires_at ? when(b.expires_at) : 'no end') },
            { label: 'Note', cell: (b) => b.note },
            {
              label: 'Remove',
              hideLabel: true,
              cell: (b) => (
                <form method="post" action={`/admin/access/blocks/${b.id}/delete`}>
                  <CsrfField token={p.csrfToken} />
                  <button type="submit" class="secondary">
                    Remove
                  </button>
                </form>
              ),
            },
          ]}
        />
        <FormError message={p.blockProblem?.message} />
        <form method="post" action="/admin/access/blocks" novalidate>
          <CsrfField token={p.csrfToken} />
          <label>
            Block
            <select name="kind">
              {Object.entries(KIND).map(([k, label]) => (
                <option value={k} selected={v.kind === k}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Value (203.0.113.0/24, mail.example, or a word) <input name="value" value={v.value} required maxLength={100} />
          </label>
          <label>
            What it does
            <select name="severity">
              {Object.entries(SEVERITY).map(([k, label]) => (
                <option value={k} selected={v.severity === k}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            For how many days (empty: until removed) <input name="expires_in_days" type="number" min={1} max={3650} value={v.expires_in_days} />
          </label>
          <label>
            Note (for staff) <input name="note" value={v.note} maxLength={300} />
          </label>
          <button type="submit">Add the block</button>
        </form>
      </section>
      <section class="card" id="invites">
        <h2>Invite links</h2>
        <p class="muted">An invite link lets someone sign up when registration is closed, without waiting for approval.</p>
        <DataTable
          rows={p.invites}
          rowData={(i) => ({ 'data-invite': i.id })}
          columns={[
            { label: 'Link', cell: (i) => (i.usable ? <code>{`${p.origin}/register?invite=${i.code}`}</code> : <s>{i.code}</s>) },
            { label: 'Used', cell: (i) => `${i.uses}${i.max_uses !== null ? ` of ${i.max_uses}` : ''}` },
            { label: 'Expires', cell: (i) => (i.revoked_at ? 'revoked' : i.expires_at ? when(i.expires_at) : 'never') },
            { label: 'Note', cell: (i) => i.note },
            {
              label: 'Revoke',
              hideLabel: true,
              cell: (i) =>
                i.usable && (
                  <form method="post" action={`/admin/access/invites/${i.id}/revoke`}>
                    <CsrfField token={p.csrfToken} />
                    <button type="submit" class="secondary">
                      Revoke
                    </button>
                  </form>
                ),
            },
          ]}
        />
        <FormError message={p.inviteProblem?.message} />
        <form method="post" action="/admin/access/invites" novalidate>
          <CsrfField token={p.csrfToken} />
          <label>
            Uses (empty: any number) <input name="max_uses" type="number" min={1} max={100000} value={v.max_uses} />
          </label>
          <label>
            Days it works (empty: until revoked) <input name="invite_days" type="number" min={1} max={3650} value={v.invite_days} />
          </label>
          <label>
            Note <input name="invite_note" value={v.invite_note} maxLength={200} />
          </label>
          <button type="submit">Make an invite link</button>
        </form>
      </section>
    </div>
  )
}
