// Coins, gifts and earnings: members buy coins in packs through a payment gateway, send them as gifts to
// creators (the platform keeps a commission), and creators withdraw what they earned. Every amount moves in
// core's double-entry ledger (`ctx.core.ledger`, decision 033); this plugin records what each transfer was for.
import { exportCoins } from './data-rights.js'
import { definePlugin, type PluginContext, type SettingsSchema } from '../../core/plugins/api.js'
import { SECRET_KEY, WEBHOOK_SECRET } from './gateways/stripe.js'
import { giftHooks, registerGifts } from './gifts.js'
import { registerPurchases } from './purchases.js'
import { registerWalletsAdmin } from './wallets-admin.js'

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
  // ---- Gifts, earnings and withdrawals (gifts.ts)
  gift_commission_percent: {
    type: 'number',
    label: 'Platform commission on gifts (percent)',
    default: 20,
    min: 0,
    max: 100,
    integer: true,
    help: 'Kept from each gift’s price; the creator earns the rest (rounded in the creator’s favour).',
  },
  gift_hold_days: {
    type: 'number',
    label: 'Days a creator’s earnings stay on hold',
    default: 7,
    min: 0,
    max: 90,
    integer: true,
    help: 'Time for chargebacks before earnings can be withdrawn. 0 makes them available at once.',
  },
  gift_daily_limit: {
    type: 'number',
    label: 'Coins a member may give in 24 hours',
    default: 50000,
    min: 0,
    integer: true,
    help: '0 means no limit.',
  },
  gift_receivers: {
    type: 'select',
    label: 'Who may receive gifts',
    default: 'everyone',
    options: ['everyone', 'creators', 'verified'],
    help: 'creators: creator and business accounts (Settings → Account type). verified: members with the site’s verified badge (Admin → Verification).',
  },
  gift_flag_new_account_coins: {
    type: 'number',
    label: 'Coins a new account may give in 24 hours before moderators are told',
    default: 10000,
    min: 0,
    integer: true,
    help: 'An account under 7 days old that gives more is reported to the moderation queue (once as it crosses). 0 turns this off.',
  },
  withdrawal_minimum: {
    type: 'number',
    label: 'Smallest withdrawal (coins)',
    default: 1000,
    min: 1,
    integer: true,
  },
  payout_cents_per_100_coins: {
    type: 'number',
    label: 'Payout value of 100 coins, in cents of the payout currency',
    default: 100,
    min: 0,
    integer: true,
    help: 'Shown to creators and on the withdrawal queue as the sum to pay.',
  },
  payout_currency: {
    type: 'string',
    label: 'Payout currency (ISO code)',
    default: 'USD',
    maxLength: 3,
    check: (v) => (/^[A-Z]{3}$/.test(v) ? null : 'use a three-letter code such as USD or EUR.'),
  },
  // ---- end of gifts
} satisfies SettingsSchema

/** The context as this plugin sees it, with its settings typed. */
export type CoinsContext = PluginContext<typeof settings>

const coins = definePlugin({
  manifest: {
    name: 'coins',
    version: '1.0.0',
    description: 'Coins bought in packs, gifts to creators with a commission, earnings and withdrawals.',
    migrations: './migrations',
    // Its state is in the database (view-once grants are core's): any thread serves its reads (decision 061).
    threads: 'any',
    settings,
    // Hooks others may use: gifts sent, and gift targets of other plugins (gifts.ts).
    hooks: { ...giftHooks },
  },
  register(ctx) {
    // Buying coins: packs, gateways (Stripe Checkout, manual), the wallet.
    const purchases = registerPurchases(ctx)
    // Spending and earning: the gift catalog, gifts, holds, withdrawals, supporter badges.
    registerGifts(ctx)
    // The console's section: wallets, freezing, the dashboard's coin figures.
    registerWalletsAdmin(ctx, purchases)
    // A member's data rights: their money's history in their export; the records stay when they go.
    ctx.hooks.on('filter:user.export', (parts, { userId }) => exportCoins(ctx, userId, parts))
  },
})

export default coins
