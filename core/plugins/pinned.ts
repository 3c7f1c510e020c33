// Which paths the main thread serves when Hearth runs on several threads (besides every write), and a LiteFS
// primary serves for its replicas: those whose state lives in its memory.
import type { Services } from '../services.js'
import { prefixesOf, under } from './prefixes.js'

/**
 * Core's own: the realtime sockets; the operators' console (its figures count sockets and plugins' in-memory state);
 * the report form, which asks the reported thing's plugin to describe it (a live stream's service, say).
 */
export const CORE_MAIN_THREAD = ['/realtime', '/admin', '/api/v1/admin', '/report', '/api/v1/reports'] as const

/**
 * Core's, and every prefix of each plugin that did not declare `threads: 'any'` in its manifest: a plugin written
 * for one process (a matchmaker, a live stream's ingest, calls in memory) keeps working unchanged.
 */
export function mainThreadPrefixes(s: Pick<Services, 'plugins'>): string[] {
  const out: string[] = [...CORE_MAIN_THREAD]
  for (const [name, plugin] of s.plugins.loaded) {
    const m = plugin.definition.manifest
    if (m.threads !== 'any') out.push(...prefixesOf(name, m.routePrefixes))
  }
  return out
}

/** Whether a request path is served by the main thread (a prefix or below it; the query is ignored). */
export function pinnedPath(prefixes: readonly string[]): (url: string) => boolean {
  return (url) => {
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    return prefixes.some((p) => under(path, p))
  }
}
