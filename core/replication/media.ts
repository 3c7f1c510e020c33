// Media on replicas (docs/operators.md, "Replicas with LiteFS"): LiteFS replicates the database, never the media
// folder. With shared storage (HEARTH_MEDIA_SHARED=1) every node already sees every file. Otherwise a replica asked for
// a file it lacks, once the route has made the same access check the primary would (from the replicated database),
// fetches it from the primary over a signed internal request, keeps it, and serves it from then on.
import { open, readdir, rm, stat, utimes } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import type { Context } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import type { Logger } from '../logger.js'
import { sendFile, type SendOptions } from '../media/send.js'
import { MediaStorage } from '../media/storage.js'
import type { Replication } from './litefs.js'
import { fresh, sign, signedBy } from './routing.js'

/** The primary's internal endpoint: `/_hearth/media/<path in the media folder>`, for nodes only. */
export const MEDIA_SOURCE_PATH = '/_hearth/media/'
/** `<node> <time> <signature of "media <path> <time>">`: who asks, signed with the instance secret. */
export const NODE_HEADER = 'x-hearth-node'
/** The file's modification time on the primary in milliseconds, kept on the copy so both nodes give the same ETag. */
const MTIME_HEADER = 'x-hearth-mtime'
/** The largest file a replica fetches (a transcoded video is the largest thing in the media folder). */
export const MEDIA_FETCH_MAX_BYTES = 2 * 1024 ** 3
/** How long the primary may take to start answering, and the longest pause between two chunks of the file. */
const FETCH_IDLE_MS = 30_000

/** The viewer may see the file, but it is neither here nor reachable: said as such, not as a missing file. */
const unavailable = () => new AppError(503, 'PRIMARY_UNAVAILABLE', 'This file cannot be loaded just now; try again in a moment.', { retry_after: 2 })
const signedText = (rel: string, at: string) => `media ${rel} ${at}`
/** A path in the media folder as a URL path, and back: always `/`-separated. */
const toUrl = (rel: string) => rel.split(sep).map(encodeURIComponent).join('/')

export interface MediaFetcherOptions {
  replication: Replication
  mediaDir: string
  secret: () => Promise<string>
  log: Logger
  maxBytes?: number
  /** Which of these media items still exist (rows in the replicated database), for the sweep. */
  existing?: (ids: number[]) => Promise<Set<number>>
}

/** How often a replica looks for copies of media items deleted since (the primary deletes its own files at once). */
const SWEEP_MS = 3600_000

