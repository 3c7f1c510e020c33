// Pages of the gift side: the gift picker, the creator's earnings and withdrawals, the supporters leaderboard, and
// the staff pages (the catalog, the withdrawal queue). Plain forms: everything works without JavaScript.
import { ActionForm, CsrfField, DataTable, EmptyState, FormError, Icon, Notice, relativeTime, type Page } from '../../core/plugins/api.js'
import type { Badge, EarningsSummary, ReceivedGift } from './earnings.js'
import { GIFT_ICONS, METHOD_LABELS, NOTE_MAX, WITHDRAWAL_METHODS } from './gifts-inputs.js'
import type { GiftJson, GiftTarget } from './gifts-service.js'
import type { WithdrawalJson } from './withdrawals.js'

export const NOTICES = {
  sent: 'Your gift was sent.',
  requested: 'Your withdrawal request was sent to the team.',
  cancelled: 'Your withdrawal request was cancelled; the coins are available again.',
  created: 'The gift was added to the catalog.',
  saved: 'The gift was saved.',
  retired: 'The gift was retired. Gifts already sent keep it.',
  approved: 'The withdrawal was approved. Mark it paid once the money has left.',
  paid: 'The withdrawal was marked paid.',
  rejected: 'The withdrawal was rejected; the creator’s coins are available again.',
} as const

