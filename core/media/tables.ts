// Uploaded media: images and videos, their processing state and the files made from them.
import type { ColumnType, Generated, Selectable } from 'kysely'

export type MediaKind = 'image' | 'video'
export type MediaStatus = 'processing' | 'ready' | 'failed'

/**
 * Files made from an upload, by name, as paths relative to the media folder:
 * images: original (upright, no metadata), 1080, 640, 320, 150 (WebP); videos: video (H.264/AAC MP4), poster (WebP).
 * The raw upload is kept beside them but never served (docs/decisions/005).
 */
export type MediaVariants = Partial<Record<'original' | '1080' | '640' | '320' | '150' | 'video' | 'poster', string>>

export interface MediaTable {
  id: Generated<number>
  owner_id: number
  kind: MediaKind
  status: ColumnType<MediaStatus, MediaStatus | undefined, MediaStatus>
  /** The type found in the file's bytes (never the name or the header). */
  mime: string
  size_bytes: number
  width: number | null
  height: number | null
  duration_ms: number | null
  /** JSON of MediaVariants */
  variants: ColumnType<string, string | undefined, string>
  error: string | null
  created_at: ColumnType<string, string | undefined, never>
  updated_at: string
}

export interface MediaTables {
  media: MediaTable
}

export type MediaRow = Selectable<MediaTable>
