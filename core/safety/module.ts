// The safety folder as a core module: the blocks, mutes and privacy API.
import type { CoreModule } from '../module.js'
import { safetyApi } from './api.js'

export const safetyModule: CoreModule = { name: 'safety', api: safetyApi }
