// Pages (/meet) and the member's JSON API under /api/v1/random-chat (the staff page is a console section: admin.tsx). The call itself runs over the
// realtime socket /realtime/random-chat/meet (see service.ts and docs/api.md).
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../../core/plugins/api.js'
import type { RandomChatContext } from './plugin.js'
import { problemOf, type RandomChatService } from './service.js'
import { MeetPage, type AllowedFilters } from './views.js'

type C = Context<AppEnv>

/** Messages a form's redirect may ask the Meet page to show (by code, so no text travels in the URL). */
const NOTICES: Record<string, { kind: 'ok' | 'error'; text: string }> = {
  reported: { kind: 'ok', text: 'Thank you: your report is with the moderators.' },
  blocked: { kind: 'ok', text: 'Blocked. You will never be paired again, and neither of you sees the other anywhere.' },
  'add-waiting': { kind: 'ok', text: 'Added. If they add you too, you will follow each other.' },
  connected: { kind: 'ok', text: 'You added each other: you now follow each other.' },
  banned: { kind: 'ok', text: 'The member is banned from Meet.' },
  lifted: { kind: 'ok', text: 'The ban is lifted.' },
  ended: { kind: 'ok', text: 'The call was ended.' },
  gone: { kind: 'error', text: 'That call had already ended.' },
}

export const textForm = async (c: C) => {
  const body = await c.req.parseBody()
  return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>
}
/** The notice a redirect's `?done=` names. */
export const notice = (c: C) => NOTICES[c.req.query('done') ?? '']

/**
 * A form's action: do it, then back to `back` with the notice it names; a problem is shown on the page that
 * `page` draws, with the problem's status.
 */
export const formAction =
  (back: string, page: (c: C, problem: { kind: 'error'; text: string }, status: 400) => Promise<Response>, act: (c: C) => Promise<string>) => async (c: C) => {
    try {
      return c.redirect(`${back}?done=${await act(c)}`, 303)
    } catch (err) {
      const p = problemOf(err)
      if (!p) throw err
      return page(c, { kind: 'error', text: p.message }, p.status as 400)
    }
  }

export function randomChatRoutes(ctx: RandomChatContext, service: RandomChatService) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: C) => ctx.http.viewer(c)!



  async function allowedFilters(): Promise<AllowedFilters> {
    const s = await ctx.settings.all()
    return { region: s.allow_filter_region, language: s.allow_filter_language, gender: s.allow_filter_gender, age: s.allow_filter_age }
  }

  async function meetPage(c: C, problem?: { kind: 'error'; text: string }, status: 200 | 400 | 403 | 404 | 409 = 200) {
    const viewer = me(c)
    const refused = await service.refusal(viewer.id)
    return ctx.http.page(
      c,
      { title: 'Meet', status },
      <MeetPage csrfToken={ctx.http.csrfToken(c)} refusal={refused?.message ?? null} filters={await allowedFilters()} recent={await service.recent(viewer.id)} notice={problem ?? notice(c)} />,
    )
  }

  // ---- The member's pages

  app.get('/meet', requireMember, (c) => meetPage(c))

  /** A form about a recent chat, from the Meet page. */
  const sessionForm = (act: (c: C, session: string) => Promise<string>) => formAction('/meet', meetPage, (c) => act(c, c.req.param('id') ?? ''))
  app.post(
    '/meet/sessions/:id/report',
    requireMember,
    sessionForm(async (c, id) => {
      const form = await textForm(c)
      await service.report(me(c), id, { reason: form.reason, note: form.note ?? '' })
      return 'reported'
    }),
  )
  app.post(
    '/meet/sessions/:id/block',
    requireMember,
    sessionForm(async (c, id) => {
      await service.block(me(c), id)
      return 'blocked'
    }),
  )
  app.post(
    '/meet/sessions/:id/add',
    requireMember,
    sessionForm(async (c, id) => ((await service.add(me(c), id)).status === 'connected' ? 'connected' : 'add-waiting')),
  )

  // ---- The member's API

  app.get('/api/v1/random-chat/me', requireMember, async (c) => {
    const viewer = me(c)
    const refused = await service.refusal(viewer.id)
    const p = await service.profile(viewer.id)
    return ctx.http.json(c, {
      can_start: !refused,
      refusal: refused ? { code: problemOf(refused)?.code, message: refused.message } : null,
      filters: await allowedFilters(),
      profile: { show_identity: !!p?.show_identity, region: p?.region ?? null, language: p?.language ?? null, gender: p?.gender ?? null, birth_year: p?.birth_year ?? null },
      recent: await service.recent(viewer.id),
      socket: '/realtime/random-chat/meet',
    })
  })
  app.put('/api/v1/random-chat/profile', requireMember, async (c) => ctx.http.json(c, await service.saveProfile(me(c).id, await ctx.http.jsonBody(c))))
  app.post('/api/v1/random-chat/sessions/:id/report', requireMember, async (c) => ctx.http.json(c, { report_id: (await service.report(me(c), c.req.param('id'), await ctx.http.jsonBody(c))).id }, 201))
  app.post('/api/v1/random-chat/sessions/:id/block', requireMember, async (c) => {
    await service.block(me(c), c.req.param('id'))
    return ctx.http.json(c, { blocked: true })
  })
  app.post('/api/v1/random-chat/sessions/:id/add', requireMember, async (c) => ctx.http.json(c, await service.add(me(c), c.req.param('id'))))

  // The staff page moved into the console (admin.tsx); an old bookmark still lands there.
  app.get('/meet/live', (c) => c.redirect('/admin/random-chat', 301))

  return app
}
