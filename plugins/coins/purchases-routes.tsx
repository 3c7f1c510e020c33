// Buying coins over HTTP: the wallet and receipts (/coins), the operator's page (/coins/admin), the API
// (/api/v1/coins) and Stripe's webhook, whose signature is checked on the raw body before anything is read from it.
import { Hono, type Context } from 'hono'
import { fieldsOf, isAppError, parse, WHOLE_INPUT, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import { maskSecret, verifiedEvent } from './gateways/stripe.js'
import type { CoinsContext } from './plugin.js'
import { idempotent, type Answer } from './purchases-idempotency.js'
import { confirmInput, formatMoney, grantInput, packApiInput, packInput, purchaseInput, reversalInput, staffListInput } from './purchases-inputs.js'
import { siteName } from './purchases-queries.js'
import { packLabel, type PurchasesService } from './purchases-service.js'
import type { AdjustmentRow, PackRow, PurchaseRow } from './purchases-tables.js'
import { AdminPage, NOTICES, PurchasePage, PurchasesPage, statusText, WalletPage, type AdminProps } from './purchases-views.js'

type C = Context<AppEnv>

/** The site's address for links given to Stripe: HEARTH_PUBLIC_URL when the operator set it, else the request's. */
const baseUrl = (c: C) => process.env.HEARTH_PUBLIC_URL?.replace(/\/$/, '') || `${c.get('https') ? 'https' : 'http'}://${c.get('host')}`

export const packJson = (p: PackRow) => ({ id: p.id, coins: p.coins, price: p.price, currency: p.currency, price_text: formatMoney(p.price, p.currency), position: p.position, active: p.active === 1 })

export function purchaseJson(p: PurchaseRow, extra: { adjustments?: AdjustmentRow[]; instructions?: string } = {}) {
  return {
    id: p.id,
    status: p.status,
    state: statusText(p),
    gateway: p.gateway,
    pack_id: p.pack_id,
    coins: p.coins,
    amount: p.amount,
    currency: p.currency,
    amount_text: formatMoney(p.amount, p.currency),
    reference: p.reference,
    checkout_url: p.status === 'pending' ? p.checkout_url : null,
    refunded_amount: p.refunded_amount,
    reversed_coins: p.reversed_coins,
    debt_coins: p.debt_coins,
    created_at: p.created_at,
    paid_at: p.paid_at,
    receipt_url: `/coins/purchases/${p.id}`,
    ...(extra.instructions !== undefined && p.gateway === 'manual' && p.status === 'pending' ? { instructions: extra.instructions } : {}),
    ...(extra.adjustments ? { adjustments: extra.adjustments.map((a) => ({ kind: a.kind, coins_taken: a.coins_taken, coins_owed: a.coins_owed, note: a.note, created_at: a.created_at })) } : {}),
  }
}

export function purchaseRoutes(ctx: CoinsContext, service: PurchasesService) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const admin = ctx.http.requireRole('admin')
  const me = (c: C): Viewer => ctx.http.viewer(c)!
  const csrf = (c: C) => ctx.http.csrfToken(c)

  /** An AppError's message for a form drawn again (a 503 of a gateway too, with `gateway`); anything else is rethrown. */
  const problemOf = (err: unknown, gateway = false) => {
    if (!isAppError(err) || (err.status >= 500 && !(gateway && err.code === 'GATEWAY_FAILED'))) throw err
    return err
  }

  // ---- The wallet

  async function walletPage(c: C, problem?: { message: string; status: number }) {
    const viewer = me(c)
    const cursor = c.req.query('cursor')
    const [wallet, packs, gateways, history, purchases] = await Promise.all([
      service.wallet(viewer.id),
      service.packs(),
      service.gateways(),
      service.history(viewer.id, cursor, 25),
      service.purchasesOf(viewer.id, null, 20),
    ])
    const open = purchases.items.filter((p) => p.status === 'pending' || p.status === 'processing')
    return ctx.http.page(
      c,
      { title: 'Coins', status: (problem?.status ?? 200) as 200 },
      <WalletPage wallet={wallet} packs={packs} gateways={gateways} open={open} history={history.items} next={history.nextCursor} csrf={csrf(c)} notice={c.req.query('notice')} problem={problem?.message} isAdmin={viewer.role === 'admin'} />,
    )
  }

  app.get('/coins', requireMember, (c) => walletPage(c))

  app.post('/coins/purchases', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    try {
      const input = parse(purchaseInput, form)
      const { answer } = await idempotent(ctx.db, me(c).id, form.idempotency_key || undefined, { form: 'purchase', ...input }, async () => {
        const { purchase, redirect } = await service.buy(me(c), input, baseUrl(c))
        return { status: 303, body: redirect ?? `/coins/purchases/${purchase.id}` }
      })
      return c.redirect(answer.body, 303)
    } catch (err) {
      const p = problemOf(err)
      return walletPage(c, { message: p.message, status: p.status })
    }
  })

  app.get('/coins/purchases', requireMember, async (c) => {
    const page = await service.purchasesOf(me(c).id, c.req.query('cursor'), 25)
    return ctx.http.page(c, { title: 'Your purchases' }, <PurchasesPage purchases={page.items} next={page.nextCursor} />)
  })

  app.get('/coins/purchases/:id{[0-9]+}', requireMember, async (c) => {
    const p = await service.purchase(me(c), ctx.http.id(c))
    const [adjustments, instructions, site] = await Promise.all([service.adjustments(p.id), ctx.settings.get('manual_instructions'), siteName(ctx.db)])
    return ctx.http.page(
      c,
      { title: p.status === 'paid' ? `Receipt No. ${p.id}` : `Purchase No. ${p.id}` },
      <PurchasePage purchase={p} adjustments={adjustments} instructions={instructions} csrf={csrf(c)} checkout={c.req.query('checkout')} notice={c.req.query('notice')} site={site} />,
    )
  })

  app.post('/coins/purchases/:id{[0-9]+}/cancel', requireMember, async (c) => {
    const p = await service.cancel(me(c), ctx.http.id(c))
    return c.redirect(`/coins/purchases/${p.id}?notice=canceled`, 303)
  })

  // ---- The operator's page

  async function adminPage(c: C, extra: Partial<Pick<AdminProps, 'form' | 'grantForm' | 'problem'>> = {}, status: 200 | 400 | 404 | 409 | 422 = 200) {
    const [gateways, packs, waiting, recent, secretKey, webhookSecret] = await Promise.all([
      service.gateways(),
      service.packs({ all: true }),
      service.staffList({ status: 'pending', gateway: 'manual', limit: 100 }),
      service.staffList({ limit: 50 }),
      ctx.settings.get('stripe_secret_key'),
      ctx.settings.get('stripe_webhook_secret'),
    ])
    return ctx.http.page(
      c,
      { title: 'Manage coins', status },
      <AdminPage
        csrf={csrf(c)}
        notice={c.req.query('notice')}
        gateways={gateways}
        stripe={{ secretKey: maskSecret(secretKey), webhookSecret: maskSecret(webhookSecret), webhookUrl: `${baseUrl(c)}/api/v1/coins/webhooks/stripe` }}
        packs={packs}
        waiting={waiting.items}
        recent={recent.items}
        {...extra}
      />,
    )
  }

  app.get('/coins/admin', admin, (c) => adminPage(c))

  const packForm = (id: number | null) => async (c: C) => {
    const form = await ctx.http.form(c)
    const parsed = packInput.safeParse(form)
    if (!parsed.success) return adminPage(c, { form: { id, values: form, errors: fieldsOf(parsed.error) } }, 400)
    if (id === null) await service.createPack(me(c), parsed.data)
    else await service.updatePack(me(c), id, parsed.data)
    ctx.log.info({ actor: me(c).id, pack: id, ...parsed.data }, id === null ? 'coin pack added' : 'coin pack changed')
    return c.redirect(`/coins/admin?notice=${id === null ? 'pack-added' : 'pack-saved'}`, 303)
  }
  app.post('/coins/admin/packs', admin, packForm(null))
  app.post('/coins/admin/packs/:id{[0-9]+}', admin, async (c) => {
    const id = ctx.http.id(c)
    await service.pack(id) // 404 for a pack that does not exist
    return packForm(id)(c)
  })

  app.post('/coins/admin/grants', admin, async (c) => {
    const form = await ctx.http.form(c)
    const parsed = grantInput.safeParse(form)
    if (!parsed.success) return adminPage(c, { grantForm: { values: form, errors: fieldsOf(parsed.error) } }, 400)
    try {
      await service.grant(me(c), parsed.data)
    } catch (err) {
      const p = problemOf(err)
      return adminPage(c, { grantForm: { values: form, errors: { [WHOLE_INPUT]: p.message } } }, p.status as 404)
    }
    return c.redirect('/coins/admin?notice=granted', 303)
  })

  /** An admin's action on one purchase from /coins/admin: done, back with `notice`; a refusal is drawn on the page. */
  const purchaseAction = (verb: string, notice: keyof typeof NOTICES, act: (c: C, id: number) => Promise<unknown>) =>
    app.post(`/coins/admin/purchases/:id{[0-9]+}/${verb}`, admin, async (c) => {
      const id = ctx.http.id(c)
      try {
        await act(c, id)
      } catch (err) {
        const p = problemOf(err, true)
        return adminPage(c, { problem: `Purchase ${id}: ${p.message}` }, p.status as 409)
      }
      return c.redirect(`/coins/admin?notice=${notice}`, 303)
    })
  purchaseAction('confirm', 'confirmed', async (c, id) => service.confirm(me(c), id, parse(confirmInput, await ctx.http.form(c))))
  purchaseAction('reverse', 'reversed', async (c, id) => service.reverse(me(c), id, parse(reversalInput, await ctx.http.form(c)).note))
  purchaseAction('refund', 'refund-asked', (c, id) => service.refund(me(c), id))

  // ---- API

  app.get('/api/v1/coins/balance', requireMember, async (c) => {
    const w = await service.wallet(me(c).id)
    return ctx.http.json(c, { unit: 'coin', balance: w.balance, available: w.available, debt: w.debt })
  })

  app.get('/api/v1/coins/packs', async (c) => {
    const [packs, gateways] = await Promise.all([service.packs(), service.gateways()])
    return ctx.http.json(c, { packs: packs.map(packJson), gateways: gateways.filter((g) => g.ready).map((g) => ({ id: g.id, label: g.label })) })
  })

  app.post('/api/v1/coins/purchases', requireMember, async (c) => {
    const body = await ctx.http.jsonBody(c)
    const { answer, replayed } = await idempotent(ctx.db, me(c).id, c.req.header('idempotency-key'), { api: 'purchase', body }, async (): Promise<Answer> => {
      const { purchase, redirect } = await service.buy(me(c), parse(purchaseInput, body), baseUrl(c))
      const data = { purchase: purchaseJson(purchase, { instructions: await ctx.settings.get('manual_instructions') }), next_url: redirect ?? `/coins/purchases/${purchase.id}` }
      return { status: 201, body: await ctx.http.json(c, data, 201).text() }
    })
    c.header('Content-Type', 'application/json; charset=UTF-8')
    if (replayed) c.header('Idempotent-Replayed', 'true')
    return c.body(answer.body, answer.status as 201)
  })

  app.get('/api/v1/coins/purchases', requireMember, async (c) => {
    const page = await service.purchasesOf(me(c).id, c.req.query('cursor'), ctx.http.limit(c))
    return ctx.http.paginated(c, { items: page.items.map((p) => purchaseJson(p)), nextCursor: page.nextCursor })
  })

  app.get('/api/v1/coins/purchases/:id{[0-9]+}', requireMember, async (c) => {
    const p = await service.purchase(me(c), ctx.http.id(c))
    return ctx.http.json(c, purchaseJson(p, { adjustments: await service.adjustments(p.id), instructions: await ctx.settings.get('manual_instructions') }))
  })

  app.post('/api/v1/coins/purchases/:id{[0-9]+}/cancel', requireMember, async (c) => ctx.http.json(c, purchaseJson(await service.cancel(me(c), ctx.http.id(c)))))

  app.get('/api/v1/coins/history', requireMember, async (c) => ctx.http.paginated(c, await service.history(me(c).id, c.req.query('cursor'), ctx.http.limit(c))))

  // ---- The operator's API (scripts with an admin's token): the same actions as /coins/admin.

  app.get('/api/v1/coins/admin/packs', admin, async (c) => ctx.http.json(c, (await service.packs({ all: true })).map(packJson)))
  app.post('/api/v1/coins/admin/packs', admin, async (c) => ctx.http.json(c, packJson(await service.createPack(me(c), parse(packApiInput, await ctx.http.jsonBody(c)))), 201))
  app.put('/api/v1/coins/admin/packs/:id{[0-9]+}', admin, async (c) => {
    const id = ctx.http.id(c)
    await service.pack(id)
    return ctx.http.json(c, packJson(await service.updatePack(me(c), id, parse(packApiInput, await ctx.http.jsonBody(c)))))
  })
  app.get('/api/v1/coins/admin/purchases', admin, async (c) => {
    const filter = parse(staffListInput, { status: c.req.query('status'), gateway: c.req.query('gateway') })
    const page = await service.staffList({ ...filter, cursor: c.req.query('cursor'), limit: ctx.http.limit(c) })
    return ctx.http.paginated(c, { items: page.items.map((p) => ({ ...purchaseJson(p), user: { id: p.user_id, username: p.username }, payment_ref: p.payment_ref, note: p.note })), nextCursor: page.nextCursor })
  })
  app.post('/api/v1/coins/admin/purchases/:id{[0-9]+}/confirm', admin, async (c) => ctx.http.json(c, purchaseJson(await service.confirm(me(c), ctx.http.id(c), parse(confirmInput, await ctx.http.jsonBody(c))))))
  app.post('/api/v1/coins/admin/purchases/:id{[0-9]+}/reverse', admin, async (c) => {
    const r = await service.reverse(me(c), ctx.http.id(c), parse(reversalInput, await ctx.http.jsonBody(c)).note)
    return ctx.http.json(c, { purchase: purchaseJson(r.purchase), coins_taken: r.taken, coins_owed: r.owed })
  })
  app.post('/api/v1/coins/admin/purchases/:id{[0-9]+}/refund', admin, async (c) => ctx.http.json(c, { purchase: purchaseJson(await service.refund(me(c), ctx.http.id(c))), refund: 'asked' }))
  app.post('/api/v1/coins/admin/grants', admin, async (c) => ctx.http.json(c, purchaseJson(await service.grant(me(c), parse(grantInput, await ctx.http.jsonBody(c)))), 201))

  // Stripe's webhook: no session and no CSRF token (a JSON POST from a server); the signature is the authentication.
  app.post('/api/v1/coins/webhooks/stripe', async (c) => {
    const secret = await ctx.settings.get('stripe_webhook_secret')
    // Not set up yet: 503, so Stripe keeps the event and retries once the operator adds the secret.
    if (!secret) throw ctx.http.error(503, 'GATEWAY_UNAVAILABLE', 'Stripe’s webhook signing secret is not set in the coins settings.')
    const raw = Buffer.from(await c.req.arrayBuffer())
    const event = verifiedEvent(raw, c.req.header('stripe-signature'), secret)
    const result = await service.onStripe(event)
    return ctx.http.json(c, { received: true, duplicate: result.duplicate, outcome: result.outcome })
  })

  return app
}

