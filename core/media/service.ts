// The media service: uploads checked by their bytes, processed by jobs (sharp, ffmpeg), files under data/media.
import { existsSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { Config } from '../config.js'
import type { Db } from '../db/connect.js'
import type { HookRegistry } from '../hooks/registry.js'
import { UnrecoverableJobError, type JobInfo, type JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { SettingsService } from '../settings/service.js'
import { runBound } from '../children.js'
import type { Context } from 'hono'
import type { AppEnv } from '../http/env.js'
import { pluginFiles, type PluginFiles } from './files.js'
import { sendFetched, type RangeOfMissing, type SendOptions } from './send.js'
import { ffmpegPath } from './ffmpeg.js'
import { MediaGrants } from './grants.js'
import { checkImage, KeptPixels, processImage, writePoster, type Decoded } from './images.js'
import { mediaFile, MediaStorage, receive, unsupported, uploadFile, type Received, type UploadLimits } from './storage.js'
import type { MediaInfo } from './types.js'
import type { MediaRow, MediaStatus, MediaVariants } from './tables.js'
import { FfmpegError, frameAt, probe, transcode, transcodeTimeout } from './video.js'

export type { MediaInfo } from './types.js'

export interface MediaDeps {
  db: Db
  config: Config
  queue: JobQueue
  settings: SettingsService
  hooks: HookRegistry
  log: Logger
  /**
   * Media files processed at once ('media.processing_concurrency'). Give the queue a few more slots
   * than this, so light jobs (feed fan-out) are not stuck behind long videos. Default: the queue's limit.
   */
  processingConcurrency?: number
  /**
   * Bring a file missing from the media folder here, true when it is here now: a LiteFS replica fetches it from the
   * primary (core/replication/media.ts). Called only once the viewer may see the file. Default: a missing file is missing.
   */
  fetchMissing?: (path: string) => Promise<boolean>
  /** A range of a missing file, answered while it is fetched (a LiteFS replica; core/media/send.ts). */
  rangeOfMissing?: RangeOfMissing
}

export type MediaService = ReturnType<typeof createMediaService>
export type VariantName = keyof MediaVariants

/** Every variant a media item may have, in the order URLs are listed. */
export const VARIANTS: readonly VariantName[] = ['original', '1080', '640', '320', '150', 'video', 'poster']

/** The job that turns an upload into its served files. */
export const PROCESS_JOB = 'media.process'

/** Extension of the kept upload, by the type found in its bytes. */
const UPLOAD_EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/3gpp': '3gp',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
}

const MiB = 1024 * 1024
const now = () => new Date().toISOString()

export function parseVariants(json: string): MediaVariants {
  try {
    const v = JSON.parse(json) as unknown
    return v && typeof v === 'object' ? (v as MediaVariants) : {}
  } catch {
    return {}
  }
}

export function createMediaService(deps: MediaDeps) {
  const { db, queue, settings, hooks, log } = deps
  const fetchMissing = deps.fetchMissing ?? (async () => false)
  const storage = new MediaStorage(deps.config.mediaDir)
  // An upload's check decodes what its variants are made from: the job takes those pixels instead of decoding again.
  const kept = new KeptPixels()
  const grants = new MediaGrants()

  async function limits(): Promise<UploadLimits> {
    return { image: (await settings.get('media.image_max_mb')) * MiB, video: (await settings.get('media.video_max_mb')) * MiB }
  }

  async function get(id: number): Promise<MediaRow | undefined> {
    return db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst()
  }

  function info(row: MediaRow): MediaInfo {
    const variants = parseVariants(row.variants)
    const urls: Record<string, string> = {}
    for (const v of VARIANTS) if (variants[v]) urls[v] = `/media/${row.id}/${v}`
    return {
      id: row.id,
      kind: row.kind,
      status: row.status,
      mime: row.mime,
      width: row.width,
      height: row.height,
      duration_ms: row.duration_ms,
      urls,
      error: row.error,
      created_at: row.created_at,
    }
  }

  /**
   * Refuse, before anything is stored, a file whose content does not hold up: a truncated image, a video
   * ffmpeg cannot read. Gives an image's decoded pixels when its variants can be made from them.
   */
  async function verify(received: Received): Promise<Decoded | null> {
    if (received.type.kind === 'image') {
      try {
        return await checkImage(received.path, received.type.mime)
      } catch (err) {
        throw unsupported((err as Error).message)
      }
    }
    let found
    try {
      found = await probe(received.path, { timeoutMs: 20_000 })
    } catch (err) {
      log.info({ err }, 'an uploaded video could not be read')
      throw unsupported('This video could not be read; it may be damaged or incomplete.')
    }
    if (!found.hasVideo) throw unsupported('This file has no video track.')
    return null
  }

  /** Check a received file, store it under its id and queue its processing. */
  async function accept(ownerId: number, received: Received): Promise<MediaInfo> {
    try {
      const decoded = await verify(received)
      // The row, its file and its processing job together: a row that committed always gets processed (decision 015).
      const id = await db.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('media')
          .values({ owner_id: ownerId, kind: received.type.kind, status: 'processing', mime: received.type.mime, size_bytes: received.size, variants: '{}', updated_at: now() })
          .returning('id')
          .executeTakeFirstOrThrow()
        try {
          await storage.place(received.path, uploadFile(id, UPLOAD_EXT[received.type.mime]!))
          await queue.enqueueIn(trx, PROCESS_JOB, { mediaId: id })
        } catch (err) {
          // Inside the transaction: once it rolls back, the next upload may be given this id.
          await storage.removeAll(id)
          throw err
        }
        return id
      })
      if (decoded) kept.put(id, decoded)
      log.info({ media: id, owner: ownerId, kind: received.type.kind, mime: received.type.mime, bytes: received.size }, 'media uploaded')
      return info((await get(id))!)
    } finally {
      await rm(received.path, { force: true })
    }
  }

  async function markFailed(mediaId: number, error: string): Promise<void> {
    const row = await db
      .updateTable('media')
      .set({ status: 'failed', error, updated_at: now() })
      .where('id', '=', mediaId)
      .where('status', '=', 'processing')
      .returning('owner_id')
      .executeTakeFirst()
    if (!row) return
    log.warn({ media: mediaId, error }, 'media processing failed')
    await hooks.emit('action:media.processed', { mediaId, ownerId: row.owner_id, status: 'failed', error })
  }

  /** The processing job: make the served files, then mark the item ready. */
  async function processMedia(mediaId: number, job: JobInfo): Promise<void> {
    const decoded = kept.take(mediaId)
    const row = await get(mediaId)
    if (!row || row.status !== 'processing') return // removed, or already done
    const input = storage.abs(uploadFile(row.id, UPLOAD_EXT[row.mime] ?? 'bin'))
    // A primary new since the upload (LiteFS's lease moved) may fetch it from the node that received it.
    if (!existsSync(input) && !(await fetchMissing(input))) throw new UnrecoverableJobError('The uploaded file is missing from the media folder.')
    const dest = (name: string, ext: string) => storage.abs(mediaFile(row.id, name, ext))
    const started = performance.now()
    let done: { variants: MediaVariants; width: number | null; height: number | null; duration_ms: number | null }
    if (row.kind === 'image') {
      const image = await processImage(input, row.mime, dest, decoded)
      const variants: MediaVariants = {}
      for (const [name, ext] of Object.entries(image.files)) variants[name as VariantName] = mediaFile(row.id, name, ext)
      done = { variants, width: image.width, height: image.height, duration_ms: null }
    } else {
      done = await processVideo(row, input, dest, job.signal, `j${job.id}a${job.attempts}`)
    }
    const updated = await db
      .updateTable('media')
      .set({ status: 'ready', variants: JSON.stringify(done.variants), width: done.width, height: done.height, duration_ms: done.duration_ms, error: null, updated_at: now() })
      .where('id', '=', mediaId)
      .where('status', '=', 'processing')
      .returning('owner_id')
      .executeTakeFirst()
    if (!updated) {
      // Deleted while it was being processed: leave nothing behind.
      await storage.removeAll(mediaId)
      return
    }
    log.info({ media: mediaId, kind: row.kind, ms: Math.round(performance.now() - started) }, 'media processed')
    await hooks.emit('action:media.processed', { mediaId, ownerId: updated.owner_id, status: 'ready', error: null })
  }

  async function processVideo(row: MediaRow, input: string, dest: (name: string, ext: string) => string, signal: AbortSignal, attempt: string) {
    const video = dest('video', 'mp4')
    // Named per attempt: an earlier attempt's ffmpeg, were it still alive, never writes the file this one reads.
    const part = `${video}.${attempt}.tmp`
    await storage.removeTemp(row.id)
    try {
      const source = await probe(input, { signal })
      if (!source.hasVideo) throw new UnrecoverableJobError('This file has no video track.')
      await transcode(input, part, { timeoutMs: transcodeTimeout(source.durationMs), signal })
      const out = await probe(part, { signal })
      if (!out.hasVideo || !out.width || !out.height) throw new Error('The converted video has no picture.')
      await rename(part, video)
      const at = out.durationMs ? Math.min(1, out.durationMs / 4000) : 0
      await writePoster(await frameAt(video, at, { signal }), dest('poster', 'webp'))
      return {
        variants: { video: mediaFile(row.id, 'video', 'mp4'), poster: mediaFile(row.id, 'poster', 'webp') } satisfies MediaVariants,
        width: out.width,
        height: out.height,
        duration_ms: out.durationMs,
      }
    } catch (err) {
      await rm(part, { force: true })
      if (signal.aborted || !(err instanceof FfmpegError)) throw err
      log.warn({ media: row.id, stderr: err.stderr.slice(-2000) }, 'ffmpeg failed on a video')
      const message = `The video could not be converted: ${err.message}`
      // Taking too long will not change on a retry, nor will input ffmpeg calls invalid.
      if (err.timedOut || /invalid data|could not find codec|no such file|moov atom not found|does not contain any stream/i.test(err.stderr)) throw new UnrecoverableJobError(message)
      throw new Error(message)
    }
  }

  queue.define<{ mediaId: number }>(PROCESS_JOB, ({ mediaId }, job) => processMedia(mediaId, job), {
    maxAttempts: 3,
    concurrency: deps.processingConcurrency,
    onFailed: ({ mediaId }, error) => markFailed(mediaId, error),
  })

  return {
    /** The upload limits in bytes, from the site settings. */
    limits,
    /** Check an upload by its bytes, store it, and queue its processing. Throws VALIDATION_FAILED or PAYLOAD_TOO_LARGE. */
    async upload(ownerId: number, file: File): Promise<MediaInfo> {
      return accept(ownerId, await receive(storage, file.stream(), await limits(), file.size))
    },
    /**
     * The same from a stream (the upload route reads multipart bodies as they arrive): the size limit
     * applies while reading, so an oversized upload is refused without being held in memory or on disk.
     */
    async uploadStream(ownerId: number, source: AsyncIterable<Uint8Array>, options: { declaredSize?: number; limits?: UploadLimits } = {}): Promise<MediaInfo> {
      return accept(ownerId, await receive(storage, source, options.limits ?? (await limits()), options.declaredSize))
    },
    async get(id: number): Promise<MediaRow | undefined> {
      return get(id)
    },
    info,
    /**
     * What the API shows of an item, its URLs carrying a one-time grant for `viewerId` valid `seconds`: each
     * variant loads once (with its range reads) through them, whatever `filter:media.viewable` says of the plain URL.
     */
    grant(row: MediaRow, viewerId: number, seconds: number): MediaInfo {
      const token = grants.issue(row.id, viewerId, seconds)
      const shown = info(row)
      return { ...shown, urls: Object.fromEntries(Object.entries(shown.urls).map(([v, url]) => [v, `${url}?grant=${token}`])) }
    },
    /** Whether a grant lets this viewer read this variant now (a whole read uses it up). */
    granted(token: string, row: MediaRow, viewerId: number | null, variant: string, whole: boolean): boolean {
      return grants.use(token, row.id, viewerId, variant, whole)
    },
    /** The absolute path of a variant's file, or null when the item has no such variant (yet). */
    file(row: MediaRow, variant: string): string | null {
      const rel = parseVariants(row.variants)[variant as VariantName]
      return rel ? storage.abs(rel) : null
    },
    /**
     * What a crash left (the server starts it before its job queue): the half-written outputs of items still
     * processing, whose ffmpeg died with the old process. Returns how many files went.
     */
    async cleanupAfterCrash(): Promise<number> {
      const rows = await db.selectFrom('media').select('id').where('status', '=', 'processing').execute()
      let removed = 0
      for (const { id } of rows) removed += await storage.removeTemp(id)
      if (removed) log.info({ files: removed }, 'half-written media outputs left by an earlier run were removed')
      return removed
    },
    /** A plugin's private files (attachments it serves itself, through its own access check). */
    files: (plugin: string): PluginFiles => pluginFiles(deps.config.mediaDir, plugin, fetchMissing, deps.rangeOfMissing),
    /** Send a file of the media folder (ranges, ETag), fetched first if this node lacks it; null when it is missing. */
    async send(c: Context<AppEnv>, path: string, options: SendOptions): Promise<Response | null> {
      return sendFetched(c, path, options, fetchMissing, deps.rangeOfMissing)
    },
    /** Run the bundled ffmpeg (FFMPEG_PATH when set) to its end; rejects on a non-zero exit or after `timeoutMs`. */
    ffmpeg: (args: readonly string[], options: { timeoutMs: number }) => runBound(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], options),
    /** Delete a media item's row and files. */
    async remove(id: number): Promise<void> {
      kept.take(id)
      await db.deleteFrom('media').where('id', '=', id).execute()
      await storage.removeAll(id)
    },
  }
}
