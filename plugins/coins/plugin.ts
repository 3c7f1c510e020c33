// Coins, gifts and earnings: members buy coins in packs through a payment gateway, send them as gifts to
// creators (the platform keeps a commission), and creators withdraw what they earned. Every amount moves in
// core's double-entry ledger (`ctx.core.ledger`, decision 033); this plugin records what each transfer was for.
import { definePlugin, type PluginContext, type SettingsSchema } from '../../core/plugins/api.js'
import { registerGifts } from './gifts.js'
import { registerPurchases } from './purchases.js'

/** The operator's settings (Admin → Plugins → coins). Each part adds its own. */
export const settings = {} satisfies SettingsSchema

/** The context as this plugin sees it, with its settings typed. */
export type CoinsContext = PluginContext<typeof settings>

const coins = definePlugin({
  manifest: {
    name: 'coins',
    version: '1.0.0',
    description: 'Coins bought in packs, gifts to creators with a commission, earnings and withdrawals.',
    migrations: './migrations',
    settings,
  },
  register(ctx) {
    // Buying coins: packs, gateways (Stripe Checkout, manual), the wallet.
    registerPurchases(ctx)
    // Spending and earning: the gift catalog, gifts, holds, withdrawals, supporter badges.
    registerGifts(ctx)
  },
})

export default coins
