// The posts folder as a core module: post pages and API, compose, and publishing scheduled posts.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { cardText } from '../views/cards.js'
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
    // A post shared elsewhere (a message): to a reader who may see it now, its author, text and first picture.
    s.ui.addCard('core', 'post', async (viewer, ref) => {
      const post = await s.posts.get(viewer?.id ?? null, ref)
      if (!post || post.status !== 'published') return null
      const first = post.media[0]
      const thumb = first?.status === 'ready' ? (first.kind === 'video' ? first.urls.poster : (first.urls['320'] ?? first.urls['640'])) : undefined
      return {
        kind: 'post',
        ref,
        url: `/p/${post.id}`,
        label: first?.kind === 'video' ? 'Video' : 'Post',
        title: post.author.display_name,
        subtitle: `@${post.author.username}`,
        text: cardText(post.text),
        image: thumb ? { url: thumb, alt: first!.alt || `${post.author.display_name}'s post` } : null,
      }
    })
  },
  pages: postPages,
  api: postsApi,
}
