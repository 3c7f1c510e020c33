// Which URL prefixes a plugin's routes may use: its own defaults plus those its manifest declares, never core's or another plugin's.

/**
 * Core's URL prefixes: each owns its whole subtree (`/u` owns `/u/ana/followers`). A test checks that every route
 * core mounts falls under one, so a new core route cannot slip past the plugins' check.
 */
export const CORE_PREFIXES = [
  '/about', '/activity', '/admin', '/announcements', '/app-icon', '/appeals', '/appearance', '/bookmarks', '/c', '/collections', '/comments', '/compose', '/email', '/explore', '/favicon.ico',
  '/follow-requests', '/healthz', '/legal', '/login', '/logout', '/manifest.webmanifest', '/media', '/moderation', '/notifications', '/offline', '/p', '/password', '/privacy', '/register',
  '/report', '/robots.txt', '/rules', '/search', '/settings', '/setup', '/sitemap.xml', '/static', '/suggestions', '/sw.js', '/tags', '/terms', '/theme', '/u', '/view-as', '/warnings', '/welcome',
  '/api/v1/admin', '/api/v1/collections', '/api/v1/comments', '/api/v1/feed', '/api/v1/hashtags', '/api/v1/media',
  '/api/v1/announcements', '/api/v1/appeals', '/api/v1/legal', '/api/v1/notifications', '/api/v1/onboarding', '/api/v1/posts', '/api/v1/push', '/api/v1/reports', '/api/v1/search', '/api/v1/trending', '/api/v1/users',
  '/api/v1/verification',
  '/api/v1/categories', '/api/v1/interests', '/og-image',
  // Between the nodes of a LiteFS cluster (core/replication): media files and realtime publishes, signed.
  '/_hearth', '/internal',
] as const

/** Paths shared out to plugins: core answers at them but a plugin's prefix may be below them (`/api/v1/NAME`), never them. */
export const SHARED_ROOTS = ['/', '/api', '/api/v1', '/plugins', '/realtime'] as const

const PREFIX = /^(\/[a-z0-9][a-z0-9._~-]*)+$/

/** Whether `path` is `prefix` or below it (`/meet/live` is below `/meet`; `/meeting` is not). */
export const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(prefix + '/')

/** Whether two prefixes overlap: one is the other or below it. */
export const overlap = (a: string, b: string): boolean => under(a, b) || under(b, a)

/** The prefixes a plugin may use: `/NAME`, `/api/v1/NAME`, `/plugins/NAME`, `/realtime/NAME`, and what its manifest adds. */
export function prefixesOf(name: string, declared: readonly string[] = []): string[] {
  return [...new Set([`/${name}`, `/api/v1/${name}`, `/plugins/${name}`, `/realtime/${name}`, ...declared])]
}

/** Why a plugin may not have these prefixes, or null: a malformed one, one of core's, or another plugin's namespace. */
export function prefixProblem(name: string, prefixes: readonly string[]): string | null {
  for (const p of prefixes) {
    if (!PREFIX.test(p)) return `the route prefix "${p}" must be a path of lowercase words, like "/meet" (no parameters, no trailing slash)`
    if (SHARED_ROOTS.some((r) => under(r, p))) return `the route prefix "${p}" would take all of "${SHARED_ROOTS.find((r) => under(r, p))}", which core shares out`
    const core = CORE_PREFIXES.find((c) => overlap(p, c))
    if (core) return `the route prefix "${p}" collides with core's "${core}"`
    for (const ns of ['/plugins', '/realtime'] as const) {
      if (under(p, ns) && !under(p, `${ns}/${name}`)) return `the route prefix "${p}" is another plugin's (${ns}/NAME belongs to the plugin NAME)`
    }
  }
  return null
}

/** The routes (as Hono lists them) outside every prefix: middleware on `*` counts, since it would run on core's pages too. */
export function routesOutside(routes: readonly { method: string; path: string }[], prefixes: readonly string[]): string[] {
  const out = routes.filter((r) => !prefixes.some((p) => under(r.path, p) || r.path === `${p}/*` || r.path === `${p}*`))
  return [...new Set(out.map((r) => `${r.method === 'ALL' ? 'ALL' : r.method} ${r.path}`))]
}
