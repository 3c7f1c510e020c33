// The safety folder as a core module: the blocks, mutes, privacy and content filters API, and the filters page.
import type { CoreModule } from '../module.js'
import { safetyApi } from './api.js'
import { filtersPages } from './pages.js'

export const safetyModule: CoreModule = { name: 'safety', api: safetyApi, pages: filtersPages }
