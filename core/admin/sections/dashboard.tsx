// The console's front page: figures and charts over time (filled in step 3).
import { VERSION } from '../../version.js'
import type { Services } from '../../services.js'
import type { AdminSection } from '../registry.js'
import { pendingRestart, RestartNotice } from './plugins.js'

export function dashboardSection(s: Services): AdminSection {
  const { admin, users, plugins, ui } = s
  return {
    id: 'dashboard',
    label: 'Dashboard',
    icon: 'layout-dashboard',
    order: 0,
    need: 'staff',
    pages(r) {
      r.get('/', async (c) => {
        const statuses = await plugins.status()
        const viewer = c.get('viewer')!
        return admin.page(
          c,
          { title: 'Dashboard' },
          <>
            <RestartNotice pending={pendingRestart(statuses)} />
            <section class="card">
              <p>
                <strong>{await users.count()}</strong> members · <strong>{statuses.filter((p) => p.loaded).length}</strong> plugins running ·{' '}
                <strong>{s.realtime.onlineCount()}</strong> members online now
              </p>
              <p class="muted">
                Hearth {VERSION} · Node {process.version}
              </p>
            </section>
            {await ui.renderSlot('admin.overview', { viewer })}
          </>,
        )
      })
    },
  }
}
