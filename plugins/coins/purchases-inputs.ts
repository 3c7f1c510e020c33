// What members and operators send about buying coins, checked at the edge: packs, purchases, grants, reversals.
import { z } from 'zod'
import { GATEWAY_IDS, PURCHASE_STATUSES } from './purchases-tables.js'

/** A whole number from `min` to `max`, from a form (text) or JSON (a number); "2.5", "1e3" and " 7" are refused. */
export const wholeNumber = (what: string, min: number, max: number) =>
  z
    .union([z.number(), z.string()], { error: `${what} must be a whole number.` })
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN
      if (!Number.isSafeInteger(n)) ctx.addIssue({ code: 'custom', message: `${what} must be a whole number.` })
      else if (n < min || n > max) ctx.addIssue({ code: 'custom', message: `${what} must be from ${min} to ${max.toLocaleString('en')}.` })
      return n
    })

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

/** How many decimals a currency's amounts have (EUR 2, JPY 0): its minor unit, which Stripe counts in. */
export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
}

/** An amount in minor units as people read it: `formatMoney(499, 'EUR')` is "€4.99". */
export function formatMoney(minor: number, currency: string): string {
  const digits = currencyDigits(currency)
  return new Intl.NumberFormat('en', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits)
}

/** Minor units written as major ones, without a float: `minorToText(499, 'EUR')` is "4.99". */
export function minorToText(minor: number, currency: string): string {
  const digits = currencyDigits(currency)
  if (digits === 0) return String(minor)
  const s = String(minor).padStart(digits + 1, '0')
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`
}

/**
 * A price typed in the currency's major unit ("4.99" euros) as minor units (499), exactly (no float in between);
 * null when it is not a number with at most the currency's decimals.
 */
export function parsePrice(text: string, currency: string): number | null {
  const digits = currencyDigits(currency)
  const m = /^([0-9]{1,12})(?:\.([0-9]+))?$/.exec(text.trim())
  if (!m || (m[2] !== undefined && m[2].length > digits)) return null
  const n = Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || '0')
  return Number.isSafeInteger(n) ? n : null
}

export const MAX_COINS = 10_000_000
/** Stripe's largest amount is 99,999,999 minor units. */
export const MAX_PRICE = 99_999_999

const currency = z
  .string({ error: 'Give a currency code such as EUR.' })
  .trim()
  .toUpperCase()
  .refine((c) => /^[A-Z]{3}$/.test(c) && CURRENCIES.has(c), { error: 'Give a currency code such as EUR, USD or GBP.' })

/** A pack as the operator's form sends it: the price in the currency's major unit ("4.99"). */
export const packInput = z
  .object({
    coins: wholeNumber('Coins', 1, MAX_COINS),
    currency,
    price: z.string({ error: 'Give a price such as 4.99.' }),
    position: z.union([z.literal(''), wholeNumber('The order', 0, 1_000_000)]).optional().transform((v) => (typeof v === 'number' ? v : 0)),
    active: z.union([z.boolean(), z.literal('on'), z.literal('')]).optional().transform((v) => v === true || v === 'on'),
  })
  .transform((v, ctx) => {
    const price = parsePrice(v.price, v.currency)
    const digits = currencyDigits(v.currency)
    if (price === null) ctx.addIssue({ code: 'custom', path: ['price'], message: `Give the price in ${v.currency} with at most ${digits} decimal${digits === 1 ? '' : 's'}, such as ${minorToText(499 * 10 ** Math.max(0, digits - 2), v.currency)}.` })
    else if (price < 1 || price > MAX_PRICE) ctx.addIssue({ code: 'custom', path: ['price'], message: `The price must be more than 0 and at most ${minorToText(MAX_PRICE, v.currency)}.` })
    return { coins: v.coins, currency: v.currency, price: price ?? 0, position: v.position, active: v.active }
  })
export type PackInput = z.output<typeof packInput>

/** A pack as the API sends it: the price in minor units (`499` for €4.99), as every amount of the API. */
export const packApiInput = z.object({
  coins: wholeNumber('Coins', 1, MAX_COINS),
  price: wholeNumber('The price (in minor units, 499 for 4.99)', 1, MAX_PRICE),
  currency,
  position: wholeNumber('The order', 0, 1_000_000).optional().transform((v) => v ?? 0),
  active: z.boolean({ error: 'active is true or false.' }).optional().transform((v) => v ?? true),
}) satisfies z.ZodType<PackInput, unknown>

/** The operator's list of purchases: by status and gateway. */
export const staffListInput = z.object({
  status: z.enum(PURCHASE_STATUSES, { error: `Choose a status: ${PURCHASE_STATUSES.join(', ')}.` }).optional(),
  gateway: z.enum(GATEWAY_IDS, { error: 'Choose a gateway: stripe or manual.' }).optional(),
})

/** A member asks to buy a pack, through one gateway. */
export const purchaseInput = z.object({
  pack_id: wholeNumber('The pack', 1, Number.MAX_SAFE_INTEGER),
  gateway: z.enum(GATEWAY_IDS, { error: 'Choose how to pay: stripe (card) or manual (bank transfer).' }),
})
export type PurchaseInput = z.output<typeof purchaseInput>

/** The bank's own reference for a transfer the operator saw arrive: printable, at most 100 characters. */
const paymentRef = z
  .string({ error: 'Give the bank transfer’s reference.' })
  .trim()
  .min(1, { error: 'Give the bank transfer’s reference.' })
  .max(100, { error: 'The reference is at most 100 characters.' })
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { error: 'The reference may not hold control characters.' })

const note = z.string().trim().max(500, { error: 'The note is at most 500 characters.' }).optional().transform((v) => v ?? '')

/** The operator confirms a member's bank transfer request. */
export const confirmInput = z.object({ payment_ref: paymentRef, note })

/** The operator grants a pack to a member who paid by bank transfer without asking on the site first. */
export const grantInput = z.object({
  username: z.string({ error: 'Give the member’s username.' }).trim().min(1, { error: 'Give the member’s username.' }).max(40).transform((u) => u.replace(/^@/, '')),
  pack_id: wholeNumber('The pack', 1, Number.MAX_SAFE_INTEGER),
  payment_ref: paymentRef,
  note,
})
export type GrantInput = z.output<typeof grantInput>

/** The operator gives a bank transfer's money back (or finds it never came): the coins are taken back. */
export const reversalInput = z.object({ note: z.string({ error: 'Say why.' }).trim().min(1, { error: 'Say why, for the member’s receipt.' }).max(500, { error: 'The note is at most 500 characters.' }) })