const coins = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'coin' : 'coins'}`
const money = (cents: number, currency: string) => `${(cents / 100).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`
const SOURCE_LABELS: Record<string, string> = { post: 'Posts', profile: 'Profile', live: 'Live streams', message: 'Messages' }
const sourceLabel = (kind: string) => SOURCE_LABELS[kind] ?? kind

/** A gift's picture or built-in icon. */
export function GiftImage({ gift, size = 40 }: { gift: GiftJson; size?: number }) {
  const url = gift.picture?.urls['150'] ?? gift.picture?.urls['320'] ?? Object.values(gift.picture?.urls ?? {})[0]
  if (url) return <img src={url} alt="" width={size} height={size} class="gift-image" loading="lazy" />
  return <Icon name={gift.icon ?? 'gift'} />
}

/** A member's badges as small labels. */
export function Badges({ badges }: { badges: Badge[] }) {
  if (!badges.length) return null
  return (
    <span class="coins-badges" data-coins-badges>
      {badges.map((b) => (
        <span class="badge" data-badge={`${b.kind}-${b.level}`} title={b.kind === 'supporter' ? 'Supporter level, from coins given' : 'Creator badge, from gifts received'}>
          {b.name}
        </span>
      ))}
    </span>
  )
}

export function GiftPickerPage(p: {
  csrfToken: string
  gifts: GiftJson[]
  target: GiftTarget
  receiver: { username: string; display_name: string }
  label: string
  back: string
  balance: number
  sendKey: string
  values?: { gift?: string; note?: string }
  error?: string
}) {
  return (
    <>
      <h1>Send a gift to {p.receiver.display_name}</h1>
      <p class="muted">
        For {p.label} of @{p.receiver.username}. You have {coins(p.balance)}. <a href="/coins">Buy coins</a>
      </p>
      <FormError message={p.error} />
      {p.gifts.length === 0 ? (
        <EmptyState icon="gift" title="There are no gifts to send yet." />
      ) : (
        <form method="post" action="/coins/gift" class="stack" data-gift-form>
          <CsrfField token={p.csrfToken} />
          <input type="hidden" name="kind" value={p.target.kind} />
          <input type="hidden" name="id" value={String(p.target.id)} />
          <input type="hidden" name="key" value={p.sendKey} />
          <input type="hidden" name="back" value={p.back} />
          <fieldset class="gift-choices">
            <legend>Choose a gift</legend>
            {p.gifts.map((g, i) => (
              <label class="choice" data-gift={g.id}>
                <input type="radio" name="gift" value={String(g.id)} required checked={p.values?.gift ? p.values.gift === String(g.id) : i === 0} />
                <GiftImage gift={g} /> <strong>{g.name}</strong> <span class="muted">{coins(g.price)}</span>
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="f-note">Note (optional)</label>
            <textarea id="f-note" name="note" maxLength={NOTE_MAX} rows={2}>
              {p.values?.note ?? ''}
            </textarea>
          </div>
          <div class="actions">
            <button type="submit">Send gift</button> <a href={p.back}>Cancel</a>
          </div>
        </form>
      )}
    </>
  )
}

export function EarningsPage(p: {
  summary: EarningsSummary
  days: { day: string; coins: number; gifts: number }[]
  sources: { source: string; coins: number; gifts: number }[]
  supporters: { rank: number; user: { username: string; display_name: string }; coins: number; gifts: number }[]
  history: Page<ReceivedGift>
  badges: Badge[]
  holdDays: number
  notice?: string
}) {
  const s = p.summary
  return (
    <>
      <h1>Earnings</h1>
      <Notice notices={NOTICES} notice={p.notice} />
      <p class="muted">
        Your share of the gifts you receive. It stays on hold for {p.holdDays} {p.holdDays === 1 ? 'day' : 'days'}, then you can withdraw it. <Badges badges={p.badges} />
      </p>
      <section class="card" data-earnings-summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Available</th>
                <th scope="col">On hold</th>
                <th scope="col">Being withdrawn</th>
                <th scope="col">Paid out</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td data-available={s.available}>{coins(s.available)}</td>
                <td data-on-hold={s.on_hold}>{coins(s.on_hold)}</td>
                <td data-in-withdrawal={s.in_withdrawal}>{coins(s.in_withdrawal)}</td>
                <td>{coins(s.paid_out)}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <p>
          Available is worth {money(s.available_value_cents, s.currency)}. <a href="/coins/withdrawals">Withdraw</a>
        </p>
      </section>
      <section class="card">
        <h2>By day (last 30 days)</h2>
        {p.days.length === 0 ? (
          <p class="muted">No gifts in the last 30 days.</p>
        ) : (
          <div class="table-wrap">
            <table data-by-day>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Gifts</th>
                  <th scope="col">Your share</th>
                </tr>
              </thead>
              <tbody>
                {p.days.map((d) => (
                  <tr>
                    <td>{d.day}</td>
                    <td>{d.gifts}</td>
                    <td>{coins(d.coins)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card">
        <h2>By source</h2>
        {p.sources.length === 0 ? (
          <p class="muted">Nothing yet.</p>
        ) : (
          <ul data-by-source>
            {p.sources.map((x) => (
              <li>
                {sourceLabel(x.source)}: {coins(x.coins)} from {x.gifts} {x.gifts === 1 ? 'gift' : 'gifts'}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card">
        <h2>Top supporters</h2>
        <SupporterList supporters={p.supporters} empty="Nobody has sent you a gift yet." />
      </section>
      <section class="card">
        <h2>History</h2>
        {p.history.items.length === 0 ? (
          <p class="muted">No gifts received yet.</p>
        ) : (
          <ul class="stack" data-history>
            {p.history.items.map((g) => (
              <li data-received={g.id}>
                <a href={`/u/${g.sender.username}`}>{g.sender.display_name}</a> sent {g.gift.name} ({coins(g.price)}) on {g.target.kind === 'post' ? <a href={`/p/${g.target.id}`}>a post</a> : sourceLabel(g.target.kind).toLowerCase()}{' '}
                <span class="muted">{relativeTime(g.created_at)}</span>
                {g.note && (
                  <>
                    {' · '}
                    <q>{g.note}</q>
                  </>
                )}
                <br />
                <span class="muted">
                  Your share {coins(g.share)} · {g.status === 'on_hold' ? `on hold until ${g.release_at.slice(0, 10)}` : 'available'}
                </span>
              </li>
            ))}
          </ul>
        )}
        {p.history.nextCursor && <a href={`/coins/earnings?cursor=${encodeURIComponent(p.history.nextCursor)}`}>Older gifts</a>}
      </section>
    </>
  )
}

/** The "Gift" link under a post (the post.actions slot). */
export function GiftPostAction({ postId }: { postId: number }) {
  return (
    <a href={`/coins/gift?kind=post&id=${postId}`} class="post-action" data-gift-post={postId}>
      <Icon name="gift" /> Gift
    </a>
  )
}

/** "Send a gift" beside the follow button of a profile (the profile.actions slot). */
export function GiftProfileAction({ userId }: { userId: number }) {
  return (
    <a href={`/coins/gift?kind=profile&id=${userId}`} class="button" data-gift-profile={userId}>
      Send a gift
    </a>
  )
}

/** A creator's leaderboard (the profile's Supporters tab). */
export function SupportersTab({ supporters }: { supporters: Supporter[] }) {
  return (
    <section data-leaderboard>
      <h2>Top supporters</h2>
      <SupporterList supporters={supporters} empty="No gifts yet." />
    </section>
  )
}

type Supporter = { rank: number; user: { username: string; display_name: string }; coins: number; gifts: number }

export function SupporterList({ supporters, empty }: { supporters: { rank: number; user: { username: string; display_name: string }; coins: number; gifts: number }[]; empty: string }) {
  if (!supporters.length) return <p class="muted">{empty}</p>
  return (
    <ol data-supporters>
      {supporters.map((s) => (
        <li data-supporter={s.user.username}>
          <a href={`/u/${s.user.username}`}>{s.user.display_name}</a> <span class="muted">{coins(s.coins)}</span>
        </li>
      ))}
    </ol>
  )
}

export function WithdrawalsPage(p: { csrfToken: string; summary: EarningsSummary; minimum: number; withdrawals: WithdrawalJson[]; values?: Record<string, string>; errors?: Record<string, string>; error?: string; notice?: string }) {
  const v = p.values ?? {}
  const e = p.errors ?? {}
  return (
    <>
      <h1>Withdrawals</h1>
      <Notice notices={NOTICES} notice={p.notice} />
      <p>
        You have <strong data-available={p.summary.available}>{coins(p.summary.available)}</strong> available ({money(p.summary.available_value_cents, p.summary.currency)}). The smallest withdrawal is {coins(p.minimum)}.{' '}
        <a href="/coins/earnings">Earnings</a>
      </p>
      <FormError message={p.error} />
      <form method="post" action="/coins/withdrawals" class="card stack">
        <CsrfField token={p.csrfToken} />
        <input type="hidden" name="key" value={crypto.randomUUID()} />
        <div class={e.amount ? 'field field-invalid' : 'field'}>
          <label for="f-amount">Coins to withdraw</label>
          <input id="f-amount" name="amount" type="number" min={p.minimum} step={1} required value={v.amount ?? ''} aria-invalid={e.amount ? 'true' : undefined} aria-describedby={e.amount ? 'f-amount-error' : undefined} />
          {e.amount && <p id="f-amount-error" class="error">{e.amount}</p>}
        </div>
        <div class="field">
          <label for="f-method">Pay me by</label>
          <select id="f-method" name="method">
            {WITHDRAWAL_METHODS.map((m) => (
              <option value={m} selected={v.method === m}>
                {METHOD_LABELS[m]}
              </option>
            ))}
          </select>
        </div>
        <div class={e.details ? 'field field-invalid' : 'field'}>
          <label for="f-details">Payout details</label>
          <textarea id="f-details" name="details" rows={3} maxLength={500} required aria-describedby="f-details-hint">
            {v.details ?? ''}
          </textarea>
          <p id="f-details-hint" class="hint">
            Your IBAN and name, or your PayPal address. Only you and the site’s admins see them.
          </p>
          {e.details && <p class="error">{e.details}</p>}
        </div>
        <button type="submit">Ask to withdraw</button>
      </form>
      <h2>Your requests</h2>
      {p.withdrawals.length === 0 ? (
        <p class="muted">No withdrawals yet.</p>
      ) : (
        <ul class="stack">
          {p.withdrawals.map((w) => (
            <li data-withdrawal={w.id} data-status={w.status}>
              {coins(w.amount)} ({money(w.value_cents, w.currency)}) by {METHOD_LABELS[w.method as keyof typeof METHOD_LABELS] ?? w.method} · <strong>{w.status}</strong> <span class="muted">{relativeTime(w.created_at)}</span>
              {w.reference && <span class="muted"> · reference {w.reference}</span>}
              {w.reason && <span> · {w.reason}</span>}
              {w.status === 'requested' && (
                <ActionForm action={`/coins/withdrawals/${w.id}/cancel`} csrf={p.csrfToken} label="Cancel" class="link" />
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

export function AdminGiftsPage(p: { csrfToken: string; gifts: GiftJson[]; verified: { username: string; display_name: string }[]; receivers: string; commission: number; error?: string; notice?: string }) {
  return (
    <>
      <h1>Gifts</h1>
      <Notice notices={NOTICES} notice={p.notice} />
      <p class="muted">
        The catalog members choose from. The platform keeps {p.commission}% of each gift (Admin → Plugins → coins). A retired gift can no longer be sent; gifts already sent keep it.{' '}
        <a href="/coins/admin/withdrawals">Withdrawal queue</a>
      </p>
      <FormError message={p.error} />
      <section class="card">
        <h2>Add a gift</h2>
        <form method="post" action="/coins/admin/gifts" enctype="multipart/form-data" class="stack">
          <CsrfField token={p.csrfToken} />
          <GiftFields />
          <div class="field">
            <label for="f-picture">Picture (optional, instead of the icon)</label>
            <input id="f-picture" name="picture" type="file" accept="image/*" />
          </div>
          <button type="submit">Add gift</button>
        </form>
      </section>
      <section class="card">
        <h2>Catalog</h2>
        {p.gifts.length === 0 ? (
          <p class="muted">No gifts yet.</p>
        ) : (
          <ul class="stack" data-catalog>
            {p.gifts.map((g) => (
              <li data-gift={g.id} data-retired={g.retired ? '' : undefined}>
                <GiftImage gift={g} /> <strong>{g.name}</strong> · {coins(g.price)} · {g.retired ? 'retired' : g.enabled ? 'offered' : 'off'}
                {!g.retired && (
                  <details>
                    <summary>Edit</summary>
                    <form method="post" action={`/coins/admin/gifts/${g.id}`} class="stack">
                      <CsrfField token={p.csrfToken} />
                      <GiftFields gift={g} />
                      <button type="submit">Save</button>
                    </form>
                    <ActionForm action={`/coins/admin/gifts/${g.id}/retire`} csrf={p.csrfToken} label="Retire for good" />
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card">
        <h2>Verified receivers</h2>
        <p class="muted">
          Who may receive gifts: {p.receivers}. When it is “verified”, only the members with the site’s verified badge can; staff give and take it in{' '}
          <a href="/admin/verification/members">Admin → Verification</a>.
        </p>
        <ul>
          {p.verified.map((u) => (
            <li data-verified={u.username}>
              {u.display_name} (@{u.username})
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}

function GiftFields({ gift }: { gift?: GiftJson }) {
  const id = (name: string) => `f-${name}-${gift?.id ?? 'new'}`
  return (
    <>
      <div class="field">
        <label for={id('name')}>Name</label>
        <input id={id('name')} name="name" required maxLength={40} value={gift?.name ?? ''} />
      </div>
      <div class="field">
        <label for={id('price')}>Price (coins)</label>
        <input id={id('price')} name="price" type="number" min={1} step={1} required value={gift ? String(gift.price) : ''} />
      </div>
      <div class="field">
        <label for={id('icon')}>Icon</label>
        <select id={id('icon')} name="icon">
          {GIFT_ICONS.map((i) => (
            <option value={i} selected={(gift?.icon ?? 'gift') === i}>
              {i}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={id('position')}>Order (lower first)</label>
        <input id={id('position')} name="position" type="number" min={0} step={1} value={String(gift?.position ?? 0)} />
      </div>
      <label class="choice">
        <input type="checkbox" name="enabled" checked={gift ? gift.enabled : true} /> Offered in the picker
      </label>
    </>
  )
}

export function AdminWithdrawalsPage(p: { csrfToken: string; open: (WithdrawalJson & { username: string; display_name: string })[]; done: (WithdrawalJson & { username: string; display_name: string })[]; error?: string; notice?: string }) {
  return (
    <>
      <h1>Withdrawal queue</h1>
      <Notice notices={NOTICES} notice={p.notice} />
      <FormError message={p.error} />
      <p class="muted">
        Oldest first. Approve, pay outside Hearth, then mark it paid with the payment’s reference; or reject it with a reason and the coins return to the creator. <a href="/coins/admin/gifts">Gifts</a>
      </p>
      {p.open.length === 0 ? (
        <EmptyState icon="inbox" title="No withdrawals waiting." />
      ) : (
        <div class="stack" data-queue>
          {p.open.map((w) => (
            <article class="card" data-withdrawal={w.id} data-status={w.status}>
              <p>
                <a href={`/u/${w.username}`}>{w.display_name}</a> (@{w.username}) asks for <strong>{coins(w.amount)}</strong> = {money(w.value_cents, w.currency)} · {w.status} · {relativeTime(w.created_at)}
              </p>
              <p>
                {METHOD_LABELS[w.method as keyof typeof METHOD_LABELS] ?? w.method}: <code>{w.details}</code>
              </p>
              {w.status === 'requested' && (
                <div class="actions">
                  <ActionForm action={`/coins/admin/withdrawals/${w.id}/approve`} csrf={p.csrfToken} label="Approve" />
                </div>
              )}
              <form method="post" action={`/coins/admin/withdrawals/${w.id}/pay`} class="stack">
                <CsrfField token={p.csrfToken} />
                <div class="field">
                  <label for={`f-ref-${w.id}`}>Payment reference</label>
                  <input id={`f-ref-${w.id}`} name="reference" required maxLength={200} />
                </div>
                <div class="actions">
                  <button type="submit">Mark paid</button>
                </div>
              </form>
              <form method="post" action={`/coins/admin/withdrawals/${w.id}/reject`} class="stack">
                <CsrfField token={p.csrfToken} />
                <div class="field">
                  <label for={`f-reason-${w.id}`}>Reason for rejecting (the creator sees it)</label>
                  <input id={`f-reason-${w.id}`} name="reason" required maxLength={500} />
                </div>
                <div class="actions">
                  <button type="submit">Reject</button>
                </div>
              </form>
            </article>
          ))}
        </div>
      )}
      <form method="get" action="/coins/admin/payouts.csv" class="inline-form">
        <label for="f-month">Payout report (CSV) for</label> <input id="f-month" name="month" type="month" required value={new Date().toISOString().slice(0, 7)} /> <button type="submit">Download</button>
      </form>
      <h2>Recently decided</h2>
      <DataTable
        rows={p.done}
        empty="Nothing decided yet."
        rowData={(w) => ({ 'data-withdrawal': w.id, 'data-status': w.status })}
        columns={[
          { label: 'Member', cell: (w) => `@${w.username}` },
          { label: 'Coins', cell: (w) => coins(w.amount) },
          { label: 'Decision', cell: (w) => w.status },
          { label: 'Reference', cell: (w) => w.reference ?? '' },
          { label: 'When', cell: (w) => relativeTime(w.updated_at) },
        ]}
      />
    </>
  )
}

/** The admin overview's line: the platform's commission so far and the withdrawals waiting. */
export function AdminOverviewCard({ commission, waiting }: { commission: number; waiting: { count: number; coins: number } }) {
  return (
    <section class="card" data-coins-overview>
      <h2>Coins</h2>
      <p>
        Commission from gifts: <strong>{coins(commission)}</strong> · <a href="/coins/admin/withdrawals">{waiting.count} {waiting.count === 1 ? 'withdrawal' : 'withdrawals'} waiting</a> ({coins(waiting.coins)}) · <a href="/coins/admin/gifts">Gifts</a>
      </p>
    </section>
  )
}
