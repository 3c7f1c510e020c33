// Pages and the JSON API of the gift side: sending gifts, earnings, withdrawals, leaderboards and badges, and the
// staff pages and API for the catalog and the withdrawal queue.
import { Hono, type Context } from 'hono'
import { csvField, isAppError, parse, type AppEnv, type MediaInfo, type Viewer } from '../../core/plugins/api.js'
import type { EarningsService } from './earnings.js'
import { giftInput, giftPatch, payInput, rejectInput, sendInput, targetInput, withdrawalInput } from './gifts-inputs.js'
import * as q from './gifts-queries.js'
import type { GiftsService, GiftTarget } from './gifts-service.js'
import type { CoinsContext } from './plugin.js'
import { AdminGiftsPage, AdminWithdrawalsPage, EarningsPage, GiftPickerPage, WithdrawalsPage } from './gifts-views.js'
import type { WithdrawalStatus } from './gifts-tables.js'
import type { WithdrawalsService } from './withdrawals.js'

type C = Context<AppEnv>

/** Only a path on this site as the place to go back to after a gift. */
const safeBack = (v: unknown, fallback: string) => (typeof v === 'string' && /^\/[A-Za-z0-9/_?=&.-]*$/.test(v) && !v.startsWith('//') ? v : fallback)
const targetHref = (t: GiftTarget, username: string) => (t.kind === 'post' ? `/p/${t.id}` : `/u/${username}`)