/** Fills a replica's media folder from the primary's, one file at a time, as members ask for them. */
export class MediaFetcher {
  private readonly storage: MediaStorage
  /** Files being fetched: a second request for one waits on the first fetch instead of starting its own. */
  private readonly inflight = new Map<string, Promise<boolean>>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly options: MediaFetcherOptions) {
    this.storage = new MediaStorage(options.mediaDir)
  }

  /** Whether this node fetches what it lacks: a LiteFS replica whose media folder is its own. */
  get active(): boolean {
    const r = this.options.replication
    return r.enabled && !r.config.mediaShared && r.role.role === 'replica'
  }

  /**
   * Make sure a file of the media folder is here: a replica that lacks it fetches it from the primary (503 when the
   * primary cannot be reached), a primary from the other nodes it knows. True when the file is here now. Call only
   * after the viewer's access check: this serves whatever it is asked.
   */
  async ensure(path: string): Promise<boolean> {
    if ((await stat(path).catch(() => null))?.isFile()) return true
    const r = this.options.replication
    if (!r.enabled || r.config.mediaShared) return false
    const rel = relative(this.storage.root, path)
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) return false
    let pending = this.inflight.get(rel)
    if (!pending) {
      pending = this.fetch(rel).finally(() => this.inflight.delete(rel))
      this.inflight.set(rel, pending)
    }
    return pending
  }

  /**
   * A byte range of a file this replica lacks, answered from the primary's copy while the whole file is fetched here
   * in the background (a player seeking in a large video does not wait for the copy). Null when this node does not
   * fetch, the primary has no address or no such file, or answers otherwise: the caller then fetches the file whole.
   * Call only after the viewer's access check, as `ensure`.
   */
  async range(path: string, range: string, options: SendOptions): Promise<Response | null> {
    if (!this.active) return null
    const rel = relative(this.storage.root, path)
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) return null
    const url = this.options.replication.primaryUrl()
    if (!url) return null
    // The whole copy, once, for the requests after this one.
    void this.ensure(path).catch(() => {})
    const at = String(Date.now())
    const controller = new AbortController()
    const idle = setTimeout(() => controller.abort(), FETCH_IDLE_MS)
    try {
      const res = await fetch(`${url}${MEDIA_SOURCE_PATH}${toUrl(rel)}`, {
        headers: { [NODE_HEADER]: `${this.options.replication.config.nodeName} ${at} ${sign(await this.options.secret(), signedText(rel, at))}`, range },
        signal: controller.signal,
      })
      if ((res.status !== 206 && res.status !== 200 && res.status !== 416) || (res.status !== 416 && !res.body)) {
        await res.body?.cancel()
        return null
      }
      const headers = new Headers({ 'Content-Type': options.contentType, 'Cache-Control': options.cacheControl, 'Accept-Ranges': 'bytes' })
      for (const name of ['content-range', 'content-length']) {
        const value = res.headers.get(name)
        if (value !== null) headers.set(name, value)
      }
      return new Response(res.status === 416 ? null : res.body, { status: res.status, headers })
    } catch (err) {
      this.options.log.warn({ err, file: rel }, 'replication: a range of a media file could not be read from the primary')
      return null
    } finally {
      clearTimeout(idle)
    }
  }

  /** Sweep every hour while this node is a replica that fetches. */
  start(): void {
    if (this.timer || !this.options.replication.enabled || this.options.replication.config.mediaShared) return
    this.timer = setInterval(() => void this.sweep().catch((err) => this.options.log.warn({ err }, 'replication: sweeping deleted media failed')), SWEEP_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /**
   * Remove this replica's copies of media items whose rows are gone: a photo its owner deleted on the primary leaves
   * no copy behind here. Only the items' folders (`3f/a2/17-640.webp`); plugins' files are the plugins' to remove.
   * Returns how many files went.
   */
  async sweep(): Promise<number> {
    const existing = this.options.existing
    if (!existing || !this.active) return 0
    const byId = new Map<number, string[]>()
    const hex = /^[0-9a-f]{2}$/
    for (const one of (await readdir(this.storage.root).catch(() => [] as string[])).filter((n) => hex.test(n))) {
      for (const two of (await readdir(join(this.storage.root, one)).catch(() => [] as string[])).filter((n) => hex.test(n))) {
        const dir = join(this.storage.root, one, two)
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          const id = Number(/^(\d+)-/.exec(name)?.[1])
          if (Number.isSafeInteger(id) && id > 0) byId.set(id, [...(byId.get(id) ?? []), join(dir, name)])
        }
      }
    }
    const ids = [...byId.keys()]
    let removed = 0
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500)
      const kept = await existing(batch)
      for (const id of batch) {
        if (kept.has(id)) continue
        for (const path of byId.get(id)!) await rm(path, { force: true })
        removed += byId.get(id)!.length
      }
    }
    if (removed) this.options.log.info({ files: removed }, 'replication: removed copies of media deleted on the primary')
    return removed
  }

  private async fetch(rel: string): Promise<boolean> {
    const { replication, log } = this.options
    if (replication.role.role !== 'primary') {
      const url = replication.primaryUrl()
      if (!url) {
        log.warn({ file: rel }, 'replication: a media file is missing here and the primary has no address to fetch it from')
        throw unavailable()
      }
      const got = await this.fetchFrom(url, rel)
      if (got === 'unreachable') throw unavailable()
      return got === 'fetched'
    }
    // The primary lacks a file: the lease moved here from a node that kept its own media folder. The other nodes
    // named in HEARTH_PRIMARY_URLS may have it (each answers from its own folder only, so this never loops).
    for (const [name, url] of replication.config.primaryUrls) {
      if (name !== replication.config.nodeName && (await this.fetchFrom(url, rel)) === 'fetched') return true
    }
    return false
  }

  private async fetchFrom(url: string, rel: string): Promise<'fetched' | 'missing' | 'unreachable'> {
    const { replication, log } = this.options
    const max = this.options.maxBytes ?? MEDIA_FETCH_MAX_BYTES
    const at = String(Date.now())
    const controller = new AbortController()
    const idle = setTimeout(() => controller.abort(), FETCH_IDLE_MS)
    const tmp = this.storage.tempPath('.fetch')
    try {
      const res = await fetch(`${url}${MEDIA_SOURCE_PATH}${toUrl(rel)}`, {
        headers: { [NODE_HEADER]: `${replication.config.nodeName} ${at} ${sign(await this.options.secret(), signedText(rel, at))}` },
        signal: controller.signal,
      })
      if (res.status === 404) {
        await res.body?.cancel()
        log.warn({ file: rel, from: url }, 'replication: a media file missing here is missing there too')
        return 'missing'
      }
      if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`)
      if (Number(res.headers.get('content-length') ?? 0) > max) throw new Error(`the file is larger than ${max} bytes`)
      const file = await open(tmp, 'wx')
      let size = 0
      try {
        for await (const chunk of res.body) {
          idle.refresh()
          size += chunk.byteLength
          if (size > max) throw new Error(`the file is larger than ${max} bytes`)
          await file.write(chunk)
        }
      } finally {
        await file.close()
      }
      const mtime = Number(res.headers.get(MTIME_HEADER))
      if (Number.isFinite(mtime) && mtime > 0) await utimes(tmp, new Date(mtime), new Date(mtime))
      // Renamed into place whole: a reader never sees half a file, and two threads fetching it at once both end well.
      await this.storage.place(tmp, rel)
      log.info({ file: rel, bytes: size, from: url }, 'replication: fetched a media file from another node')
      return 'fetched'
    } catch (err) {
      log.warn({ err, file: rel, from: url }, 'replication: a media file could not be fetched from another node')
      await rm(tmp, { force: true })
      return 'unreachable'
    } finally {
      clearTimeout(idle)
    }
  }
}

/**
 * The primary's side: a file of the media folder for another node of this instance, which signs its request with
 * the instance secret. Anything unsigned is refused; nothing outside the media folder (or in its temporary folder)
 * is served. Only with LiteFS: a single node has no such route.
 */
export function mediaSource(options: Omit<MediaFetcherOptions, 'maxBytes' | 'existing'>) {
  const storage = new MediaStorage(options.mediaDir)
  return async function mediaSource(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
    if (!options.replication.enabled) return next()
    // The path as sent (Hono's own is partly decoded already), each segment decoded once.
    const raw = new URL(c.req.url).pathname.slice(MEDIA_SOURCE_PATH.length)
    let rel: string
    try {
      rel = raw.split('/').map(decodeURIComponent).join(sep)
    } catch {
      throw new AppError(400, 'INVALID_REQUEST', 'That is not a path in the media folder.')
    }
    const [node, at, mac] = (c.req.header(NODE_HEADER) ?? '').split(' ')
    if (!node || !at || !fresh(at) || !signedBy(await options.secret(), signedText(rel, at), mac)) {
      options.log.warn({ ip: c.get('ip'), file: rel }, 'replication: refused an unsigned request for a media file')
      throw new AppError(403, 'FORBIDDEN', 'Only another node of this instance may ask for media files here.')
    }
    let path: string
    try {
      path = storage.abs(rel)
    } catch {
      throw new AppError(404, 'NOT_FOUND', 'That file does not exist.')
    }
    if (path.startsWith(storage.tmp + sep)) throw new AppError(404, 'NOT_FOUND', 'That file does not exist.')
    const s = await stat(path).catch(() => null)
    if (!s?.isFile()) throw new AppError(404, 'NOT_FOUND', 'That file does not exist.')
    c.header(MTIME_HEADER, String(Math.floor(s.mtimeMs)))
    const res = await sendFile(c, path, { contentType: 'application/octet-stream', cacheControl: 'no-store' })
    if (!res) throw new AppError(404, 'NOT_FOUND', 'That file does not exist.')
    return res
  }
}
