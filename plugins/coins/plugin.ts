// Coins, gifts and earnings: members buy coins in packs through a payment gateway, send them as gifts to
// creators (the platform keeps a commission), and creators withdraw what they earned. Every amount moves in
// core's double-entry ledger (`ctx.core.ledger`, decision 033); this plugin records what each transfer was for.
import { definePlugin, type PluginContext, type SettingsSchema } from '../../core/plugins/api.js'
import { SECRET_KEY, WEBHOOK_SECRET } from './gateways/stripe.js'
import { registerGifts } from './gifts.js'
import { registerPurchases } from './purchases.js'

/** The operator's settings (Admin → Plugins → coins). Each part adds its own. */
export const settings = {
  // ---- Buying coins (purchases.ts): the gateways. Card payments need both Stripe secrets; see docs/operators.md.
  stripe_secret_key: {
    type: 'string',
    label: 'Stripe secret key (sk_live_… or sk_test_…, or a restricted key rk_…)',
    default: '',
    secret: true,
    maxLength: 300,
    check: (v) => (v === '' || SECRET_KEY.test(v) ? null : 'a Stripe secret key starts with sk_live_, sk_test_, rk_live_ or rk_test_.'),
    help: 'From Stripe’s dashboard, Developers → API keys. Card payments (Stripe Checkout) are offered once this and the webhook secret are set.',
  },
  stripe_webhook_secret: {
    type: 'string',
    label: 'Stripe webhook signing secret (whsec_…)',
    default: '',
    secret: true,
    maxLength: 300,
    check: (v) => (v === '' || WEBHOOK_SECRET.test(v) ? null : 'a webhook signing secret starts with whsec_.'),
    help: 'From the webhook endpoint you add in Stripe for https://YOUR-SITE/api/v1/coins/webhooks/stripe. Coins are credited only from its signed events.',
  },
  manual_enabled: { type: 'boolean', label: 'Let members pay by bank transfer (you credit the coins when the money arrives)', default: false },
  manual_instructions: {
    type: 'string',
    label: 'Bank transfer instructions shown to members',
    default: '',
    multiline: true,
    maxLength: 2000,
    help: 'The account to pay into (name, IBAN, BIC). Members are given the amount and a reference to quote with it.',
  },
  // ---- End of buying coins.
} satisfies SettingsSchema

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
