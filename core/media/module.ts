// The media folder as a core module: serving files to whoever may see them, and telling an author when processing failed.
import type { CoreModule } from '../module.js'
import { mediaRoutes } from './routes.js'

export const mediaModule: CoreModule = {
  name: 'media',
  wire({ hooks, realtime }) {
    // The author hears at once when a file of theirs could not be processed.
    hooks.on('action:media.processed', ({ mediaId, ownerId, status, error }) => {
      if (status === 'failed') realtime.publish(ownerId, 'media.failed', { mediaId, error })
    })
  },
  pages: (s) =>
    mediaRoutes(s, async (viewer, m) => {
      const viewerId = viewer?.id ?? null
      return s.hooks.apply('filter:media.viewable', await s.posts.canViewMedia(viewerId, m), { viewerId, mediaId: m.id, ownerId: m.owner_id })
    }),
}
