// Serves files from one folder under a URL prefix: no path escapes, content types, ETags, and text files gzipped
// for clients that accept it (compressed once per file version and kept in memory).
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { extname, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
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

/** Types worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.css', '.js', '.mjs', '.json', '.svg', '.txt', '.map'])
/** Gzipped text files by path, with the ETag of the version they were made from. A few hundred KB in all. */
const gzipped = new Map<string, { etag: string; body: Buffer }>()

function gzipOf(file: string, etag: string): Buffer {
  const hit = gzipped.get(file)
  if (hit?.etag === etag) return hit.body
  const body = gzipSync(readFileSync(file), { level: 9 })
  gzipped.set(file, { etag, body })
  return body
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
    const version = `${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}`
    const compressible = COMPRESSIBLE.has(extname(file).toLowerCase())
    const gzip = compressible && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')
    // Each encoding has its own validator, so a cache never answers one with the other.
    const etag = `W/"${version}${gzip ? '-gz' : ''}"`
    c.header('ETag', etag)
    c.header('Cache-Control', `public, max-age=${options.maxAge ?? 3600}`)
    if (compressible) c.header('Vary', 'Accept-Encoding')
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    c.header('Content-Type', type)
    if (gzip) {
      const body = gzipOf(file, version)
      c.header('Content-Encoding', 'gzip')
      c.header('Content-Length', String(body.length))
      if (c.req.method === 'HEAD') return c.body(null, 200)
      return c.body(new Uint8Array(body), 200)
    }
    c.header('Content-Length', String(stat.size))
    if (c.req.method === 'HEAD') return c.body(null, 200)
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200)
  }
}
