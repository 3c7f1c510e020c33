// Puts notifications on every page (the navigation item with its unread count, the live script) and keeps
// the table small. Called once from createHearth; calling it again changes nothing.
import type { Services } from '../services.js'

const wired = new WeakSet<object>()

/** How long read notifications are kept. */
export const KEEP_READ_DAYS = 90

/** The label of the navigation item for an unread count (the page script writes the same). */
export const navLabel = (unread: number) => (unread > 0 ? `Notifications (${unread})` : 'Notifications')

export function wireNotifications(s: Services): void {
  const { ui, hooks, notifications, scheduler, log } = s
  if (wired.has(notifications)) return
  wired.add(notifications)

  // The "Activity" tab of the tab bar (issue 14); its badge is the unread count.
  ui.addNav({ id: 'notifications', label: navLabel(0), href: '/notifications', audience: 'members', order: 35, owner: 'core', placement: 'primary', priority: 70, icon: 'heart' })
  hooks.on('filter:ui.nav-items', async (items, { viewer }) => {
    if (!viewer || !items.some((i) => i.id === 'notifications')) return items
    const unread = await notifications.unreadCount(viewer.id)
    return unread ? items.map((i) => (i.id === 'notifications' ? { ...i, label: navLabel(unread), badge: unread } : i)) : items
  })
  scheduler.add('core', '41 4 * * *', 'purge-read-notifications', async () => {
    const n = await notifications.purgeRead(new Date(Date.now() - KEEP_READ_DAYS * 86_400_000))
    if (n) log.info({ removed: n }, 'old read notifications purged')
  })
  // In the footer slot so that every theme's layout carries it (CSP allows only same-site script files).
  ui.addSlot('layout.footer', 'core', ({ viewer }) => (viewer ? <script src="/static/notifications.js" defer></script> : null))
}
