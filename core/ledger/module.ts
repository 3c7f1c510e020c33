// The ledger as a core module: pending transfers whose timeout passed are voided every minute.
import type { CoreModule } from '../module.js'

export const ledgerModule: CoreModule = {
  name: 'ledger',
  wire(s) {
    s.scheduler.add('core', '23 * * * * *', 'expire-pending-transfers', async () => {
      const n = await s.ledger.expirePending()
      if (n) s.log.info({ voided: n }, 'pending transfers timed out')
    })
  },
}