export function giftRoutes(ctx: CoinsContext, gifts: GiftsService, earnings: EarningsService, withdrawals: WithdrawalsService) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const admin = ctx.http.requireRole('admin')
  const me = (c: C) => ctx.http.viewer(c)!
  const balanceOf = async (userId: number) => (await ctx.core.ledger.findAccount({ kind: 'member_coins', userId, unit: 'coin' }))?.available ?? 0

  // ---- Sending a gift (page)

  /** The picker for a target the viewer may gift, or 404 exactly like a missing target. */
  async function picker(c: C, target: GiftTarget, back: string, values: { gift?: string; note?: string; key?: string } = {}, error?: string, status: 200 | 400 | 403 | 404 | 409 | 422 | 429 = 200) {
    const viewer = me(c)
    const info = await gifts.resolveTarget(target, viewer.id)
    if (!info) throw gifts.notFound(target.kind === 'post' ? 'That post' : 'That')
    if (info.receiverId === viewer.id) throw ctx.http.error(422, 'SELF_GIFT', 'You cannot send a gift to yourself.')
    const receiver = await q.userById(ctx.db, info.receiverId)
    if (!receiver) throw gifts.notFound()
    const catalog = await Promise.all((await gifts.catalog()).map(gifts.giftJson))
    return ctx.http.page(
      c,
      { title: `Send a gift to ${receiver.display_name}`, status },
      <GiftPickerPage csrfToken={ctx.http.csrfToken(c)} gifts={catalog} target={target} receiver={receiver} label={info.label === 'your profile' ? 'the profile' : info.label} back={safeBack(back, info.url ?? '/')} balance={await balanceOf(viewer.id)} sendKey={values.key ?? crypto.randomUUID()} values={values} error={error} />,
    )
  }

  app.get('/coins/gift', requireMember, async (c) => {
    const target = parse(targetInput, { kind: c.req.query('kind'), id: c.req.query('id') })
    return picker(c, target, c.req.query('back') ?? '')
  })

  app.post('/coins/gift', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    const target = parse(targetInput, { kind: form.kind, id: form.id })
    const back = form.back ?? ''
    const giftId = /^[1-9]\d{0,15}$/.test(form.gift ?? '') ? Number(form.gift) : 0
    try {
      const input = parse(sendInput, { target, note: form.note ?? '', idempotency_key: form.key || undefined })
      if (!giftId) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Choose a gift.', { fields: { gift: 'Choose a gift.' } })
      const { send } = await gifts.send(me(c), giftId, input)
      const [receiver, gift] = await Promise.all([q.userById(ctx.db, send.receiver_id), q.giftById(ctx.db, send.gift_id)])
      // Back on the post, profile or stream (core's or another plugin's page): a flash, which any page shows.
      ctx.http.flash(c, 'ok', `You sent ${gift?.name ?? 'a gift'} to ${receiver?.display_name ?? 'them'}.`)
      return c.redirect(safeBack(back, targetHref(target, receiver?.username ?? '')), 303)
    } catch (err) {
      // The picker again with the sentence (a target missing or hidden meanwhile answers 404 from the picker itself).
      if (!isAppError(err) || err.status >= 500) throw err
      return picker(c, target, back, { gift: form.gift, note: form.note, key: crypto.randomUUID() }, err.message, err.status as 400)
    }
  })

  // ---- Sending a gift (API)

  app.get('/api/v1/coins/gifts', async (c) => ctx.http.json(c, await Promise.all((await gifts.catalog()).map(gifts.giftJson))))

  app.post('/api/v1/coins/gifts/:id{[0-9]+}/send', requireMember, async (c) => {
    const body = await ctx.http.jsonBody(c)
    const input = parse(sendInput, { ...body, idempotency_key: body.idempotency_key ?? c.req.header('idempotency-key') })
    const { send, created } = await gifts.send(me(c), ctx.http.id(c), input)
    const balance = await balanceOf(me(c).id)
    return ctx.http.json(c, { ...sendJson(send), balance }, created ? 201 : 200)
  })

  // ---- Earnings

  app.get('/coins/earnings', requireMember, async (c) => {
    const viewer = me(c)
    const [summary, days, sources, supporters, history, badges] = await Promise.all([
      earnings.summary(viewer.id),
      earnings.byDay(viewer.id),
      earnings.bySource(viewer.id),
      earnings.supporters(viewer.id, viewer.id),
      earnings.history(viewer.id, { cursor: c.req.query('cursor') }),
      earnings.badges(viewer.id),
    ])
    return ctx.http.page(c, { title: 'Earnings' }, <EarningsPage summary={summary} days={days} sources={sources} supporters={supporters} history={history} badges={badges} holdDays={await ctx.settings.get('gift_hold_days')} notice={c.req.query('notice')} />)
  })

  app.get('/api/v1/coins/earnings', requireMember, async (c) => {
    const id = me(c).id
    const [summary, by_day, by_source, top_supporters] = await Promise.all([earnings.summary(id), earnings.byDay(id), earnings.bySource(id), earnings.supporters(id, id)])
    return ctx.http.json(c, { ...summary, by_day, by_source, top_supporters })
  })

  app.get('/api/v1/coins/earnings/history', requireMember, async (c) => ctx.http.paginated(c, await earnings.history(me(c).id, { cursor: c.req.query('cursor'), limit: ctx.http.limit(c) })))

  // ---- Leaderboards and badges (public, as the viewer may see the creator)

  /** A member the viewer may see (active, no block either way), or 404. */
  async function visibleMember(c: C) {
    const viewer = ctx.http.viewer(c)
    const u = await q.userNamed(ctx.db, c.req.param('username') ?? '')
    if (!u || u.suspended_at !== null || (viewer && (await ctx.core.social.blockedEitherWay(viewer.id, u.id)))) throw ctx.http.error(404, 'NOT_FOUND', 'That member does not exist.')
    return { viewer, user: u }
  }

  app.get('/api/v1/coins/leaderboard/:username', async (c) => {
    const { viewer, user } = await visibleMember(c)
    return ctx.http.json(c, await earnings.supporters(user.id, viewer?.id ?? null, ctx.http.limit(c, { fallback: 10, max: 100 })))
  })

  /** A target's leaderboard (a live stream's), for members who may see the target. */
  app.get('/api/v1/coins/leaderboard/:kind/:id{[0-9]+}', requireMember, async (c) => {
    const target = parse(targetInput, { kind: c.req.param('kind'), id: c.req.param('id') })
    if (!(await gifts.resolveTarget(target, me(c).id))) throw gifts.notFound()
    return ctx.http.json(c, await earnings.supporters(target, me(c).id, ctx.http.limit(c, { fallback: 10, max: 100 })))
  })

  app.get('/api/v1/coins/badges/:username', async (c) => {
    const { user } = await visibleMember(c)
    return ctx.http.json(c, await earnings.badges(user.id))
  })

  // ---- Withdrawals (the creator)

  const withdrawalsPage = async (c: C, extra: { values?: Record<string, string>; errors?: Record<string, string>; error?: string; status?: 200 | 400 | 403 | 422 } = {}) => {
    const viewer = me(c)
    const list = await Promise.all((await withdrawals.mine(viewer.id)).map((w) => withdrawals.json(w, true)))
    return ctx.http.page(
      c,
      { title: 'Withdrawals', status: extra.status ?? 200 },
      <WithdrawalsPage csrfToken={ctx.http.csrfToken(c)} summary={await earnings.summary(viewer.id)} minimum={await ctx.settings.get('withdrawal_minimum')} withdrawals={list} values={extra.values} errors={extra.errors} error={extra.error} notice={c.req.query('notice')} />,
    )
  }

  app.get('/coins/withdrawals', requireMember, (c) => withdrawalsPage(c))

  app.post('/coins/withdrawals', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    try {
      await withdrawals.request(me(c), parse(withdrawalInput, { ...form, idempotency_key: form.key || undefined }))
      return c.redirect('/coins/withdrawals?notice=requested', 303)
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 404) throw err
      const { details: _private, ...values } = form
      return withdrawalsPage(c, { values: { ...values, details: form.details ?? '' }, errors: (err.details.fields as Record<string, string>) ?? {}, error: err.message, status: err.status as 400 })
    }
  })

  app.post('/coins/withdrawals/:id{[0-9]+}/cancel', requireMember, async (c) => {
    await withdrawals.cancel(me(c), ctx.http.id(c))
    return c.redirect('/coins/withdrawals?notice=cancelled', 303)
  })

  app.get('/api/v1/coins/withdrawals', requireMember, async (c) => ctx.http.json(c, await Promise.all((await withdrawals.mine(me(c).id)).map((w) => withdrawals.json(w, true)))))

  app.post('/api/v1/coins/withdrawals', requireMember, async (c) => {
    const body = await ctx.http.jsonBody(c)
    const w = await withdrawals.request(me(c), parse(withdrawalInput, { ...body, idempotency_key: body.idempotency_key ?? c.req.header('idempotency-key') }))
    return ctx.http.json(c, await withdrawals.json(w, true), 201)
  })

  app.post('/api/v1/coins/withdrawals/:id{[0-9]+}/cancel', requireMember, async (c) => ctx.http.json(c, await withdrawals.json(await withdrawals.cancel(me(c), ctx.http.id(c)), true)))

  // ---- Staff: the catalog

  const adminGiftsPage = async (c: C, error?: string, status: 200 | 400 | 404 | 409 = 200) => {
    const s = await ctx.settings.all()
    return ctx.http.page(
      c,
      { title: 'Gifts', status },
      <AdminGiftsPage csrfToken={ctx.http.csrfToken(c)} gifts={await Promise.all((await gifts.catalog(true)).map(gifts.giftJson))} verified={await gifts.verified()} receivers={s.gift_receivers} commission={s.gift_commission_percent} error={error} notice={c.req.query('notice')} />,
    )
  }
  /** Run a staff form's action; a refusal shows the page again with its sentence. */
  const staffForm = async (c: C, page: (c: C, error: string, status: 400) => Promise<Response>, run: () => Promise<string>) => {
    try {
      return c.redirect(await run(), 303)
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err
      return page(c, err.message, err.status as 400)
    }
  }
  const formGift = (form: Record<string, string>) => ({ name: form.name, price: form.price, icon: form.icon || null, position: form.position || 0, enabled: form.enabled === 'on' })

  app.get('/coins/admin/gifts', admin, (c) => adminGiftsPage(c))

  ctx.http.acceptFiles('/coins/admin/gifts', { files: 1 })
  app.post('/coins/admin/gifts', admin, async (c) => {
    const fields: Record<string, string[]> = {}
    let picture: MediaInfo | null = null
    return staffForm(c, adminGiftsPage, async () => {
      await ctx.http.streamForm(
        c,
        async (file) => {
          if (file.name !== 'picture' || picture) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Choose one picture.')
          picture = await ctx.core.media.uploadStream(me(c).id, file.body)
        },
        fields,
      )
      const form = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v[0] ?? '']))
      try {
        await gifts.createGift(me(c), parse(giftInput, { ...formGift(form), media_id: (picture as MediaInfo | null)?.id ?? null }))
      } catch (err) {
        if (picture) await ctx.core.media.remove((picture as MediaInfo).id)
        throw err
      }
      return '/coins/admin/gifts?notice=created'
    })
  })

  app.post('/coins/admin/gifts/:id{[0-9]+}', admin, async (c) => {
    const form = await ctx.http.form(c)
    return staffForm(c, adminGiftsPage, async () => {
      await gifts.updateGift(me(c), ctx.http.id(c), parse(giftPatch, formGift(form)))
      return '/coins/admin/gifts?notice=saved'
    })
  })

  app.post('/coins/admin/gifts/:id{[0-9]+}/retire', admin, async (c) => {
    await gifts.retireGift(me(c), ctx.http.id(c))
    return c.redirect('/coins/admin/gifts?notice=retired', 303)
  })

  app.get('/api/v1/coins/admin/gifts', admin, async (c) => ctx.http.json(c, await Promise.all((await gifts.catalog(true)).map(gifts.giftJson))))
  app.post('/api/v1/coins/admin/gifts', admin, async (c) => ctx.http.json(c, await gifts.giftJson(await gifts.createGift(me(c), parse(giftInput, await ctx.http.jsonBody(c)))), 201))
  app.patch('/api/v1/coins/admin/gifts/:id{[0-9]+}', admin, async (c) => ctx.http.json(c, await gifts.giftJson(await gifts.updateGift(me(c), ctx.http.id(c), parse(giftPatch, await ctx.http.jsonBody(c))))))
  app.post('/api/v1/coins/admin/gifts/:id{[0-9]+}/retire', admin, async (c) => {
    await gifts.retireGift(me(c), ctx.http.id(c))
    return ctx.http.json(c, await gifts.giftJson((await gifts.gift(ctx.http.id(c)))!))
  })

  // ---- Staff: the withdrawal queue

  const OPEN: WithdrawalStatus[] = ['requested', 'approved']
  const DONE: WithdrawalStatus[] = ['paid', 'rejected']
  const queueJson = async (statuses: WithdrawalStatus[]) =>
    Promise.all((await withdrawals.queue(statuses)).map(async (w) => ({ ...(await withdrawals.json(w, true)), username: w.username, display_name: w.display_name })))

  const queuePage = async (c: C, error?: string, status: 200 | 400 = 200) =>
    ctx.http.page(c, { title: 'Withdrawal queue', status }, <AdminWithdrawalsPage csrfToken={ctx.http.csrfToken(c)} open={await queueJson(OPEN)} done={(await queueJson(DONE)).slice(0, 20)} error={error} notice={c.req.query('notice')} />)

  app.get('/coins/admin/withdrawals', admin, (c) => queuePage(c))

  const decide = (staff: Viewer, id: number, action: string, form: Record<string, unknown>) => {
    if (action === 'approve') return withdrawals.approve(staff, id)
    if (action === 'pay') return withdrawals.pay(staff, id, parse(payInput, form).reference)
    return withdrawals.reject(staff, id, parse(rejectInput, form).reason)
  }
  const DONE_NOTICE: Record<string, string> = { approve: 'approved', pay: 'paid', reject: 'rejected' }

  app.post('/coins/admin/withdrawals/:id{[0-9]+}/:action{approve|pay|reject}', admin, async (c) => {
    const form = await ctx.http.form(c)
    const action = c.req.param('action')
    return staffForm(c, queuePage, async () => {
      await decide(me(c), ctx.http.id(c), action, form)
      return `/coins/admin/withdrawals?notice=${DONE_NOTICE[action]}`
    })
  })

  /** The month's paid withdrawals as CSV, for the books (`?month=YYYY-MM`, default this month). */
  app.get('/coins/admin/payouts.csv', admin, async (c) => {
    const month = c.req.query('month') ?? new Date().toISOString().slice(0, 7)
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Give the month as YYYY-MM.', { fields: { month: 'Give the month as YYYY-MM.' } })
    const rows = await q.paidInMonth(ctx.db, month)
    const { payout_cents_per_100_coins: rate, payout_currency: currency } = await ctx.settings.all()
    const lines = [['id', 'paid_at', 'user_id', 'username', 'coins', 'value', 'currency', 'method', 'reference'].join(',')]
    for (const r of rows) lines.push([r.id, r.paid_at, r.user_id, r.username, r.amount, (Math.floor((r.amount * rate) / 100) / 100).toFixed(2), currency, r.method, r.reference].map(csvField).join(','))
    return c.body(lines.join('\n') + '\n', 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="payouts-${month}.csv"` })
  })

  app.get('/api/v1/coins/admin/withdrawals', admin, async (c) => {
    const status = c.req.query('status')
    const statuses: WithdrawalStatus[] = status === 'done' ? DONE : OPEN
    return ctx.http.json(c, await queueJson(statuses))
  })

  app.post('/api/v1/coins/admin/withdrawals/:id{[0-9]+}/:action{approve|pay|reject}', admin, async (c) => {
    const w = await decide(me(c), ctx.http.id(c), c.req.param('action'), await ctx.http.jsonBody(c, { optional: true }))
    return ctx.http.json(c, await withdrawals.json(w, true))
  })

  return app
}

/** A sent gift as the API shows it. */
export function sendJson(s: { id: number; gift_id: number; sender_id: number; receiver_id: number; target_kind: string; target_id: number; note: string; price: number; share: number; commission: number; created_at: string; release_at: string }) {
  return {
    id: s.id,
    gift_id: s.gift_id,
    sender_id: s.sender_id,
    receiver_id: s.receiver_id,
    target: { kind: s.target_kind, id: s.target_id },
    note: s.note,
    price: s.price,
    share: s.share,
    commission: s.commission,
    created_at: s.created_at,
    release_at: s.release_at,
  }
}
