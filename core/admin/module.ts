// The admin folder as a core module: the admin pages.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { adminPages } from './pages.js'

export const adminModule: CoreModule = { name: 'admin', wire: (s) => nav(s, [['admin', 'Admin', '/admin', 'admins', 95, { icon: 'wrench' }]]), pages: adminPages }
