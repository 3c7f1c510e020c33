// What the API, pages and plugins see of a media item.
import type { MediaKind, MediaStatus } from './tables.js'

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
