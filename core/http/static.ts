// Serves files from one folder under a URL prefix: no path escapes, content types, ETags.
import { createReadStream, statSync } from 'node:fs'
import { extname, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import type { MiddlewareHandler } from 'hono'
import { notFound } from '../errors.js'
import type { AppEnv } from './env.js'

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
}

/** Serve `root` at `prefix` (which ends with "/"). Dotfiles and unknown types are not served. */
export function serveFolder(root: string, prefix: string, options: { maxAge?: number } = {}): MiddlewareHandler<AppEnv> {
  const base = resolve(root)
  return async function serveFolder(c) {
    let rel: string
    try {
      rel = decodeURIComponent(c.req.path.slice(prefix.length))
    } catch {
      throw notFound('That file')
    }
    const file = resolve(base, rel)
    const type = TYPES[extname(file).toLowerCase()]
    if (!file.startsWith(base + sep) || rel.split('/').some((p) => p.startsWith('.')) || !type) throw notFound('That file')
    let stat
    try {
      stat = statSync(file)
    } catch {
      throw notFound('That file')
    }
    if (!stat.isFile()) throw notFound('That file')
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`
    c.header('ETag', etag)
    c.header('Cache-Control', `public, max-age=${options.maxAge ?? 3600}`)
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    c.header('Content-Type', type)
    c.header('Content-Length', String(stat.size))
    if (c.req.method === 'HEAD') return c.body(null, 200)
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200)
  }
}
