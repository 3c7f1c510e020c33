// The notifications folder as a core module: its pages and API, the unread count in the navigation, and upkeep.
import type { CoreModule } from '../module.js'
import { notificationsRoutes } from './routes.js'
import { wireNotifications } from './wire.js'

export const notificationsModule: CoreModule = { name: 'notifications', wire: wireNotifications, pages: notificationsRoutes }
