// The manual gateway: a member asks for a pack and pays by bank transfer with a reference; the operator grants the
// coins when the money arrives (the coins page or its admin page), once per bank reference.
import { randomInt } from 'node:crypto'
import type { CoinsContext } from '../plugin.js'
import type { Gateway } from './types.js'

/** Letters and digits that cannot be misread for one another on a bank statement (no 0/O, 1/I/L, U). */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A reference for a member's bank transfer: `HC-7K3M-Q9PX` (30^8: guessing another's is hopeless, and it is not a secret). */
export function transferReference(): string {
  let s = ''
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)]
  return `HC-${s.slice(0, 4)}-${s.slice(4)}`
}

export function manualGateway(ctx: CoinsContext): Gateway {
  return {
    id: 'manual',
    label: 'Bank transfer',
    async problem() {
      if (!(await ctx.settings.get('manual_enabled'))) return 'Bank transfers are turned off in the coins settings.'
      if (!(await ctx.settings.get('manual_instructions')).trim()) return 'Bank transfers have no instructions (the account to pay into) in the coins settings.'
      return null
    },
    async begin() {
      return { reference: transferReference(), redirect: null, resumeUrl: null }
    },
  }
}
