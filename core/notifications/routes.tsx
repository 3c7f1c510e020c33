// Notification pages and API: the grouped list, marking read, the unread count, preferences, and the activity log.
import { Hono, type Context } from 'hono'
import { jsonBody } from '../http/json.js'
import { SettingsShell } from '../auth/pages.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { requireMember } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import type { Services } from '../services.js'
import { parse } from '../validation.js'
import { readInput, type FollowBack } from './service.js'
import { notFound } from '../errors.js'
import { ActivityItems, ActivityPage, FollowBackButton, NotificationItem, NotificationItems, NotificationSettings, NotificationsPage } from './views.js'

export function notificationsRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { notifications, render, ui } = s
  const me = (c: Context<AppEnv>) => c.get('viewer')!.id
  const page = (c: Context<AppEnv>) => ({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) })
  const more = (c: Context<AppEnv>) => !!c.req.header('hx-request') && !!c.req.query('cursor')

  for (const path of ['/notifications', '/notifications/*', '/activity', '/api/v1/notifications', '/api/v1/notifications/*', '/api/v1/users/me/activity']) app.use(path, requireMember)

  // Opening the list marks what it shows as read (before the layout counts what is left); those entries
  // still say "new" this once.
  app.get('/notifications', async (c) => {
    const list = await notifications.list(me(c), page(c))
    await notifications.markRead(me(c), list.items.filter((n) => !n.read).map((n) => n.id))
    if (more(c)) return render.partial(c, <NotificationItems items={list.items} next={list.nextCursor} csrfToken={c.get('csrfToken')} />)
    return render.page(c, { title: 'Notifications' }, <NotificationsPage csrfToken={c.get('csrfToken')} items={list.items} next={list.nextCursor} paged={!!c.req.query('cursor')} />)
  })
  app.post('/notifications/read', async (c) => {
    await notifications.markRead(me(c))
    flash(c, 'ok', 'All caught up.')
    return c.redirect('/notifications', 303)
  })

  // One entry as the list shows it (the live script puts it on top when it arrives); does not mark it read.
  app.get('/notifications/entries/:id', async (c) => {
    const id = Number(c.req.param('id'))
    const [entry] = Number.isSafeInteger(id) && id > 0 ? (await notifications.list(me(c), { batchIds: [id], limit: 1 })).items : []
    if (!entry) throw notFound('That notification')
    return render.partial(c, <NotificationItem n={entry} csrfToken={c.get('csrfToken')} />)
  })

  // Follow back from a follow notification: a plain form comes back to the list; htmx swaps the button for its new state.
  app.post('/notifications/follow/:username', async (c) => {
    const username = c.req.param('username')
    const r = await attempt(() => s.social.follow(me(c), username))
    if (c.req.header('hx-request')) {
      const follow: FollowBack = { username, is_private: false, relationship: r.ok ? r.value : 'none' }
      return render.partial(c, <FollowBackButton follow={follow} csrfToken={c.get('csrfToken')} message={r.ok ? undefined : r.problem.message} />)
    }
    if (!r.ok) flash(c, 'error', r.problem.message)
    else if (r.value === 'requested') flash(c, 'info', `Request sent. @${username} decides.`)
    return c.redirect('/notifications', 303)
  })

  // ---- Preferences: one checkbox per type, core and plugins'. An unticked box is not sent, so every type is set.
  const settingsPage = async (c: Context<AppEnv>, problem?: FormProblem) =>
    render.page(
      c,
      { title: 'Notification settings', status: (problem?.status ?? 200) as 200 },
      <SettingsShell active="notifications" panels={ui.settingsPanels}>
        <NotificationSettings csrfToken={c.get('csrfToken')} preferences={await notifications.preferences(me(c))} message={problem?.message} />
      </SettingsShell>,
    )
  app.get('/settings/notifications', requireMember, (c) => settingsPage(c))
  app.post('/settings/notifications', requireMember, async (c) => {
    const form = await formFields(c)
    const r = await attempt(async () => notifications.setPreferences(me(c), Object.fromEntries((await notifications.preferences(me(c))).map((t) => [t.type, form[t.type] === 'on']))))
    if (!r.ok) return settingsPage(c, r.problem)
    flash(c, 'ok', 'Your notification settings are saved.')
    return c.redirect('/settings/notifications', 303)
  })

  app.get('/activity', async (c) => {
    const list = await notifications.activity(me(c), page(c))
    if (more(c)) return render.partial(c, <ActivityItems items={list.items} next={list.nextCursor} />)
    return render.page(c, { title: 'Your activity' }, <ActivityPage items={list.items} next={list.nextCursor} paged={!!c.req.query('cursor')} />)
  })

  app.get('/api/v1/notifications', async (c) => {
    const unread = c.req.query('unread')
    return paginated(c, await notifications.list(me(c), { ...page(c), unread: unread === '1' || unread === 'true' }))
  })
  app.get('/api/v1/notifications/unread-count', async (c) => ok(c, { unread: await notifications.unreadCount(me(c)) }))
  app.post('/api/v1/notifications/read', async (c) => {
    // No body (or `{}`) marks everything read; anything else must be JSON.
    const json = (c.req.header('content-type') ?? '').startsWith('application/json')
    const { ids } = parse(readInput, json || (await c.req.text()).trim() ? await jsonBody(c) : {})
    const marked = await notifications.markRead(me(c), ids)
    return ok(c, { marked, unread: await notifications.unreadCount(me(c)) })
  })
  app.get('/api/v1/notifications/preferences', async (c) => ok(c, await notifications.preferences(me(c))))
  app.put('/api/v1/notifications/preferences', async (c) => ok(c, await notifications.setPreferences(me(c), await jsonBody(c))))

  app.get('/api/v1/users/me/activity', async (c) => paginated(c, await notifications.activity(me(c), page(c))))
  return app
}
