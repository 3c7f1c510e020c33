// The posts folder as a core module: post pages and API, compose, and publishing scheduled posts.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { postsApi } from './api.js'
import { postPages } from './pages.js'

export const postsModule: CoreModule = {
  name: 'posts',
  wire(s) {
    nav(s, [['compose', 'New post', '/compose', 'members', 30, { placement: 'primary', priority: 80, icon: 'square-plus' }]])
    s.scheduler.add('core', '*/15 * * * * *', 'publish-scheduled-posts', async () => {
      const n = await s.posts.publishDue()
      if (n) s.log.info({ published: n }, 'scheduled posts published')
    })
  },
  pages: postPages,
  api: postsApi,
}
