// A post's link preview (OpenGraph, Twitter card): only for a post a guest may see, as a crawler without a cookie sees it.
import { excerpt, type ShareMeta } from '../views/meta.js'
import type { PostView } from './types.js'

/**
 * The preview of `post` as seen by a guest (`posts.get(null, id)`), or null when a guest may not see it (followers
 * only, a private account, a suspended author, a draft...): then the page shows the site's generic preview, the
 * same as a missing post's. The image is the first photo's 1080 px variant (a video's poster), which media
 * routes serve to guests for a post they may see.
 */
export function postShareMeta(post: PostView | null, base: string, siteName: string): ShareMeta | null {
  if (!post || post.status !== 'published') return null
  const first = post.media.find((m) => m.status === 'ready')
  const src = first ? (first.kind === 'video' ? first.urls.poster : (first.urls['1080'] ?? first.urls['640'] ?? first.urls.original)) : undefined
  const text = excerpt(post.text)
  return {
    title: `${post.author.display_name} (@${post.author.username}) on ${siteName}`,
    description: text || (post.media.length ? `A post by ${post.author.display_name}.` : ''),
    url: `${base}/p/${post.id}`,
    type: 'article',
    image: src ? { url: base + src, alt: first!.alt, width: scaled(first!, 'w'), height: scaled(first!, 'h') } : undefined,
    card: src ? 'summary_large_image' : 'summary',
  }
}

/** The 1080 px variant's size (the long side at most 1080), from the item's own size; null when unknown. */
function scaled(m: { width: number | null; height: number | null; kind: string; urls: Record<string, string> }, side: 'w' | 'h'): number | null {
  if (m.kind !== 'image' || !m.urls['1080'] || !m.width || !m.height) return null
  const k = Math.min(1, 1080 / Math.max(m.width, m.height))
  return Math.round((side === 'w' ? m.width : m.height) * k)
}
