// What buying coins draws: the wallet (/coins), a purchase's receipt, the member's purchases, and the operator's page.
// Every action is a plain form (no JavaScript needed).
import type { ComponentChildren } from 'preact'
import { ActionForm, CsrfField, DataTable, EmptyState, Field, FormError, Notice, shortTime, WHOLE_INPUT } from '../../core/plugins/api.js'
import { formatMoney, minorToText } from './purchases-inputs.js'
import type { PurchaseWithMember } from './purchases-queries.js'
import { packLabel, type HistoryItem, type Wallet } from './purchases-service.js'
import type { AdjustmentRow, PackRow, PurchaseRow, PurchaseStatus } from './purchases-tables.js'

const Styles = () => <link rel="stylesheet" href="/plugins/coins/purchases.css" />

/** A page below the wallet: its styles and the way back to it. */
function SubPage({ class: cls = 'coins', children }: { class?: string; children: ComponentChildren }) {
  return (
    <section class={cls}>
      <Styles />
      <p>
        <a href="/coins">← Coins</a>
      </p>
      {children}
    </section>
  )
}

export interface GatewayStatus {
  id: 'stripe' | 'manual'
  label: string
  ready: boolean
  problem: string | null
}

/** The confirmations after a form came back, by `?notice=`. */
export const NOTICES = {
  canceled: 'The bank transfer request is cancelled.',
  'checkout-canceled': 'You left the payment page; nothing was charged. You can buy coins again at any time.',
  'pack-added': 'The pack is added.',
  'pack-saved': 'The pack is saved.',
  confirmed: 'Confirmed: the coins are in the member’s wallet.',
  granted: 'Granted: the coins are in the member’s wallet.',
  reversed: 'Reversed: the coins are taken back (what was spent already is owed).',
  'refund-asked': 'Stripe is refunding the payment: the coins are taken back when Stripe confirms it.',
} as const

const STATUS_LABELS: Record<PurchaseStatus, string> = {
  pending: 'Waiting for payment',
  processing: 'Payment clearing',
  paid: 'Paid',
  failed: 'Failed',
  expired: 'Expired',
  canceled: 'Cancelled',
}

/** A purchase's state in words, refunds included. */
export function statusText(p: PurchaseRow): string {
  if (p.status !== 'paid' || p.reversed_coins === 0) return STATUS_LABELS[p.status]
  if (p.disputed_amount > 0) return 'Paid, disputed'
  return p.reversed_coins >= p.coins ? 'Refunded' : 'Partly refunded'
}

const coinsText = (n: number) => `${n.toLocaleString('en')} coin${n === 1 ? '' : 's'}`

function PackOffer({ pack, gateways, csrf }: { pack: PackRow; gateways: GatewayStatus[]; csrf: string }) {
  // A fresh key per page view: a double-clicked button starts one purchase, not two.
  const key = crypto.randomUUID()
  return (
    <li class="card coins-pack" data-pack={pack.id}>
      <p class="coins-pack-coins">{packLabel(pack.coins)}</p>
      <p class="coins-pack-price">{formatMoney(pack.price, pack.currency)}</p>
      <div class="actions">
        {gateways.map((g) => {
          const label = g.id === 'stripe' ? 'Pay by card' : 'Pay by bank transfer'
          return <ActionForm action="/coins/purchases" csrf={csrf} label={label} class={g.id === 'stripe' ? undefined : 'secondary'} fields={{ pack_id: String(pack.id), gateway: g.id, idempotency_key: `${key}-${g.id}` }} title={`${label}: ${packLabel(pack.coins)} for ${formatMoney(pack.price, pack.currency)}`} />
        })}
      </div>
    </li>
  )
}

