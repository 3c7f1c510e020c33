// Route paths as regular expressions, for the upload limits (body.ts) and the paths plugins pin to the main thread or
// the primary (core/plugins/pinned.ts).

/**
 * A route path as the source of a regular expression matching whole paths: `:name` is one segment, a trailing `/*`
 * the path and everything below it (`/live/:id/hls/*` matches `/live/7/hls` and `/live/7/hls/seg1.ts`).
 */
export function routePatternSource(path: string): string {
  const below = path.endsWith('/*')
  const segments = (below ? path.slice(0, -2) : path).split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&')))
  return `${segments.join('/')}${below ? '(?:/.*)?' : ''}`
}
