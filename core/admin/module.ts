// The admin folder as a core module: core's console sections registered once, every section's routes (core's and
// plugins') mounted behind their permissions, the rollup job, and the warning a member reads on their next visit.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { CORE_SECTIONS } from './sections/index.js'
import { BACKUP_JOB } from './backups.js'
import { wireRollups } from './rollup.js'
import { seoRoutes } from './seo.js'
import { shareImagesOf } from './share-image.js'
import { countUnseenWarnings } from './members.js'
import { warningGate, warningsPages } from './warnings.js'

export const adminModule: CoreModule = {
  name: 'admin',
  wire(s) {
    nav(s, [['admin', 'Admin', '/admin', 'staff', 95, { icon: 'wrench' }]])
    for (const section of CORE_SECTIONS) s.admin.addSection('core', section(s))
    // Pages without a preview image of their own show the site's (uploaded, else drawn).
    s.render.useSiteImage((base, siteName) => shareImagesOf(s).meta(base, siteName))
    wireRollups(s)
    countUnseenWarnings(s.db, s.hooks)
    // A suspension for a period lifts by itself within a minute of its end (audited as automatic).
    // Backups: the job that makes one (asked by the console, the API or the schedule), and the schedule's check.
    s.queue.define<{ actorId: number | null }>(BACKUP_JOB, async ({ actorId }) => void (await s.backups.run(actorId)), { concurrency: 1, maxAttempts: 2 })
    s.scheduler.add('core', '* * * * *', 'backup-schedule', async () => {
      if (await s.backups.due()) await s.backups.enqueue(null)
    })
    // The usage counts of finished minutes go to request_stats (core/admin/usage.ts).
    s.scheduler.add('core', '* * * * *', 'usage-flush', async () => void (await s.usage.flush(s.db)))
    s.scheduler.add('core', '* * * * *', 'lift-ended-suspensions', async () => void (await s.users.liftEndedSuspensions()))
  },
  middleware: () => warningGate(),
  pages: (s) => {
    const app = warningsPages(s)
    app.route('/', seoRoutes(s))
    app.route('/', s.admin.app())
    return app
  },
}
