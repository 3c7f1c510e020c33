// Request size limits: the default for every body, and the larger ones of the routes that take members' files.
import type { SettingsService } from '../settings/service.js'
import type { UploadLimits } from './body.js'

/** Largest request body outside upload routes (and on them, for guests). */
export const BODY_LIMIT = 1024 * 1024

/** Room for the multipart framing and small fields around the files. */
export const MULTIPART_SLACK = 64 * 1024

/** Files one post may carry. */
export const POST_FILES_MAX = 10

/**
 * The routes that take files from members, and how large a body each accepts: the media upload takes
 * one file, the compose form without JavaScript up to ten (it streams them to disk, see body.ts).
 */
export function uploadLimits(settings: SettingsService): UploadLimits {
  const largest = async () => Math.max(await settings.get('media.image_max_mb'), await settings.get('media.video_max_mb')) * 1024 * 1024
  return {
    '/api/v1/media': async () => (await largest()) + MULTIPART_SLACK,
    '/compose': async () => POST_FILES_MAX * (await largest()) + MULTIPART_SLACK,
  }
}
