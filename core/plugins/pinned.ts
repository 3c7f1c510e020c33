// Which paths the main thread serves when Hearth runs on several threads (besides every write), and a LiteFS
// primary serves for its replicas: those whose state lives in its memory or on its disk.
import type { Services } from '../services.js'
import { routePatternSource } from '../http/route-pattern.js'
import { prefixesOf, under } from './prefixes.js'

/**
 * Core's own: the realtime sockets; the operators' console (its figures count sockets and plugins' in-memory state);
 * the report form, which asks the reported thing's plugin to describe it (a live stream's service, say).
 */
export const CORE_MAIN_THREAD = ['/realtime', '/admin', '/api/v1/admin', '/report', '/api/v1/reports'] as const

/** What the one owner serves even for reads: whole prefixes, and route paths plugins declared (`ctx.http.primaryOnly`). */
export interface MainThreadPaths {
  prefixes: string[]
  /** Route paths: `:name` matches one segment, a trailing `/*` the path and everything below it. */
  patterns: string[]
}

/**
 * Core's prefixes, every prefix of each plugin that did not declare `threads: 'any'` in its manifest (a plugin written
 * for one process, a matchmaker or a live stream's ingest, keeps working unchanged), and the paths a `threads: 'any'`
 * plugin declared with `ctx.http.primaryOnly` (its files in `ctx.dataDir`, say).
 */
export function mainThreadPaths(s: Pick<Services, 'plugins'>): MainThreadPaths {
  const prefixes: string[] = [...CORE_MAIN_THREAD]
  const patterns: string[] = []
  for (const [name, plugin] of s.plugins.loaded) {
    const m = plugin.definition.manifest
    if (m.threads !== 'any') prefixes.push(...prefixesOf(name, m.routePrefixes))
    else patterns.push(...plugin.primaryOnly)
  }
  return { prefixes, patterns }
}

/**
 * Whether a request path (its query ignored) is served by the main thread: under a prefix, or matching a declared
 * path. Called for every read on a worker thread or a replica: a few string comparisons and at most one regular
 * expression, compiled once.
 */
export function pinnedPath({ prefixes, patterns }: MainThreadPaths): (url: string) => boolean {
  const declared = patterns.length ? new RegExp(`^(?:${patterns.map(routePatternSource).join('|')})$`) : null
  return (url) => {
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    return prefixes.some((p) => under(path, p)) || (declared !== null && declared.test(path))
  }
}
