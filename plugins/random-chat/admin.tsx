// Meet's section of the operators' console (/admin/random-chat): who waits and who talks now, ending a call, bans;
// the same in the API under /api/v1/admin/random-chat; and a dashboard tile of calls per day.
import type { Context } from 'hono'
import type { AppEnv } from '../../core/plugins/api.js'
import type { RandomChatContext } from './plugin.js'
import { callsBetween } from './queries.js'
import { formAction, notice, textForm } from './routes.js'
import type { RandomChatService } from './service.js'
import { LiveView, StaffPage } from './views.js'

type C = Context<AppEnv>

export function randomChatAdmin(ctx: RandomChatContext, service: RandomChatService): void {
  const me = (c: C) => ctx.http.viewer(c)!
  const staffPage = async (c: C, problem?: { kind: 'error'; text: string }, status: 200 | 400 | 404 | 409 = 200) =>
    ctx.admin.page(c, { title: 'Meet, live', status }, <StaffPage live={await service.live()} csrfToken={ctx.http.csrfToken(c)} notice={problem ?? notice(c)} />)
  const staffForm = (act: (c: C) => Promise<string>) => formAction('/admin/random-chat', staffPage, act)

  ctx.admin.section({
    id: 'random-chat',
    label: 'Meet, live',
    icon: 'radio',
    order: 40,
    need: 'moderate_content',
    pages(r) {
      r.get('/', (c) => staffPage(c))
      r.get('/fragment', async (c) => ctx.http.fragment(c, <LiveView live={await service.live()} csrfToken={ctx.http.csrfToken(c)} />))
      r.post('/sessions/:id/end', staffForm(async (c) => (service.endByStaff(c.req.param('id') ?? '') ? 'ended' : 'gone')))
      r.post(
        '/bans',
        staffForm(async (c) => {
          const form = await textForm(c)
          await service.ban(me(c), { username: form.username ?? '', hours: /^\d+$/.test((form.hours ?? '').trim()) ? Number(form.hours) : NaN, reason: form.reason ?? '' })
          return 'banned'
        }),
      )
      r.post(
        '/bans/:username/lift',
        staffForm(async (c) => {
          await service.unban(c.req.param('username') ?? '')
          return 'lifted'
        }),
      )
    },
    api(r) {
      r.get('/', async (c) => ctx.http.json(c, await service.live()))
      r.post('/sessions/:id/end', async (c) => {
        if (!service.endByStaff(c.req.param('id')!)) throw ctx.http.error(404, 'NOT_FOUND', 'There is no such call going on.')
        return ctx.http.json(c, { ended: true })
      })
      r.post('/bans', async (c) => ctx.http.json(c, await service.ban(me(c), await ctx.http.jsonBody(c)), 201))
      r.delete('/bans/:username', async (c) => {
        await service.unban(c.req.param('username')!)
        return ctx.http.json(c, { lifted: true })
      })
    },
  })

  // Calls per day, from the sessions table (its started_at is indexed); counted once a day by core's rollup job.
  ctx.admin.metric({
    id: 'calls',
    label: 'Meet calls',
    kind: 'count',
    compute: ({ from, to }) => callsBetween(ctx.db, from, to),
  })
  ctx.admin.tile({ id: 'random-chat-calls', label: 'Meet calls per day', metrics: ['calls'], need: 'staff', order: 60 })
}
