// The feed folder as a core module: fan-out of new posts, and the feed's upkeep when members follow and unfollow.
import type { CoreModule } from '../module.js'
import { FANOUT_JOB } from '../posts/service.js'

export const feedModule: CoreModule = {
  name: 'feed',
  wire({ queue, feed, hooks, log }) {
    queue.define<{ postId: number }>(FANOUT_JOB, async ({ postId }) => {
      const n = await feed.fanOut(postId)
      log.debug({ postId, feeds: n }, 'post fanned out')
      // In the job, after the rows are written: a page told of the post finds it in its feed (the "New posts" pill).
      await hooks.emit('action:post.fanned-out', { postId, feeds: n })
    })
    hooks.on('action:user.followed', ({ followerId, followeeId }) => feed.backfill(followerId, followeeId))
    hooks.on('action:user.unfollowed', ({ followerId, followeeId }) => feed.removeAuthor(followerId, followeeId))
  },
}
