// Private files a plugin keeps for its own things (a message's attachment, a voice note): streamed to disk within a
// size limit, never served by core. The plugin's own route decides who may read one and sends it with `send`.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { Context } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { sendFetched, type RangeOfMissing } from './send.js'

const MiB = 1024 * 1024
const KEY = /^[a-f0-9]{32}\.[a-z0-9]{1,8}$/
const EXT = /^[a-z0-9]{1,8}$/

/** What a plugin gets: its own folder of files named by random keys (`3fa2….ogg`). */
export interface PluginFiles {
  /**
   * Write a stream to a new file, counting bytes as they come: past `maxBytes` it is refused (`413
   * PAYLOAD_TOO_LARGE`) and nothing is kept; an empty stream is `400 VALIDATION_FAILED`.
   * @example const { key, size } = await ctx.core.files.receive(file.body, { maxBytes: 25 * 1024 * 1024, ext: 'bin', tooLarge: 'Files may be at most 25 MB.' })
   */
  receive(source: AsyncIterable<Uint8Array>, options: { maxBytes: number; ext?: string; tooLarge?: string }): Promise<{ key: string; size: number }>
  /** A new key and the absolute path to write it at (a converted file); the file is yours once written. */
  reserve(ext: string): { key: string; path: string }
  /** The absolute path of a key's file (for ffmpeg); throws on a malformed key. */
  path(key: string): string
  /**
   * Send a file (ranges, ETag), or null when it is missing. With `download` it is always downloaded, never shown:
   * `Content-Disposition: attachment` with that file name; every file goes with `X-Content-Type-Options: nosniff`.
   * Check who may read it first.
   */
  send(c: Context<AppEnv>, key: string, options: { contentType: string; download?: string | null; cacheControl?: string }): Promise<Response | null>
  remove(key: string): Promise<void>
}

/** A file name as a `Content-Disposition` header carries it: an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'file'
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** The files of one plugin, under `<media folder>/files/<plugin>/`. */
export function pluginFiles(mediaDir: string, plugin: string, fetchMissing: (path: string) => Promise<boolean> = async () => false, rangeOfMissing?: RangeOfMissing): PluginFiles {
  const root = resolve(mediaDir, 'files', plugin)
  const abs = (key: string) => {
    if (!KEY.test(key)) throw new Error(`"${key}" is not a file key.`)
    const p = join(root, key.slice(0, 2), key)
    if (!p.startsWith(root + sep)) throw new Error(`"${key}" leaves the files folder.`)
    return p
  }
  const reserve = (ext: string) => {
    if (!EXT.test(ext)) throw new Error(`"${ext}" is not a file extension (1 to 8 lowercase letters or digits).`)
    const key = `${randomBytes(16).toString('hex')}.${ext}`
    return { key, path: abs(key) }
  }
  return {
    async receive(source, options) {
      const { key, path } = reserve(options.ext ?? 'bin')
      await mkdir(dirname(path), { recursive: true })
      const part = `${path}.part`
      const file = await open(part, 'wx')
      let size = 0
      try {
        let pending: Uint8Array[] = []
        let pendingBytes = 0
        for await (const chunk of source) {
          size += chunk.byteLength
          if (size > options.maxBytes) {
            const message = options.tooLarge ?? `Files may be at most ${Math.floor(options.maxBytes / MiB)} MB.`
            throw new AppError(413, 'PAYLOAD_TOO_LARGE', message, { limit_bytes: options.maxBytes, fields: { file: message } })
          }
          pending.push(chunk)
          pendingBytes += chunk.byteLength
          if (pendingBytes >= MiB) {
            await file.write(Buffer.concat(pending))
            pending = []
            pendingBytes = 0
          }
        }
        if (pending.length) await file.write(Buffer.concat(pending))
        await file.close()
        if (size === 0) throw new AppError(400, 'VALIDATION_FAILED', 'The file is empty.', { fields: { file: 'The file is empty.' } })
        await rename(part, path)
        return { key, size }
      } catch (err) {
        await file.close().catch(() => {})
        await rm(part, { force: true })
        throw err
      }
    },
    reserve(ext) {
      const r = reserve(ext)
      mkdirSync(dirname(r.path), { recursive: true })
      return r
    },
    path: abs,
    async send(c, key, options) {
      if (options.download !== undefined && options.download !== null) {
        c.header('Content-Disposition', contentDisposition(options.download))
      }
      c.header('X-Content-Type-Options', 'nosniff')
      return sendFetched(c, abs(key), { contentType: options.contentType, cacheControl: options.cacheControl ?? 'private, no-store' }, fetchMissing, rangeOfMissing)
    },
    async remove(key) {
      await rm(abs(key), { force: true })
    },
  }
}
