// The search folder as a core module: the search page and API.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { searchRoutes } from './routes.js'

export const searchModule: CoreModule = { name: 'search', wire: (s) => nav(s, [['search', 'Search', '/search', 'everyone', 25, { icon: 'search' }]]), pages: searchRoutes }
