// The moderation folder as a core module: reporting, appeals, and the job that deletes what removals kept once it
// can no longer be appealed. The queue itself is a console section (core/admin/sections/reports.tsx).
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { moderationRoutes } from './routes.js'

export const moderationModule: CoreModule = {
  name: 'moderation',
  wire(s) {
    nav(s, [['moderation', 'Moderation', '/admin/reports', 'staff', 94, { icon: 'shield' }]])
    s.scheduler.add('core', '17 * * * *', 'purge-removed-content', async () => void (await s.appeals.purgeExpired()))
  },
  pages: moderationRoutes,
}
