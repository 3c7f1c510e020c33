// The social folder as a core module: profiles, follows and their API.
import type { CoreModule } from '../module.js'
import { socialApi } from './api.js'
import { socialPages } from './pages.js'

export const socialModule: CoreModule = { name: 'social', pages: socialPages, api: socialApi }