export function WalletPage(props: { wallet: Wallet; packs: PackRow[]; gateways: GatewayStatus[]; open: PurchaseRow[]; history: HistoryItem[]; next: string | null; csrf: string; notice?: string; problem?: string; isAdmin: boolean }) {
  const { wallet, gateways } = props
  const payable = gateways.filter((g) => g.ready)
  return (
    <section class="coins">
      <Styles />
      <header class="coins-head">
        <h1>Coins</h1>
        {props.isAdmin && (
          <a class="button secondary" href="/coins/admin">
            Manage coins
          </a>
        )}
      </header>
      <Notice notices={NOTICES} notice={props.notice} />
      <FormError message={props.problem} />
      <div class="card coins-balance">
        <p class="muted">Your balance</p>
        <p class="coins-balance-value" data-balance={wallet.balance}>
          {coinsText(wallet.balance)}
        </p>
        {wallet.available !== wallet.balance && <p class="hint">{coinsText(wallet.available)} available now; the rest is held for a transfer under way.</p>}
        {wallet.debt > 0 && (
          <p class="alert alert-error" data-debt={wallet.debt}>
            You owe {coinsText(wallet.debt)}: a payment was refunded or disputed after its coins were spent. The next coins you buy pay it first.
          </p>
        )}
        <p class="hint">
          <a href="/coins/purchases">Your purchases and receipts</a>
        </p>
      </div>

      {props.open.length > 0 && (
        <section class="card">
          <h2>Waiting for your payment</h2>
          <ul class="coins-list">
            {props.open.map((p) => (
              <li>
                <a href={`/coins/purchases/${p.id}`}>
                  {packLabel(p.coins)} for {formatMoney(p.amount, p.currency)}
                </a>{' '}
                <span class="muted">
                  {p.gateway === 'manual' ? `bank transfer, reference ${p.reference}` : 'card'} · {STATUS_LABELS[p.status]}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section>
        <h2>Buy coins</h2>
        {props.packs.length === 0 || payable.length === 0 ? (
          <EmptyState icon="coins" title="No coins on sale yet">
            {props.packs.length === 0 ? 'The people who run this community have not set any packs up.' : 'No way to pay is set up yet.'}
          </EmptyState>
        ) : (
          <ul class="coins-packs">
            {props.packs.map((pack) => (
              <PackOffer pack={pack} gateways={payable} csrf={props.csrf} />
            ))}
          </ul>
        )}
      </section>

      <section class="card">
        <h2 id="history">History</h2>
        <HistoryTable items={props.history} />
        {props.next && (
          <p class="more">
            <a href={`/coins?cursor=${encodeURIComponent(props.next)}#history`}>Older</a>
          </p>
        )}
      </section>
    </section>
  )
}

export function HistoryTable({ items }: { items: HistoryItem[] }) {
  if (items.length === 0) return <p class="muted">Nothing yet: coins you buy, send or receive show here.</p>
  return (
    <div class="table-wrap">
      <table class="coins-history">
        <caption class="skip">Every movement of your coins, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">With</th>
            <th scope="col" class="num">
              Coins
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr data-transfer={e.id}>
              <td>{shortTime(e.at)}</td>
              <td>{e.purchase_id !== null ? <a href={`/coins/purchases/${e.purchase_id}`}>{e.what}</a> : e.what}</td>
              <td>{e.counterpart.username ? <a href={`/u/${e.counterpart.username}`}>{e.counterpart.label}</a> : e.counterpart.label}</td>
              <td class={`num ${e.direction === 'in' ? 'coins-in' : 'coins-out'}`}>{`${e.direction === 'in' ? '+' : '−'}${e.coins.toLocaleString('en')}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function PurchasesPage({ purchases, next }: { purchases: PurchaseRow[]; next: string | null }) {
  return (
    <SubPage>
      <h1>Your purchases</h1>
      {purchases.length === 0 ? (
        <EmptyState icon="receipt" title="No purchases yet" links={[{ href: '/coins', label: 'Buy coins' }]} />
      ) : (
        <div class="card table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Receipt</th>
                <th scope="col">Date</th>
                <th scope="col">Coins</th>
                <th scope="col">Price</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {purchases.map((p) => (
                <tr>
                  <td>
                    <a href={`/coins/purchases/${p.id}`}>No. {p.id}</a>
                  </td>
                  <td>{shortTime(p.created_at)}</td>
                  <td>{p.coins.toLocaleString('en')}</td>
                  <td>{formatMoney(p.amount, p.currency)}</td>
                  <td>{statusText(p)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <p class="more">
          <a href={`/coins/purchases?cursor=${encodeURIComponent(next)}`}>Older</a>
        </p>
      )}
    </SubPage>
  )
}

const ADJUSTMENT_LABELS: Record<AdjustmentRow['kind'], string> = {
  refund: 'Refund',
  dispute: 'Chargeback',
  dispute_won: 'Chargeback reversed in your favour',
  reversal: 'Reversed by the operator',
  debt_paid: 'Owed coins paid',
}

/** A purchase as its buyer sees it: a receipt once paid, the way to pay while waiting. */
export function PurchasePage(props: { purchase: PurchaseRow; adjustments: AdjustmentRow[]; instructions: string; csrf: string; checkout?: string; notice?: string; site: string }) {
  const p = props.purchase
  const waiting = p.status === 'pending' || p.status === 'processing'
  return (
    <SubPage>
      <Notice notices={NOTICES} notice={props.notice} />
      {props.checkout === 'done' && waiting && (
        <p class="alert alert-info" role="status">
          Thank you. Stripe is confirming the payment: your coins arrive in a moment (reload this page).
        </p>
      )}
      {props.checkout === 'canceled' && waiting && (
        <p class="alert alert-info" role="status">
          {NOTICES['checkout-canceled']}
        </p>
      )}
      <article class="card coins-receipt" data-status={p.status}>
        <h1>{p.status === 'paid' ? `Receipt No. ${p.id}` : `Purchase No. ${p.id}`}</h1>
        <dl class="coins-facts">
          <dt>Seller</dt>
          <dd>{props.site}</dd>
          <dt>Date</dt>
          <dd>{shortTime(p.created_at)}</dd>
          {p.paid_at && (
            <>
              <dt>Paid</dt>
              <dd>{shortTime(p.paid_at)}</dd>
            </>
          )}
          <dt>Item</dt>
          <dd>{packLabel(p.coins)}</dd>
          <dt>Price</dt>
          <dd>{formatMoney(p.amount, p.currency)}</dd>
          <dt>Paid by</dt>
          <dd>{p.gateway === 'stripe' ? 'Card (Stripe)' : 'Bank transfer'}</dd>
          {p.reference && (
            <>
              <dt>Reference</dt>
              <dd>
                <code>{p.reference}</code>
              </dd>
            </>
          )}
          <dt>State</dt>
          <dd data-state>{statusText(p)}</dd>
          {p.refunded_amount > 0 && (
            <>
              <dt>Refunded</dt>
              <dd>{formatMoney(p.refunded_amount, p.currency)}</dd>
            </>
          )}
          {p.debt_coins > 0 && (
            <>
              <dt>Coins owed</dt>
              <dd>{coinsText(p.debt_coins)}, paid from the next coins you buy</dd>
            </>
          )}
        </dl>
        {props.adjustments.length > 0 && (
          <>
            <h2>Changes</h2>
            <ul class="coins-list">
              {props.adjustments.map((a) => (
                <li>
                  {shortTime(a.created_at)}: {ADJUSTMENT_LABELS[a.kind]}
                  {a.coins_taken > 0 && `, ${coinsText(a.coins_taken)} taken back`}
                  {a.coins_taken < 0 && `, ${coinsText(-a.coins_taken)} given back`}
                  {a.kind !== 'debt_paid' && a.coins_owed > 0 && `, ${coinsText(a.coins_owed)} owed`}
                  {a.kind !== 'debt_paid' && a.coins_owed < 0 && `, ${coinsText(-a.coins_owed)} no longer owed`}
                  {a.note && <span class="muted"> ({a.note})</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </article>
      {p.gateway === 'manual' && p.status === 'pending' && (
        <section class="card">
          <h2>How to pay</h2>
          <p>
            Transfer <strong>{formatMoney(p.amount, p.currency)}</strong> with the reference <strong><code>{p.reference}</code></strong>, so we know it is yours. Your coins arrive when the money does.
          </p>
          <p class="coins-instructions">{props.instructions}</p>
          <ActionForm action={`/coins/purchases/${p.id}/cancel`} csrf={props.csrf} label="Cancel this request" class="secondary" />
        </section>
      )}
      {p.gateway === 'stripe' && p.status === 'pending' && p.checkout_url && props.checkout !== 'done' && (
        <p>
          <a class="button" href={p.checkout_url}>
            Continue to payment
          </a>
        </p>
      )}
    </SubPage>
  )
}

// ---- The operator's page

export interface PackValues {
  coins?: string
  price?: string
  currency?: string
  position?: string
  active?: string | boolean
}

export function packValues(p: PackRow): PackValues {
  return { coins: String(p.coins), price: minorToText(p.price, p.currency), currency: p.currency, position: String(p.position), active: p.active === 1 }
}

function PackFields({ values, errors, idPrefix }: { values: PackValues; errors: Record<string, string>; idPrefix: string }) {
  const id = (k: string) => `${idPrefix}-${k}`
  const field = (k: keyof PackValues, label: string, extra: { inputmode?: 'numeric' | 'text'; hint?: string; maxLength?: number } = {}) => (
    <div class={errors[k] ? 'field field-invalid' : 'field'}>
      <label for={id(k)}>{label}</label>
      <input id={id(k)} name={k} value={String(values[k] ?? '')} inputmode={extra.inputmode} maxLength={extra.maxLength} aria-invalid={errors[k] ? 'true' : undefined} aria-describedby={errors[k] ? `${id(k)}-error` : undefined} />
      {errors[k] && (
        <p class="error" id={`${id(k)}-error`}>
          {errors[k]}
        </p>
      )}
      {extra.hint && <p class="hint">{extra.hint}</p>}
    </div>
  )
  return (
    <div class="coins-pack-fields">
      {field('coins', 'Coins', { inputmode: 'numeric' })}
      {field('price', 'Price', { hint: 'In the currency, e.g. 4.99', inputmode: 'text' })}
      {field('currency', 'Currency', { hint: 'EUR, USD, GBP…', maxLength: 3 })}
      {field('position', 'Order', { inputmode: 'numeric', hint: 'Lower first' })}
      <label class="choice">
        <input type="checkbox" name="active" checked={values.active === true || values.active === 'on'} /> On sale
      </label>
    </div>
  )
}

export interface AdminProps {
  csrf: string
  notice?: string
  gateways: GatewayStatus[]
  stripe: { secretKey: string; webhookSecret: string; webhookUrl: string }
  packs: PackRow[]
  /** A pack form to draw again with its errors: the new one (`id` null) or one pack's. */
  form?: { id: number | null; values: PackValues; errors: Record<string, string> }
  grantForm?: { values: Record<string, string>; errors: Record<string, string> }
  waiting: PurchaseWithMember[]
  recent: PurchaseWithMember[]
  problem?: string
}

export function AdminPage(props: AdminProps) {
  const formFor = (id: number | null) => (props.form && props.form.id === id ? props.form : undefined)
  const newForm = formFor(null)
  const grant = props.grantForm ?? { values: {}, errors: {} }
  const activePacks = props.packs.filter((p) => p.active === 1)
  return (
    <SubPage class="coins coins-admin">
      <h1>Manage coins</h1>
      <Notice notices={NOTICES} notice={props.notice} />
      <FormError message={props.problem} />

      <section class="card">
        <h2>Ways to pay</h2>
        <ul class="coins-list">
          {props.gateways.map((g) => (
            <li data-gateway={g.id}>
              <strong>{g.label}</strong>: {g.ready ? <span class="badge badge-ok">on</span> : <span class="badge">off</span>} {g.problem && <span class="muted">{g.problem}</span>}
            </li>
          ))}
        </ul>
        <p class="hint">
          Stripe secret key: <code>{props.stripe.secretKey}</code>; webhook signing secret: <code>{props.stripe.webhookSecret}</code>. Stripe’s webhook endpoint is <code>{props.stripe.webhookUrl}</code>. Change them in{' '}
          <a href="/admin/plugins/coins">the coins settings</a>.
        </p>
      </section>

      <section class="card">
        <h2>Bank transfers waiting</h2>
        {props.waiting.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul class="coins-list">
            {props.waiting.map((p) => (
              <li data-purchase={p.id}>
                <p>
                  No. {p.id}: <strong>{formatMoney(p.amount, p.currency)}</strong> from {p.member_name ?? 'a former member'} {p.username && <span class="muted">@{p.username}</span>}, reference <code>{p.reference}</code>, for {packLabel(p.coins)} ({shortTime(p.created_at)})
                </p>
                <form method="post" action={`/coins/admin/purchases/${p.id}/confirm`} class="coins-inline">
                  <CsrfField token={props.csrf} />
                  <label for={`ref-${p.id}`}>The bank’s reference for the transfer</label>
                  <input id={`ref-${p.id}`} name="payment_ref" required maxLength={100} />
                  <button type="submit">Confirm and credit</button>
                </form>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card">
        <h2>Grant coins for a bank transfer</h2>
        <p class="hint">For money that came without a request on the site. The same bank reference never credits twice.</p>
        <form method="post" action="/coins/admin/grants">
          <CsrfField token={props.csrf} />
          <FormError message={grant.errors[WHOLE_INPUT]} />
          <Field name="username" label="Member’s username" value={grant.values.username} error={grant.errors.username} />
          <div class={grant.errors.pack_id ? 'field field-invalid' : 'field'}>
            <label for="grant-pack">Pack</label>
            <select id="grant-pack" name="pack_id">
              {activePacks.map((p) => (
                <option value={String(p.id)} selected={grant.values.pack_id === String(p.id)}>
                  {packLabel(p.coins)} for {formatMoney(p.price, p.currency)}
                </option>
              ))}
            </select>
            {grant.errors.pack_id && <p class="error">{grant.errors.pack_id}</p>}
          </div>
          <Field name="payment_ref" label="The bank’s reference for the transfer" value={grant.values.payment_ref} error={grant.errors.payment_ref} maxLength={100} />
          <Field name="note" label="Note (optional, shown on the receipt)" value={grant.values.note} error={grant.errors.note} maxLength={500} />
          <button type="submit">Grant</button>
        </form>
      </section>

      <section class="card">
        <h2>Packs</h2>
        <p class="hint">A pack taken off sale stays on the receipts that name it; packs are never deleted.</p>
        {props.packs.map((p) => {
          const f = formFor(p.id)
          return (
            <form method="post" action={`/coins/admin/packs/${p.id}`} class={p.active ? 'coins-pack-form' : 'coins-pack-form coins-retired'} data-pack={p.id}>
              <CsrfField token={props.csrf} />
              <h3>
                {packLabel(p.coins)} for {formatMoney(p.price, p.currency)} {!p.active && <span class="badge">off sale</span>}
              </h3>
              <FormError message={f?.errors[WHOLE_INPUT]} />
              <PackFields values={f?.values ?? packValues(p)} errors={f?.errors ?? {}} idPrefix={`pack-${p.id}`} />
              <button type="submit" class="secondary">
                Save
              </button>
            </form>
          )
        })}
        <form method="post" action="/coins/admin/packs" class="coins-pack-form">
          <CsrfField token={props.csrf} />
          <h3>New pack</h3>
          <FormError message={newForm?.errors[WHOLE_INPUT]} />
          <PackFields values={newForm?.values ?? { active: true, currency: props.packs[0]?.currency ?? 'EUR' }} errors={newForm?.errors ?? {}} idPrefix="pack-new" />
          <button type="submit">Add the pack</button>
        </form>
      </section>

      <section class="card">
        <h2>Recent purchases</h2>
        <DataTable
          rows={props.recent}
          empty="None yet."
          rowData={(p) => ({ 'data-purchase': p.id })}
          columns={[
            { label: 'No.', cell: (p) => <a href={`/coins/purchases/${p.id}`}>{p.id}</a> },
            { label: 'Member', cell: (p) => (p.username ? `@${p.username}` : 'a former member') },
            { label: 'Coins', cell: (p) => p.coins.toLocaleString('en') },
            { label: 'Price', cell: (p) => formatMoney(p.amount, p.currency) },
            { label: 'By', cell: (p) => (p.gateway === 'stripe' ? 'Card' : 'Bank') },
            {
              label: 'State',
              cell: (p) => (
                <>
                  {statusText(p)}
                  {p.debt_coins > 0 && <span class="muted"> ({coinsText(p.debt_coins)} owed)</span>}
                </>
              ),
            },
            {
              label: 'Actions',
              hideLabel: true,
              cell: (p) => (
                <>
                  {p.gateway === 'stripe' && p.status === 'paid' && p.refunded_amount < p.amount && (
                    <ActionForm action={`/coins/admin/purchases/${p.id}/refund`} csrf={props.csrf} label="Refund" class="secondary" title={`Refund purchase ${p.id} in full through Stripe`} />
                  )}
                  {p.gateway === 'manual' && p.status === 'paid' && p.reversed_coins < p.coins && (
                    <form method="post" action={`/coins/admin/purchases/${p.id}/reverse`} class="coins-inline">
                      <CsrfField token={props.csrf} />
                      <label for={`why-${p.id}`} class="skip">
                        Why reverse purchase {p.id}
                      </label>
                      <input id={`why-${p.id}`} name="note" placeholder="Why" required maxLength={500} />
                      <button type="submit" class="secondary">
                        Reverse
                      </button>
                    </form>
                  )}
                </>
              ),
            },
          ]}
        />
      </section>
    </SubPage>
  )
}
