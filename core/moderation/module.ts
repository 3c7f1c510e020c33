// The moderation folder as a core module: reporting, the moderation queue and its API.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { moderationRoutes } from './routes.js'

export const moderationModule: CoreModule = { name: 'moderation', wire: (s) => nav(s, [['moderation', 'Moderation', '/moderation', 'staff', 94, { icon: 'shield' }]]), pages: moderationRoutes }
