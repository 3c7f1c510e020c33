// A warning from the moderators, told to the member on their next visit: any page they open leads first to their
// unread warnings, until they say they have read them. Apps read the same through the API.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { requireMember, safeNext } from '../http/middleware.js'
import { REASON_LABELS, type ReportReason } from '../moderation/inputs.js'
import type { Services } from '../services.js'
import { CsrfField } from '../views/components.js'
import { createMembersService, STAFF_WARNING } from './members.js'

/** Paths a member with an unread warning may still open: the notice itself, logging out, and what pages load. */
const PASSES = /^\/(warnings|logout|static\/|theme\/|plugins\/|media\/|app-icon|manifest|favicon|sw\.js|realtime)/

/**
 * Sends a member with an unread warning to it, from any page they open (a GET of a page, not the API or a fragment).
 * The count is on the users row the request already loaded, so a member without one costs nothing.
 */
export function warningGate(): MiddlewareHandler<AppEnv> {
  return async function warningGate(c, next) {
    const account = c.get('account')
    if (!account || account.warnings_unseen === 0 || c.req.method !== 'GET' || c.req.path.startsWith('/api/') || c.req.header('hx-request') || PASSES.test(c.req.path)) return next()
    return c.redirect(`/warnings?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}`, 303)
  }
}

const reasonText = (reason: string) => (reason === STAFF_WARNING ? 'A warning from the moderators' : `After a report of ${(REASON_LABELS[reason as ReportReason] ?? reason).toLowerCase()}`)

export function warningsPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const members = createMembersService(s.db, s.hooks)
  const recent = (userId: number) =>
    s.db.selectFrom('member_warnings').select(['id', 'reason', 'note', 'created_at', 'seen_at']).where('user_id', '=', userId).orderBy('id', 'desc').limit(20).execute()

  app.get('/warnings', requireMember, async (c) => {
    const me = c.get('viewer')!
    const list = await recent(me.id)
    const unread = list.filter((w) => !w.seen_at)
    const next = safeNext(c.req.query('next'))
    return s.render.page(
      c,
      { title: 'Warnings' },
      <section class="stack" data-warnings>
        <h1>{unread.length ? 'The moderators warned you' : 'Warnings'}</h1>
        {list.length === 0 && <p class="muted">You have no warnings.</p>}
        {list.map((w) => (
          <article class={`card stack${w.seen_at ? '' : ' member-warning'}`} data-warning={w.id} data-unread={w.seen_at ? undefined : 'true'}>
            <p>
              <strong>{reasonText(w.reason)}</strong> <span class="muted">{w.created_at.slice(0, 10)}</span>
            </p>
            {w.note && <p>{w.note}</p>}
          </article>
        ))}
        {unread.length > 0 && (
          <form method="post" action="/warnings/ack" class="stack">
            <CsrfField token={c.get('csrfToken')} />
            <input type="hidden" name="next" value={next} />
            <p class="hint">Repeated problems can lead to a suspension. Read the community rules if you are unsure what is allowed.</p>
            <button type="submit">I have read this</button>
          </form>
        )}
      </section>,
    )
  })
  app.post('/warnings/ack', requireMember, async (c) => {
    await members.acknowledge(c.get('viewer')!.id)
    const form = await c.req.parseBody()
    return c.redirect(safeNext(typeof form.next === 'string' ? form.next : null), 303)
  })
  app.get('/api/v1/users/me/warnings', requireMember, async (c) => ok(c, (await recent(c.get('viewer')!.id)).map((w) => ({ ...w, text: reasonText(w.reason) }))))
  app.post('/api/v1/users/me/warnings/ack', requireMember, async (c) => {
    await members.acknowledge(c.get('viewer')!.id)
    return ok(c, { unread: 0 })
  })
  return app
}
