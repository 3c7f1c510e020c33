// The Stripe Checkout gateway: a Checkout Session per purchase (the member pays on Stripe's page), and the signed
// webhook that alone credits coins. Why only the webhook: docs/decisions/042-coin-purchases.md.
import Stripe from 'stripe'
import { AppError } from '../../../core/plugins/api.js'
import type { CoinsContext } from '../plugin.js'
import type { Gateway } from './types.js'

export type { Stripe }

/** Stripe's signatures older (or newer) than this many seconds are refused: a replayed request is stale. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

export const SECRET_KEY = /^(sk|rk)_(live|test)_[A-Za-z0-9]{8,250}$/
export const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=]{8,250}$/

/**
 * Where the SDK sends its requests: Stripe's API, or HEARTH_STRIPE_API_URL (`http://127.0.0.1:12111`, for
 * stripe-mock or a test's stand-in server; never set it in production: the secret key goes there).
 */
function apiBase(): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  const url = process.env.HEARTH_STRIPE_API_URL
  if (!url) return {}
  const u = new URL(url)
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)), protocol: u.protocol === 'http:' ? 'http' : 'https' }
}

const clients = new Map<string, Stripe>()
function client(secretKey: string): Stripe {
  const base = apiBase()
  const id = `${secretKey}\n${JSON.stringify(base)}`
  let c = clients.get(id)
  if (!c) {
    if (clients.size > 4) clients.clear() // keys rotated: drop the old clients
    c = new Stripe(secretKey, { ...base, maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: 'Hearth coins' } })
    clients.set(id, c)
  }
  return c
}

/** A secret as the operator may see it again: its kind and last four characters (`sk_live_…4242`). */
export function maskSecret(secret: string): string {
  if (!secret) return 'not set'
  const kind = /^([a-z]+_(?:live_|test_)?)/.exec(secret)?.[1] ?? ''
  return `${kind}…${secret.slice(-4)}`
}

/**
 * A webhook request's event, its signature checked on the raw body against the endpoint's secret with Stripe's own
 * code; a bad or stale signature is 400 INVALID_SIGNATURE (nothing else is read).
 */
export function verifiedEvent(raw: Buffer, signature: string | undefined, secret: string, receivedAt?: number): Stripe.Event {
  if (!signature) throw new AppError(400, 'INVALID_SIGNATURE', 'The request has no Stripe-Signature header.')
  try {
    return Stripe.webhooks.constructEvent(raw, signature, secret, WEBHOOK_TOLERANCE_SECONDS, undefined, receivedAt)
  } catch (err) {
    const why = err instanceof Error && /tolerance/i.test(err.message) ? 'The signature’s timestamp is more than 5 minutes away: a stale or replayed request.' : 'The signature does not match the body and the webhook secret.'
    throw new AppError(400, 'INVALID_SIGNATURE', why)
  }
}

export function stripeGateway(ctx: CoinsContext): Gateway {
  return {
    id: 'stripe',
    label: 'Card',
    async problem() {
      const [key, hook] = await Promise.all([ctx.settings.get('stripe_secret_key'), ctx.settings.get('stripe_webhook_secret')])
      if (!key) return 'Card payments need the Stripe secret key in the coins settings.'
      if (!hook) return 'Card payments need the Stripe webhook signing secret in the coins settings: without it no payment could credit coins.'
      return null
    },
    async begin({ purchase, label, baseUrl }) {
      const stripe = client(await ctx.settings.get('stripe_secret_key'))
      const back = `${baseUrl}/coins/purchases/${purchase.id}`
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: purchase.currency.toLowerCase(), unit_amount: purchase.amount, product_data: { name: label } } }],
          client_reference_id: String(purchase.id),
          metadata: { purchase_id: String(purchase.id), user_id: String(purchase.user_id) },
          payment_intent_data: { metadata: { purchase_id: String(purchase.id) } },
          success_url: `${back}?checkout=done`,
          cancel_url: `${back}?checkout=canceled`,
        },
        // Stripe's own idempotency: a retry of this call (the SDK retries on network errors) makes no second session.
        { idempotencyKey: `hearth-coins-${purchase.id}-${purchase.created_at}` },
      )
      if (!session.url) throw new Error(`Stripe made Checkout Session ${session.id} without a URL.`)
      return { reference: session.id, redirect: session.url, resumeUrl: session.url }
    },
    async refund(purchase) {
      if (!purchase.payment_ref) throw new Error(`Purchase ${purchase.id} has no PaymentIntent to refund.`)
      const stripe = client(await ctx.settings.get('stripe_secret_key'))
      await stripe.refunds.create(
        { payment_intent: purchase.payment_ref, reason: 'requested_by_customer', metadata: { purchase_id: String(purchase.id) } },
        { idempotencyKey: `hearth-coins-refund-${purchase.id}-${purchase.refunded_amount}` },
      )
    },
  }
}
