// The shape every core feature folder exposes to the composition root (core/app.ts): like a plugin, a name, its wiring and its routes.
import type { Hono, MiddlewareHandler } from 'hono'
import type { AppEnv } from './http/env.js'
import type { Services } from './services.js'
import type { NavItem } from './hooks/types.js'

/**
 * One core feature folder, as core/app.ts sees it. `wire` runs once after every service exists (hooks, jobs,
 * schedules, navigation: the folder's own rules); `pages` is mounted at `/` (pages, and any API routes the
 * folder keeps beside them), `api` at `/api/v1`. Modules are mounted in the order of CORE_MODULES, pages of
 * every module before any module's API; overlapping patterns must not depend on that order (a catch-all
 * falls through with `next()`), which core/routes.test.ts checks.
 * @example export const searchModule: CoreModule = { name: 'search', wire: (s) => nav(s, [['search', 'Search', '/search', 'everyone', 25]]), pages: searchRoutes }
 */
export interface CoreModule {
  name: string
  wire?(s: Services): void
  /** Middleware for every request after the viewer is known and the body checked (before any route): rare, keep it cheap. */
  middleware?(s: Services): MiddlewareHandler<AppEnv>
  pages?(s: Services): Hono<AppEnv>
  api?(s: Services): Hono<AppEnv>
}

/** Where a core item goes in the navigation model (core/views/nav.ts): its placement, priority and icon. */
export type NavWhere = Pick<NavItem, 'placement' | 'priority' | 'icon'>

/**
 * Core's navigation items, each added by the module whose page it links to. The tab bar's entries (issue 14) take
 * priorities 100 (Home) to 60 (Profile; Log in for guests); the rest wait in "More".
 */
export function nav(s: Services, items: [id: string, label: string, href: string, audience: NavItem['audience'], order: number, where?: NavWhere][]): void {
  for (const [id, label, href, audience, order, where] of items) s.ui.addNav({ id, label, href, audience, order, owner: 'core', ...where })
}
