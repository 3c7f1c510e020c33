// The media service: uploads checked by their bytes, processed by jobs (sharp, ffmpeg), files under data/media.
// (Interface fixed; implementation in progress.)
import type { Config } from '../config.js'
import type { Db } from '../db/connect.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { SettingsService } from '../settings/service.js'
import type { MediaKind, MediaRow, MediaStatus } from './tables.js'

/** What the API and pages show of a media item. */
export interface MediaInfo {
  id: number
  kind: MediaKind
  status: MediaStatus
  mime: string
  width: number | null
  height: number | null
  duration_ms: number | null
  /** URLs of the files made so far, by variant name. */
  urls: Record<string, string>
  error: string | null
  created_at: string
}

export interface MediaDeps {
  db: Db
  config: Config
  queue: JobQueue
  settings: SettingsService
  hooks: HookRegistry
  log: Logger
}

export type MediaService = ReturnType<typeof createMediaService>

export function createMediaService(deps: MediaDeps) {
  void deps
  return {
    /** Check an upload by its bytes, store it, and queue its processing. Throws VALIDATION_FAILED or PAYLOAD_TOO_LARGE. */
    async upload(_ownerId: number, _file: File): Promise<MediaInfo> {
      throw new Error('media upload is not implemented yet')
    },
    async get(_id: number): Promise<MediaRow | undefined> {
      throw new Error('media get is not implemented yet')
    },
    info(_row: MediaRow): MediaInfo {
      throw new Error('media info is not implemented yet')
    },
    /** Delete a media item's row and files. */
    async remove(_id: number): Promise<void> {
      throw new Error('media remove is not implemented yet')
    },
  }
}
