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
 * The routes that take files from members, and how large a body each accepts: the media upload takes one file,
 * the compose form without JavaScript up to ten, the profile form one picture (they stream to disk, see body.ts),
 * and plugins' form routes as many as they declared (`ctx.http.acceptFiles`).
 */
export function uploadLimits(settings: SettingsService, pluginRoutes: Record<string, number> = {}): UploadLimits {
  const largest = async () => Math.max(await settings.get('media.image_max_mb'), await settings.get('media.video_max_mb')) * 1024 * 1024
  const image = async () => (await settings.get('media.image_max_mb')) * 1024 * 1024
  const files = (n: number) => async () => n * (await largest()) + MULTIPART_SLACK
  return {
    ...Object.fromEntries(Object.entries(pluginRoutes).map(([path, n]) => [path, files(n)])),
    '/api/v1/media': files(1),
    '/compose': files(POST_FILES_MAX),
    '/settings/profile': async () => (await image()) + MULTIPART_SLACK,
    '/admin/settings/share-image': async () => (await image()) + MULTIPART_SLACK,
    '/api/v1/admin/settings/share-image': async () => (await image()) + MULTIPART_SLACK,
  }
}
