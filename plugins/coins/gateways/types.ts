// The payment gateway interface: how a purchase starts with one gateway. How it ends (coins credited) is the
// gateway's own path: Stripe's signed webhook, or the operator confirming a bank transfer.
import type { GatewayId, PurchaseRow } from '../purchases-tables.js'

/** What a gateway needs to start collecting a purchase's money. */
export interface BeginInput {
  purchase: PurchaseRow
  /** What the member buys, as their bank statement or Stripe's page should name it ("500 coins"). */
  label: string
  /** The site's address, for the pages a gateway sends the member back to (`https://example.org`). */
  baseUrl: string
}

/** Where the purchase went: the gateway's reference for it, and where to send the member next (null: the purchase's page). */
export interface Begun {
  reference: string
  redirect: string | null
  /** A page the member may come back to to finish paying (Stripe's Checkout page), kept with the purchase. */
  resumeUrl: string | null
}

/**
 * A way to pay for coins.
 * @example const begun = await gateway.begin({ purchase, label: '500 coins', baseUrl })
 */
export interface Gateway {
  readonly id: GatewayId
  /** How members see it: "Card" or "Bank transfer". */
  readonly label: string
  /** Null when members may pay this way now; else a sentence for the operator saying what is missing. */
  problem(): Promise<string | null>
  /** Start paying: throws when the gateway could not be reached (the purchase is then marked failed). */
  begin(input: BeginInput): Promise<Begun>
  /**
   * Ask the gateway to give a paid purchase's money back, all that is not refunded yet. The coins are not touched
   * here: they follow from the gateway's own confirmation (Stripe's `charge.refunded`), as a credit does.
   * Absent: the operator returns the money themselves (a bank transfer) and reverses the purchase.
   */
  refund?(purchase: PurchaseRow): Promise<void>
}
