// The access folder as a core module: the network block before everything, and Admin → Access (blocks, invite
// links, sign-ups waiting for approval) as pages and API.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { CoreModule } from '../module.js'
import { notFound, validationFailed } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { requireRole } from '../http/middleware.js'
import type { Services } from '../services.js'
import { baseUrl } from '../views/meta.js'
import { CsrfField, FormError } from '../views/components.js'
import type { AccessService } from './service.js'
import type { AccessBlockRow, InviteRow } from './tables.js'

/** Every request from an address with a `no_access` block is refused, but the health check. */
export function networkBlocks(access: AccessService): MiddlewareHandler<AppEnv> {
  return async function networkBlocks(c, next) {
    if (c.req.path !== '/healthz' && (await access.noAccess(c.get('ip')))) {
      return c.text('Access to this community from your network is blocked.', 403, { 'cache-control': 'no-store' })
    }
    return next()
  }
}

const SEVERITY: Record<string, string> = { approval: 'Sign-up waits for approval', refuse: 'Sign-up refused', no_access: 'No access at all' }
const KIND: Record<string, string> = { ip: 'Address or range', email_domain: 'Email domain', username: 'Word in usernames' }
const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : 'never')

function AccessPage(p: {
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
      <h1>Access</h1>
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
        {p.blocks.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Does</th>
                <th scope="col">Until</th>
                <th scope="col">Note</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.blocks.map((b) => (
                <tr data-block={b.id}>
                  <td>
                    {KIND[b.kind]}: <code>{b.value}</code>
                  </td>
                  <td>{SEVERITY[b.severity]}</td>
                  <td>{b.expires_at ? when(b.expires_at) : 'no end'}</td>
                  <td>{b.note}</td>
                  <td>
                    <form method="post" action={`/admin/access/blocks/${b.id}/delete`}>
                      <CsrfField token={p.csrfToken} />
                      <button type="submit" class="secondary">
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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
        {p.invites.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Link</th>
                <th scope="col">Used</th>
                <th scope="col">Expires</th>
                <th scope="col">Note</th>
                <th scope="col">
                  <span class="visually-hidden">Revoke</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.invites.map((i) => (
                <tr data-invite={i.id}>
                  <td>{i.usable ? <code>{`${p.origin}/register?invite=${i.code}`}</code> : <s>{i.code}</s>}</td>
                  <td>
                    {i.uses}
                    {i.max_uses !== null ? ` of ${i.max_uses}` : ''}
                  </td>
                  <td>{i.revoked_at ? 'revoked' : i.expires_at ? when(i.expires_at) : 'never'}</td>
                  <td>{i.note}</td>
                  <td>
                    {i.usable && (
                      <form method="post" action={`/admin/access/invites/${i.id}/revoke`}>
                        <CsrfField token={p.csrfToken} />
                        <button type="submit" class="secondary">
                          Revoke
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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

/** Tell a member their sign-up was approved, when the community sends email. */
async function tellApproved(s: Services, c: Context<AppEnv>, user: { email: string; username: string }): Promise<void> {
  await s.mail.notify(user.email, {
    subject: `Welcome to ${await s.settings.get('site.name')}: your sign-up is approved`,
    greeting: `Hi @${user.username},`,
    paragraphs: ['An admin approved your sign-up. You can log in now with the username and password you chose.'],
    action: { label: 'Log in', url: `${baseUrl(c, s.config.publicUrl)}/login` },
  })
}

const num = (v?: string) => (v && v.trim() ? Number(v) : undefined)

function accessPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use('/admin/access', requireRole('admin'))
  app.use('/admin/access/*', requireRole('admin'))
  const page = async (c: Context<AppEnv>, extra: Partial<Parameters<typeof AccessPage>[0]> = {}, status = 200) =>
    s.render.page(
      c,
      { title: 'Access', status: status as 200 },
      <AccessPage csrfToken={c.get('csrfToken')} origin={baseUrl(c, s.config.publicUrl)} blocks={await s.access.listBlocks()} invites={await s.access.listInvites()} pending={await s.access.pending()} {...extra} />,
    )
  const idOf = (c: Context<AppEnv>, what: string) => {
    const id = Number(c.req.param('id'))
    if (!Number.isSafeInteger(id) || id < 1) throw notFound(what)
    return id
  }

  app.get('/admin/access', (c) => page(c))
  app.post('/admin/access/blocks', async (c) => {
    const f = await formFields(c)
    const r = await attempt(() => s.access.addBlock({ kind: f.kind, value: f.value, severity: f.severity, note: f.note ?? '', expires_in_days: num(f.expires_in_days) }, c.get('viewer')!.id))
    if (!r.ok) return page(c, { blockProblem: r.problem, values: f }, r.problem.status)
    flash(c, 'ok', 'The block is on.')
    return c.redirect('/admin/access#blocks', 303)
  })
  app.post('/admin/access/blocks/:id/delete', async (c) => {
    await s.access.removeBlock(idOf(c, 'That block'), c.get('viewer')!.id)
    flash(c, 'ok', 'The block is removed.')
    return c.redirect('/admin/access#blocks', 303)
  })
  app.post('/admin/access/invites', async (c) => {
    const f = await formFields(c)
    const r = await attempt(() => s.access.createInvite({ max_uses: num(f.max_uses), expires_in_days: num(f.invite_days), note: f.invite_note ?? '' }, c.get('viewer')!.id))
    if (!r.ok) return page(c, { inviteProblem: r.problem, values: f }, r.problem.status)
    flash(c, 'ok', 'The invite link is ready: copy it from the list.')
    return c.redirect('/admin/access#invites', 303)
  })
  app.post('/admin/access/invites/:id/revoke', async (c) => {
    await s.access.revokeInvite(idOf(c, 'That invite'), c.get('viewer')!.id)
    flash(c, 'ok', 'The invite link no longer works.')
    return c.redirect('/admin/access#invites', 303)
  })
  app.post('/admin/access/approvals/:id', async (c) => {
    const f = await formFields(c)
    const approve = f.decision === 'approve'
    const user = await s.access.decide(idOf(c, 'That sign-up'), approve, c.get('viewer')!.id)
    if (approve) await tellApproved(s, c, user)
    flash(c, 'ok', approve ? `@${user.username} can log in now.` : `@${user.username}’s sign-up was turned down.`)
    return c.redirect('/admin/access#pending', 303)
  })
  return app
}

function accessApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use('/admin/access/*', requireRole('admin'))
  const idOf = (c: Context<AppEnv>, what: string) => {
    const id = Number(c.req.param('id'))
    if (!Number.isSafeInteger(id) || id < 1) throw notFound(what)
    return id
  }
  app.get('/admin/access/blocks', async (c) => ok(c, await s.access.listBlocks()))
  app.post('/admin/access/blocks', async (c) => ok(c, await s.access.addBlock(await jsonBody(c), c.get('viewer')!.id), 201))
  app.delete('/admin/access/blocks/:id', async (c) => {
    await s.access.removeBlock(idOf(c, 'That block'), c.get('viewer')!.id)
    return ok(c, { removed: true })
  })
  app.get('/admin/access/invites', async (c) => ok(c, await s.access.listInvites()))
  app.post('/admin/access/invites', async (c) => {
    const invite = await s.access.createInvite(await jsonBody(c), c.get('viewer')!.id)
    return ok(c, { ...invite, url: `${baseUrl(c, s.config.publicUrl)}/register?invite=${invite.code}` }, 201)
  })
  app.delete('/admin/access/invites/:id', async (c) => {
    await s.access.revokeInvite(idOf(c, 'That invite'), c.get('viewer')!.id)
    return ok(c, { revoked: true })
  })
  app.get('/admin/access/approvals', async (c) => ok(c, await s.access.pending()))
  app.post('/admin/access/approvals/:id', async (c) => {
    const body = await jsonBody(c)
    if (body.decision !== 'approve' && body.decision !== 'reject') throw validationFailed({ decision: 'The decision is approve or reject.' })
    const user = await s.access.decide(idOf(c, 'That sign-up'), body.decision === 'approve', c.get('viewer')!.id)
    if (body.decision === 'approve') await tellApproved(s, c, user)
    return ok(c, { decided: body.decision })
  })
  return app
}

export const accessModule: CoreModule = {
  name: 'access',
  pages: accessPages,
  api: accessApi,
}
