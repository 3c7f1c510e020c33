// Reposts on a post card: the "<name> reposted" line, a quote's card of its original, and the Repost / Quote menu
// (forms that work without JavaScript; htmx swaps the menu in place). Themes replace them as `post.repost-*` templates.
import type { PostView } from './types.js'
import { CsrfField, VerifiedBadge } from '../views/components.js'
import { Icon } from '../views/icons.js'
import { template } from '../views/theme.js'
import { html } from '../views/html.js'

/**
 * The line above a plain repost's original: who reposted it, linking to their profile.
 * @example <RepostHeader post={repost} />
 */
export const RepostHeader = template('post.repost-header', function RepostHeader({ post }: { post: PostView }) {
  return (
    <p class="repost-head muted" data-repost-head={post.id}>
      <Icon name="repeat" /> <a href={`/u/${post.author.username}`}>{post.author.display_name}</a> reposted
    </p>
  )
})

/**
 * A quote's original as a compact card: its author, the start of its text and its first photo, linking to it; or
 * "This post is unavailable" when the viewer may not see it (deleted and hidden read the same).
 * @example {post.quote && <QuoteCard quote={post.quote} />}
 */
export const QuoteCard = template('post.quote-card', function QuoteCard({ quote }: { quote: NonNullable<PostView['quote']> }) {
  if (!quote.available) {
    return (
      <div class="quote-card quote-unavailable muted" data-quote-card="unavailable">
        This post is unavailable.
      </div>
    )
  }
  const p = quote.post
  const first = p.media[0]
  // A sensitive original's photo stays behind its warning: the card names it instead of showing it.
  const thumb = p.blur_media ? undefined : first?.status === 'ready' ? (first.kind === 'video' ? first.urls.poster : (first.urls['320'] ?? first.urls['640'])) : undefined
  const text = p.text.length > 280 ? `${p.text.slice(0, 279)}…` : p.text
  return (
    <a class="quote-card" href={`/p/${p.id}`} data-quote-card={p.id}>
      <span class="quote-head">
        <strong>{p.author.display_name}</strong>
        <VerifiedBadge member={p.author} /> <span class="muted">@{p.author.username}</span>
      </span>
      {text && <span class="quote-text">{text}</span>}
      {thumb && <img class="quote-thumb" src={thumb} alt={first!.alt} loading="lazy" width="80" height="80" />}
      {p.blur_media && (
        <span class="badge" data-quote-sensitive>
          Sensitive media
        </span>
      )}
    </a>
  )
})

/**
 * The Repost button under a post: a small menu with "Repost" (a form) and "Quote" (the compose page), or "Undo repost"
 * once reposted. Nothing to press when the viewer may not repost it (not public, turned off, a guest): the count only.
 * @example <RepostMenu post={post} csrfToken={csrf} member={!!viewer} />
 */
export const RepostMenu = template('post.repost-menu', function RepostMenu({ post, csrfToken, member }: { post: PostView; csrfToken: string; member: boolean }) {
  const count = post.reposts_count + post.quotes_count
  const id = `repost-${post.id}`
  const label = count === 1 ? '1 repost' : `${count} reposts`
  if (!member || (!post.can_repost && !post.reposted)) {
    return count > 0 ? (
      <span class="repost-count" id={id} data-repost-count={post.id}>
        <Icon name="repeat" /> {label}
      </span>
    ) : null
  }
  const back = `?next=${encodeURIComponent(`/p/${post.id}`)}`
  // Markup strings (core/views/html.ts): a menu on every card of every list.
  const form = (verb: 'repost' | 'unrepost', text: string) =>
    html`<form method="post" action="/p/${post.id}/${verb}${back}" hx-post="/p/${post.id}/${verb}" hx-target="#${id}" hx-swap="outerHTML">${CsrfField({ token: csrfToken })}<button type="submit" class="link" data-repost-action="${verb}">${text}</button></form>`
  return html`<details class="repost-menu" id="${id}" data-repost-menu="${post.id}"><summary aria-label="${post.reposted ? 'Reposted' : 'Repost'}, ${label}"${post.reposted && html` class="reposted"`}>${Icon({ name: 'repeat' })} <span aria-hidden="true">${count}</span></summary><div class="repost-menu-items">${post.reposted ? form('unrepost', 'Undo repost') : post.can_repost && form('repost', 'Repost')}${post.can_repost && html`<a href="/compose?quote=${post.id}" data-repost-action="quote">Quote</a>`}</div></details>`
})
