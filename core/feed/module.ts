// The feed folder as a core module: fan-out of new posts, and the feed's upkeep when members follow and unfollow.
import type { CoreModule } from '../module.js'
import { FANOUT_JOB } from '../posts/service.js'

export const feedModule: CoreModule = {
  name: 'feed',
  wire({ queue, feed, hooks, log }) {
    queue.define<{ postId: number }>(FANOUT_JOB, async ({ postId }) => {
      const n = await feed.fanOut(postId)
      log.debug({ postId, feeds: n }, 'post fanned out')
    })
    hooks.on('action:user.followed', ({ followerId, followeeId }) => feed.backfill(followerId, followeeId))
    hooks.on('action:user.unfollowed', ({ followerId, followeeId }) => feed.removeAuthor(followerId, followeeId))
  },
}
