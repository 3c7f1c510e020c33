// Buying coins: packs the operator prices, payment gateways (Stripe Checkout, bank transfers), the wallet and receipts.
import { manualGateway } from './gateways/manual.js'
import { stripeGateway } from './gateways/stripe.js'
import type { CoinsContext } from './plugin.js'
import { purchaseRoutes } from './purchases-routes.js'
import { purchasesService, type PurchasesService } from './purchases-service.js'

export function registerPurchases(ctx: CoinsContext): PurchasesService {
  const service = purchasesService(ctx, { stripe: stripeGateway(ctx), manual: manualGateway(ctx) })
  ctx.routes.route('/', purchaseRoutes(ctx, service))
  ctx.assets('public')
  // A place members open now and then, not daily: in "More" (decision 022).
  ctx.ui.nav({ id: 'coins', label: 'Coins', href: '/coins', icon: 'coins', order: 55 })
  ctx.core.notifications.defineType('purchase_credited', {
    label: 'Coins you bought arriving in your wallet',
    group: false,
    text: (n) => `${Number(n.data.coins).toLocaleString('en')} coins are in your wallet.`,
    url: (n) => `/coins/purchases/${Number(n.data.purchaseId)}`,
  })
  ctx.core.notifications.defineType('purchase_reversed', {
    label: 'Coins taken back after a refund or chargeback',
    group: false,
    text: (n) => `A payment for coins was refunded or disputed: ${Number(n.data.coins).toLocaleString('en')} coins were taken back or are owed.`,
    url: (n) => `/coins/purchases/${Number(n.data.purchaseId)}`,
  })
  ctx.jobs.every('17 * * * *', 'purge-idempotency-keys', async () => {
    await service.purgeIdempotency()
  })
  return service
}
