// Where media files live (sharded folders under the media directory) and how an upload reaches the disk within its size limit.
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { AppError } from '../errors.js'
import { refusal, sniff, SNIFF_BYTES, type Sniffed } from './sniff.js'
import type { MediaKind } from './tables.js'

const MiB = 1024 * 1024
/** How much of an upload is gathered before it is written. */
const WRITE_BYTES = MiB

/** The folder of a media item, relative to the media directory: two levels from a hash of its id (`3f/a2`), so no folder grows huge. */
export function shard(id: number): string {
  const h = createHash('sha256').update(String(id)).digest('hex')
  return `${h.slice(0, 2)}/${h.slice(2, 4)}`
}

/** A file of a media item, relative to the media directory: `3f/a2/17-640.webp`. Every file of item 17 starts with `17-`. */
export function mediaFile(id: number, name: string, ext: string): string {
  return `${shard(id)}/${id}-${name}.${ext}`
}

/** The uploaded bytes as received. Kept (to make new variants later) but never served: they may carry EXIF and GPS. */
export const uploadFile = (id: number, ext: string) => mediaFile(id, 'upload', ext)

export class MediaStorage {
  readonly root: string
  readonly tmp: string
  private tmpSwept = false

  constructor(mediaDir: string) {
    this.root = resolve(mediaDir)
    this.tmp = join(this.root, 'tmp')
  }

  /** The absolute path of a relative media path; throws if it would leave the media folder. */
  abs(rel: string): string {
    const p = resolve(this.root, rel)
    if (!p.startsWith(this.root + sep)) throw new Error(`The media path "${rel}" leaves the media folder.`)
    return p
  }

  /** Move a finished file into place (same file system, so the rename is atomic). */
  async place(from: string, rel: string): Promise<string> {
    const to = this.abs(rel)
    await mkdir(dirname(to), { recursive: true })
    await rename(from, to)
    return to
  }

  /** A fresh path in the temporary folder. */
  tempPath(suffix = '.part'): string {
    mkdirSync(this.tmp, { recursive: true })
    return join(this.tmp, `${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`)
  }

  /** Delete every file of a media item (finished or half-written). */
  async removeAll(id: number): Promise<void> {
    const dir = this.abs(shard(id))
    let names: string[]
    try {
      names = await readdir(dir)
    } catch {
      return
    }
    await Promise.all(names.filter((n) => n.startsWith(`${id}-`)).map((n) => rm(join(dir, n), { force: true })))
  }

  /** Delete an item's half-written outputs (`17-video.mp4.j4a2.tmp`), left by an attempt that did not finish. */
  async removeTemp(id: number): Promise<number> {
    const dir = this.abs(shard(id))
    const names = await readdir(dir).catch(() => [] as string[])
    const stale = names.filter((n) => n.startsWith(`${id}-`) && n.endsWith('.tmp'))
    await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })))
    return stale.length
  }

  /** Temporary files older than a day were left by a crash mid-upload. Once per process. */
  async sweepTemp(): Promise<void> {
    if (this.tmpSwept) return
    this.tmpSwept = true
    const cutoff = Date.now() - 24 * 3600_000
    for (const name of await readdir(this.tmp).catch(() => [] as string[])) {
      const p = join(this.tmp, name)
      const s = await stat(p).catch(() => null)
      if (s && s.mtimeMs < cutoff) await rm(p, { force: true })
    }
  }
}

export interface UploadLimits {
  image: number
  video: number
}

export interface Received {
  /** The temporary file holding the bytes. */
  path: string
  size: number
  type: Sniffed
}

export function tooLarge(kind: MediaKind | null, limits: UploadLimits): AppError {
  const mb = (n: number) => Math.round(n / MiB)
  const details = { limit_bytes: kind ? limits[kind] : Math.max(limits.image, limits.video), image_max_mb: mb(limits.image), video_max_mb: mb(limits.video) }
  if (kind === 'image') return new AppError(413, 'PAYLOAD_TOO_LARGE', `Images may be at most ${mb(limits.image)} MB.`, { ...details, kind })
  if (kind === 'video') return new AppError(413, 'PAYLOAD_TOO_LARGE', `Videos may be at most ${mb(limits.video)} MB.`, { ...details, kind })
  return new AppError(413, 'PAYLOAD_TOO_LARGE', `Files may be at most ${mb(Math.max(limits.image, limits.video))} MB (images ${mb(limits.image)} MB, videos ${mb(limits.video)} MB).`, details)
}

export const unsupported = (message = 'This file is not a supported image or video.') => new AppError(400, 'VALIDATION_FAILED', message, { fields: { file: message } })

/**
 * Write an upload to a temporary file, counting bytes as they come: the type is read from the first
 * bytes, and the upload is refused as soon as it passes the limit for that type (or is not a type we take).
 * `declaredSize`, when known (a File's size, Content-Length), refuses too large a file before any byte is read.
 */
export async function receive(storage: MediaStorage, source: AsyncIterable<Uint8Array>, limits: UploadLimits, declaredSize?: number): Promise<Received> {
  const max = Math.max(limits.image, limits.video)
  if (declaredSize !== undefined && declaredSize > max) throw tooLarge(null, limits)
  void storage.sweepTemp().catch(() => {})
  const path = storage.tempPath()
  const file = await open(path, 'wx')
  let size = 0
  let type: Sniffed | null = null
  let head: Buffer[] = []
  // The first bytes wait in memory until there are enough to tell the type.
  const decide = async (): Promise<Sniffed> => {
    const bytes = Buffer.concat(head)
    head = []
    if (!bytes.length) throw unsupported('The file is empty.')
    const found = sniff(bytes)
    if (!found) throw unsupported(refusal(bytes))
    if ((declaredSize !== undefined && declaredSize > limits[found.kind]) || size > limits[found.kind]) throw tooLarge(found.kind, limits)
    await file.write(bytes)
    return found
  }
  try {
    // Chunks go to the file a megabyte at a time: each write waits for a thread of libuv's pool, which image
    // decodes share, and a 12 MP photo arrives in about fifty chunks.
    let pending: Uint8Array[] = []
    let pendingBytes = 0
    const flush = async () => {
      if (pending.length) await file.write(Buffer.concat(pending))
      pending = []
      pendingBytes = 0
    }
    for await (const chunk of source) {
      size += chunk.byteLength
      if (size > (type ? limits[type.kind] : max)) throw tooLarge(type?.kind ?? null, limits)
      if (type) {
        pending.push(chunk)
        pendingBytes += chunk.byteLength
        if (pendingBytes >= WRITE_BYTES) await flush()
        continue
      }
      head.push(Buffer.from(chunk))
      if (size >= SNIFF_BYTES) type = await decide()
    }
    type ??= await decide()
    await flush()
    await file.close()
    return { path, size, type }
  } catch (err) {
    await file.close().catch(() => {})
    await rm(path, { force: true })
    throw err
  }
}
