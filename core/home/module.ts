// The home folder as a core module: the front page, explore and first-run setup, and the feed's "New posts" pill.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { announceNewPost } from './live.js'
import { homePages } from './pages.js'

export const homeModule: CoreModule = {
  name: 'home',
  wire: (s) => {
    nav(s, [
      ['home', 'Home', '/', 'everyone', 10, { placement: 'primary', priority: 100, icon: 'house' }],
      ['explore', 'Explore', '/explore', 'everyone', 20, { placement: 'primary', priority: 90, icon: 'compass' }],
    ])
    // After the fan-out job wrote the feeds (not on the author's request): the pill on followers' open home pages.
    s.hooks.on('action:post.fanned-out', async ({ postId }) => {
      const told = await announceNewPost(s, postId)
      if (told) s.log.debug({ postId, told }, 'new post announced')
    })
  },
  pages: homePages,
}
