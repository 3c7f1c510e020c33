// Buying coins: packs the operator prices, payment gateways, the wallet. (Being built: issue 17.)
import type { CoinsContext } from './plugin.js'

export function registerPurchases(_ctx: CoinsContext): void {}
