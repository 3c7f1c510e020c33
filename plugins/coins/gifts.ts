// Spending and earning coins: the gift catalog, gifts with the platform's commission, holds, withdrawals, supporter
// badges. Gifts target a generic `{ kind, id }`: `post` and `profile` here, other kinds through `filter:coins.gift.target`.
import { action, filter } from '../../core/plugins/api.js'
import { earningsService } from './earnings.js'
import { giftRoutes } from './gifts-routes.js'
import { COMMISSION, giftsService, type GiftSentPayload, type GiftTargetInfo } from './gifts-service.js'
import { waitingWithdrawals } from './gifts-queries.js'
import { AdminOverviewCard, Badges, GiftPostAction, GiftProfileAction, SupportersTab } from './gifts-views.js'
import type { CoinsContext } from './plugin.js'
import { withdrawalsService } from './withdrawals.js'

/** The hooks this part declares (listed in the manifest: the runtime whitelist; typed in gifts-service.ts). */
export const giftHooks = {
  'action:coins.gift.sent': action<GiftSentPayload>(),
  'filter:coins.gift.target': filter<GiftTargetInfo | null, { kind: string; id: number; senderId: number }>(),
}

const STEPS: Record<string, string> = {
  approved: 'was approved',
  paid: 'was paid',
  rejected: 'was rejected',
}

export function registerGifts(ctx: CoinsContext): void {
  const gifts = giftsService(ctx)
  const earnings = earningsService(ctx)
  const withdrawals = withdrawalsService(ctx)
  ctx.routes.route('/', giftRoutes(ctx, gifts, earnings, withdrawals))

  ctx.ui.nav({ id: 'coins-earnings', label: 'Earnings', href: '/coins/earnings', audience: 'members', order: 61, icon: 'gem' })
  ctx.ui.nav({ id: 'coins-gifts-admin', label: 'Gifts', href: '/coins/admin/gifts', audience: 'admins', order: 90, icon: 'gift' })
  ctx.ui.nav({ id: 'coins-withdrawals-admin', label: 'Withdrawals', href: '/coins/admin/withdrawals', audience: 'admins', order: 91, icon: 'wallet' })

  // A "Gift" link under every post of others, and on others' profiles: the picker page (no JavaScript needed).
  ctx.ui.slot('post.actions', ({ postId, authorId, viewer }) => (viewer && viewer.id !== authorId ? GiftPostAction({ postId }) : null))
  ctx.ui.slot('profile.actions', ({ profile, viewer }) => (viewer && viewer.id !== profile.id ? GiftProfileAction({ userId: profile.id }) : null))
  ctx.ui.slot('profile.header', async ({ profile }) => Badges({ badges: await earnings.badges(profile.id) }))
  ctx.ui.slot('admin.overview', async ({ viewer }) =>
    viewer.role === 'admin' ? AdminOverviewCard({ commission: (await ctx.core.ledger.findAccount(COMMISSION))?.balance ?? 0, waiting: await waitingWithdrawals(ctx.db) }) : null,
  )
  ctx.ui.profileTab({ id: 'supporters', label: 'Supporters', order: 40, render: async ({ profile, viewer }) => SupportersTab({ supporters: await earnings.supporters(profile.id, viewer?.id ?? null, 20) }) })

  // Supporter levels and creator badges next to authors' names on posts.
  ctx.hooks.on('filter:user.badges', async (value, { userIds }) => {
    const found = await earnings.nameBadges(userIds)
    if (!found.size) return value
    const out = { ...value }
    for (const [id, badges] of found) out[id] = [...(out[id] ?? []), ...badges]
    return out
  })

  // A gift's picture is public wherever the gift shows.
  ctx.hooks.on('filter:media.viewable', async (value, { mediaId }) => value || (await gifts.isGiftPicture(mediaId)))

  const coinsText = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'coin' : 'coins'}`
  ctx.core.notifications.defineType('gift_received', {
    label: 'Gifts you receive',
    group: true,
    text: (n) => {
      const label = String(n.data.label ?? 'your profile')
      const count = Number(n.data.count ?? 1)
      const senders = Number(n.data.senders ?? 1)
      if (n.count > 1) return `${n.who} sent you gifts on ${label}`
      if (count > 1) return `${n.who}${senders > 1 ? ` and ${senders - 1} ${senders === 2 ? 'other' : 'others'}` : ''} sent you ${count} gifts (${coinsText(Number(n.data.coins ?? 0))}) on ${label}`
      return `${n.who} sent you ${String(n.data.gift ?? 'a gift')} on ${label}${n.data.note ? `: “${String(n.data.note)}”` : ''}`
    },
    url: () => '/coins/earnings',
  })
  ctx.core.notifications.defineType('gift_sent', {
    label: 'Receipts for gifts you send',
    group: true,
    text: (n) => {
      const count = Number(n.data.count ?? 1)
      if (n.count > 1 || count > 1) return `You sent gifts to ${n.who}${count > 1 && n.count === 1 ? ` (${count}, ${coinsText(Number(n.data.coins ?? 0))})` : ''}`
      return `You sent ${String(n.data.gift ?? 'a gift')} (${coinsText(Number(n.data.price ?? 0))}) to ${n.who}`
    },
    url: (n) => (typeof n.data.url === 'string' ? n.data.url : null),
  })
  ctx.core.notifications.defineType('withdrawal', {
    label: 'Your withdrawals',
    group: false,
    text: (n) => `Your withdrawal of ${Number(n.data.amount ?? 0).toLocaleString('en')} coins ${STEPS[String(n.data.step)] ?? 'changed'}${n.data.step === 'rejected' && n.data.reason ? `: ${String(n.data.reason)}` : ''}${n.data.step === 'paid' && n.data.reference ? ` (reference ${String(n.data.reference)})` : ''}`,
    url: () => '/coins/withdrawals',
  })

  ctx.jobs.define<{ receiverId: number }>('notify-gifts', async (p) => void (await gifts.notifyGifts(p)), { maxAttempts: 3 })

  // Shares whose hold ended become available: each sent gift is released once (`released_at`, and the ledger key).
  // And gifts a running batch missed are told.
  ctx.jobs.every('* * * * *', 'release-holds', async () => {
    const n = await gifts.releaseDue()
    if (n) ctx.log.info({ released: n }, 'gift holds released')
    await gifts.notifyMissed()
  })
}
