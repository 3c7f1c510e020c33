// Media routes: POST /api/v1/media (upload), GET /api/v1/media/:id (info), GET /media/:id/:variant (the file, with ranges).
// (Interface fixed; implementation in progress.)
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { Services } from '../services.js'
import type { Viewer } from '../users/types.js'
import type { MediaRow } from './tables.js'

/** Whether a viewer may see a media item: decided by what it is attached to (a post, an avatar). */
export type MediaAccess = (viewer: Viewer | null, media: MediaRow) => Promise<boolean>

export function mediaRoutes(s: Services, canView: MediaAccess): Hono<AppEnv> {
  void s
  void canView
  return new Hono<AppEnv>()
}
