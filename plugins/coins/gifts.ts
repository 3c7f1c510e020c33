// Spending and earning coins: the gift catalog, gifts with the platform's commission, holds, withdrawals. (Being built: issue 17.)
import type { CoinsContext } from './plugin.js'

export function registerGifts(_ctx: CoinsContext): void {}
