// The social folder as a core module: profiles, follows and their API.
import { nav, type CoreModule } from '../module.js'
import { socialApi } from './api.js'
import { socialPages } from './pages.js'

export const socialModule: CoreModule = {
  name: 'social',
  // `{me}` is the viewer's username: the member's own profile (guests do not get the item).
  wire: (s) => nav(s, [['profile', 'Profile', '/u/{me}', 'members', 50, { placement: 'primary', priority: 60, icon: 'user' }]]),
  pages: socialPages,
  api: socialApi,
}
