// Coins' section of the operators' console (/admin/coins, /api/v1/admin/coins), for staff who may view money: the
// commission and waiting withdrawals, any member's wallet with its history, and frozen wallets (freezing and thawing
// are admins' alone). The dashboard gets tiles of coins bought, gifted and the commission per day.
import type { Context } from 'hono'
import { CsrfField, DataTable, FormError, Notice, shortTime, type AppEnv } from '../../core/plugins/api.js'
import { COMMISSION } from './gifts-service.js'
import { waitingWithdrawals } from './gifts-queries.js'
import type { CoinsContext } from './plugin.js'
import type { HistoryItem, PurchasesService } from './purchases-service.js'
import { HistoryTable } from './purchases-views.js'
import { coinsBoughtBetween, giftedBetween, REASON_MAX, walletsService, type FrozenRow, type StaffWallet } from './wallets-service.js'

type C = Context<AppEnv>

const NOTICES = { frozen: 'The wallet is frozen.', thawed: 'The wallet is no longer frozen.' } as const
const coins = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'coin' : 'coins'}`
const USERNAME = /^[A-Za-z0-9_]{1,30}$/

export function registerWalletsAdmin(ctx: CoinsContext, purchases: PurchasesService): void {
  const wallets = walletsService(ctx)
  const me = (c: C) => ctx.http.viewer(c)!
  const username = (c: C) => {
    const name = c.req.param('username') ?? ''
    if (!USERNAME.test(name)) throw ctx.http.error(404, 'NOT_FOUND', `There is no member @${name}.`)
    return name
  }
  /** A freeze's reason: required, one line or a few, at most REASON_MAX characters. */
  const reasonOf = (raw: unknown): string => {
    const reason = typeof raw === 'string' ? raw.trim() : ''
    const problem = reason === '' ? 'Say why the wallet is frozen (staff see it).' : reason.length > REASON_MAX ? `Keep the reason under ${REASON_MAX} characters.` : null
    if (problem) throw ctx.http.error(400, 'VALIDATION_FAILED', problem, { fields: { reason: problem } })
    return reason
  }
  const overview = async () => ({
    commission: (await ctx.core.ledger.findAccount(COMMISSION))?.balance ?? 0,
    withdrawals_waiting: await waitingWithdrawals(ctx.db),
    frozen: await wallets.frozen(),
  })

  const walletPage = async (c: C, name: string, problem?: string, status: 200 | 400 = 200) => {
    const wallet = await wallets.wallet(name)
    const history = await purchases.history(wallet.user.id, c.req.query('cursor'), 50)
    const isAdmin = me(c).role === 'admin'
    return ctx.admin.page(c, { title: `Coins of @${wallet.user.username}`, status }, <WalletView wallet={wallet} history={history.items} next={history.nextCursor} csrf={ctx.http.csrfToken(c)} isAdmin={isAdmin} notice={c.req.query('notice')} problem={problem} />)
  }
  /** A staff form: the action, then back to the wallet with a notice; a bad reason shows on the page. */
  const walletForm = (act: (c: C, name: string, form: Record<string, string>) => Promise<keyof typeof NOTICES>) => async (c: C) => {
    const name = username(c)
    try {
      const notice = await act(c, name, await ctx.http.form(c))
      return c.redirect(`/admin/coins/wallets/${encodeURIComponent(name)}?notice=${notice}`, 303)
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'VALIDATION_FAILED') return walletPage(c, name, err.message, 400)
      throw err
    }
  }

  ctx.admin.section({
    id: 'coins',
    label: 'Coins',
    icon: 'coins',
    order: 60,
    need: 'view_money',
    pages(r) {
      r.get('/', async (c) => {
        const find = c.req.query('username')?.trim().replace(/^@/, '')
        if (find) return c.redirect(`/admin/coins/wallets/${encodeURIComponent(find)}`, 303)
        return ctx.admin.page(c, { title: 'Coins' }, <Overview {...await overview()} />)
      })
      r.get('/wallets/:username', (c) => walletPage(c, username(c)))
      r.post('/wallets/:username/freeze', walletForm(async (c, name, form) => (await wallets.freeze(me(c), name, reasonOf(form.reason)), 'frozen')), 'admin')
      r.post('/wallets/:username/thaw', walletForm(async (c, name) => (await wallets.thaw(me(c), name), 'thawed')), 'admin')
    },
    api(r) {
      r.get('/', async (c) => ctx.http.json(c, await overview()))
      r.get('/wallets/:username', async (c) => ctx.http.json(c, await wallets.wallet(username(c))))
      r.get('/wallets/:username/history', async (c) => {
        const wallet = await wallets.wallet(username(c))
        return ctx.http.paginated(c, await purchases.history(wallet.user.id, c.req.query('cursor'), ctx.http.limit(c)))
      })
      r.post('/wallets/:username/freeze', async (c) => ctx.http.json(c, await wallets.freeze(me(c), username(c), reasonOf(((await ctx.http.jsonBody(c)) as { reason?: unknown } | null)?.reason))), 'admin')
      r.delete('/wallets/:username/freeze', async (c) => ctx.http.json(c, await wallets.thaw(me(c), username(c))), 'admin')
    },
  })

  ctx.admin.metric({ id: 'bought', label: 'Coins bought', kind: 'count', compute: ({ from, to }) => coinsBoughtBetween(ctx, from, to) })
  ctx.admin.metric({ id: 'gifted', label: 'Coins given as gifts', kind: 'count', compute: ({ from, to }) => giftedBetween(ctx, 'price', from, to) })
  ctx.admin.metric({ id: 'commission', label: 'Commission from gifts (coins)', kind: 'count', compute: ({ from, to }) => giftedBetween(ctx, 'commission', from, to) })
  ctx.admin.tile({ id: 'coins-flow', label: 'Coins bought and given', metrics: ['bought', 'gifted'], need: 'view_money', order: 70 })
  ctx.admin.tile({ id: 'coins-commission', label: 'Commission from gifts (coins)', metrics: ['commission'], need: 'view_money', order: 71, help: 'The platform’s share of the gifts sent in the period.' })
}

function Overview(props: { commission: number; withdrawals_waiting: { count: number; coins: number }; frozen: FrozenRow[] }) {
  return (
    <section class="stack">
      <h1>Coins</h1>
      <div class="card">
        <p>
          Commission from gifts so far: <strong>{coins(props.commission)}</strong>
        </p>
        <p>
          <a href="/coins/admin/withdrawals">
            {props.withdrawals_waiting.count} {props.withdrawals_waiting.count === 1 ? 'withdrawal' : 'withdrawals'} waiting
          </a>{' '}
          ({coins(props.withdrawals_waiting.coins)}) · <a href="/coins/admin">Packs and purchases</a> · <a href="/coins/admin/gifts">Gift catalog</a>
        </p>
      </div>
      <form method="get" action="/admin/coins" class="card" role="search">
        <label for="coins-wallet-find">A member’s wallet</label>
        <div class="row">
          <input id="coins-wallet-find" name="username" required maxLength={31} placeholder="username" autocomplete="off" />
          <button type="submit">Open</button>
        </div>
      </form>
      <section class="card">
        <h2>Frozen wallets</h2>
        <DataTable
          rows={props.frozen}
          empty="No wallet is frozen."
          label="Frozen wallets"
          tableData={{ 'data-frozen-wallets': '' }}
          rowData={(f) => ({ 'data-user': f.user_id })}
          columns={[
            { label: 'Member', cell: (f) => <a href={`/admin/coins/wallets/${f.username}`}>@{f.username}</a> },
            { label: 'Why', cell: (f) => f.reason },
            { label: 'By', cell: (f) => (f.frozen_by ? `@${f.frozen_by}` : '—') },
            { label: 'Since', cell: (f) => shortTime(f.created_at) },
          ]}
        />
      </section>
    </section>
  )
}

function WalletView(props: { wallet: StaffWallet; history: HistoryItem[]; next: string | null; csrf: string; isAdmin: boolean; notice?: string | undefined; problem?: string | undefined }) {
  const w = props.wallet
  const base = `/admin/coins/wallets/${w.user.username}`
  return (
    <section class="stack">
      <p>
        <a href="/admin/coins">Coins</a>
      </p>
      <h1>
        Coins of <a href={`/u/${w.user.username}`}>@{w.user.username}</a>
      </h1>
      <Notice notices={NOTICES} notice={props.notice} />
      <FormError message={props.problem} />
      <dl class="card figures" data-wallet={w.user.id}>
        <dt>Coins</dt>
        <dd data-coins={w.coins}>{coins(w.coins)}</dd>
        <dt>Earnings available</dt>
        <dd>{coins(w.earnings_available)}</dd>
        <dt>Earnings on hold</dt>
        <dd>{coins(w.earnings_on_hold)}</dd>
        <dt>Withdrawals pending</dt>
        <dd>{coins(w.pending_withdrawals)}</dd>
      </dl>
      <section class="card" data-frozen={w.frozen ? 'yes' : 'no'}>
        <h2>Freeze</h2>
        {w.frozen ? (
          <>
            <p class="alert alert-error">
              Frozen {shortTime(w.frozen.at)}
              {w.frozen.by && ` by @${w.frozen.by}`}: {w.frozen.reason}
            </p>
            {props.isAdmin && (
              <form method="post" action={`${base}/thaw`}>
                <CsrfField token={props.csrf} />
                <button type="submit">Unfreeze the wallet</button>
              </form>
            )}
          </>
        ) : (
          <>
            <p class="hint">A frozen wallet keeps its coins, but the member cannot buy, give, receive or withdraw until it is unfrozen. Payments and withdrawals already under way still complete.</p>
            {props.isAdmin ? (
              <form method="post" action={`${base}/freeze`} class="stack">
                <CsrfField token={props.csrf} />
                <label for="freeze-reason">Why (staff see this, the member does not)</label>
                <textarea id="freeze-reason" name="reason" required maxLength={REASON_MAX} rows={2} />
                <button type="submit" class="danger">
                  Freeze the wallet
                </button>
              </form>
            ) : (
              <p class="muted">Only admins freeze wallets.</p>
            )}
          </>
        )}
      </section>
      <section class="card" id="history">
        <h2>History</h2>
        <HistoryTable items={props.history} />
        {props.next && (
          <p class="more">
            <a href={`${base}?cursor=${encodeURIComponent(props.next)}#history`}>Older</a>
          </p>
        )}
      </section>
    </section>
  )
}
