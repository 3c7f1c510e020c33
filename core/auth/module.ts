// The auth folder as a core module: sign-up, log-in, account settings, the session API and its upkeep.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { usersApi } from './api.js'
import { authPages } from './pages.js'
import { purgeExpiredSessions } from '../users/sessions.js'

export const authModule: CoreModule = {
  name: 'auth',
  wire(s) {
    nav(s, [
      ['settings', 'Settings', '/settings/account', 'members', 90, { icon: 'settings' }],
      ['login', 'Log in', '/login', 'guests', 90, { placement: 'primary', priority: 60, icon: 'log-in' }],
      ['register', 'Join', '/register', 'guests', 95, { placement: 'primary', priority: 50, icon: 'user-plus' }],
    ])
    s.scheduler.add('core', '17 * * * *', 'purge-expired-sessions', async () => {
      const n = await purgeExpiredSessions(s.db)
      if (n) s.log.info({ removed: n }, 'expired sessions purged')
      await s.auth.passkeys.purgeExpiredChallenges()
    })
  },
  pages: authPages,
  api: usersApi,
}
