// Post views shared by every page that lists posts: the card, the list with htmx infinite scroll.
import type { ComponentChildren, VNode } from 'preact'
import type { MediaInfo } from '../media/types.js'
import { CommentPreview, ReactionBar } from './reactions.js'
import { template } from '../views/theme.js'
import { CsrfField, EmptyState, VerifiedBadge } from '../views/components.js'
import { html, raw } from '../views/html.js'
import type { UiRegistry } from '../views/ui.js'
import type { Viewer } from '../users/types.js'
import type { PostMediaView, PostView } from './types.js'
import { relativeTime, shortTime as when } from '../views/time.js'
import { QuoteCard, RepostHeader, RepostMenu } from './repost-views.js'

/**
 * One photo or video of a post (or its processing/failed state), responsive.
 * @example {post.media.map((m) => <PostMedia m={m} alt={`Photo by ${post.author.display_name}`} />)}
 */
export function PostMedia({ m, alt }: { m: MediaInfo; alt: string }) {
  if (m.status === 'processing') return <div class="media media-processing" role="status">Processing…</div>
  if (m.status === 'failed') return <div class="media media-failed" role="alert">This file could not be processed.</div>
  if (m.kind === 'video') {
    return <video class="media" controls preload="metadata" playsInline poster={m.urls.poster} src={m.urls.video} width={m.width ?? undefined} height={m.height ?? undefined} />
  }
  const srcset = (['320', '640', '1080'] as const).filter((v) => m.urls[v]).map((v) => `${m.urls[v]} ${v}w`).join(', ')
  return <img class="media" src={m.urls['640'] ?? m.urls['1080'] ?? m.urls.original} srcset={srcset || undefined} sizes="(max-width: 42rem) 100vw, 40rem" alt={alt} loading="lazy" width={m.width ?? undefined} height={m.height ?? undefined} />
}

/**
 * A member's picture, or their initial when they have none.
 * @example <Avatar member={post.author} />
 */
export function Avatar({ member, size = 40 }: { member: { display_name: string; avatar_url: string | null }; size?: number }) {
  return member.avatar_url ? <img class="avatar" src={member.avatar_url} alt="" width={size} height={size} /> : <span class="avatar avatar-empty" aria-hidden="true">{member.display_name.slice(0, 1)}</span>
}

/**
 * The head of a post card: the author's picture, name and @username, the time (a link to the post), and its badges.
 * @example <article class="card post"><PostHead post={post} />…</article>
 */
export function PostHead({ post }: { post: PostView }) {
  const a = post.author
  // Markup strings (core/views/html.ts): a head on every card of every list.
  return html`<header class="post-head">${Avatar({ member: a })}<div><a href="/u/${a.username}" class="post-author">${a.display_name}</a>${VerifiedBadge({ member: a })} <span class="muted">@${a.username}</span>${a.badges?.map((b) => (
    <>
      {' '}
      <span class="badge" data-name-badge={b.kind} title={b.title}>
        {b.label}
      </span>
    </>
  ))}<br/><a href="/p/${post.id}" class="muted post-time">${post.status === 'scheduled' ? `Scheduled for ${when(post.publish_at)}` : Ago({ iso: post.published_at })}</a>${post.edited_at && html`<span class="muted"> · edited</span>`}${post.visibility !== 'public' && html`<span class="badge">${post.visibility === 'followers' ? 'followers' : 'only me'}</span>`}${post.pinned && html`<span class="badge">pinned</span>`}</div></header>`
}

/**
 * A time as "3m" or "2d" ago, with the exact time (UTC) on hover and for machines.
 * @example <Ago iso={post.published_at} />
 */
export function Ago({ iso }: { iso: string | null }) {
  if (!iso) return null
  return html`<time datetime="${iso}" title="${when(iso)} UTC">${relativeTime(iso)}</time>`
}

/** Width over height of a photo's frame: its own shape, kept between 4:5 (tall) and 1.91:1 (wide). */
export function frameRatio(m: { width: number | null; height: number | null }): number {
  if (!m.width || !m.height) return 1
  return Math.min(1.91, Math.max(0.8, m.width / m.height))
}

/**
 * A post's photos and videos: one at a time in a horizontal scroller that snaps (swipe works without JavaScript;
 * core/client/carousel.js adds arrows, dots and the ← → keys). The frame takes the first item's shape within 4:5 to
 * 1.91:1 and each item is fitted whole inside it (letterboxed, never cropped). A photo is a link to its largest
 * file, which the script opens in a lightbox.
 * @example <Carousel media={post.media} label={`Photos by ${post.author.display_name}`} />
 */
export function Carousel({ media, label }: { media: PostMediaView[]; label: string }) {
  const many = media.length > 1
  return (
    <div class="carousel" data-carousel={many ? '' : undefined}>
      <div class="carousel-frame">
        {/* The frame's shape comes from this empty picture's viewBox: the CSP forbids style attributes. */}
        <svg class="carousel-sizer" viewBox={`0 0 ${Math.round(frameRatio(media[0]!) * 1000)} 1000`} aria-hidden="true" focusable="false" />
        <ul class="carousel-track" tabindex={many ? 0 : undefined} aria-label={many ? `${label}, ${media.length} items` : label}>
          {media.map((m, i) => (
            <li class="carousel-item" aria-label={many ? `${i + 1} of ${media.length}` : undefined}>
              {m.kind === 'image' && m.status === 'ready' ? (
                <a href={m.urls['1080'] ?? m.urls.original} class="carousel-open" data-lightbox aria-label={m.alt ? undefined : `Open photo ${i + 1} whole`}>
                  <PostMedia m={m} alt={m.alt} />
                </a>
              ) : (
                <PostMedia m={m} alt={m.alt} />
              )}
            </li>
          ))}
        </ul>
      </div>
    </div>
  )
}

/**
 * The author's actions on a post (edit, pin, delete) in a "…" menu that opens without JavaScript; staff see delete.
 * @example <PostMenu post={post} mine={true} staff={false} csrfToken={csrf} />
 */
export const PostMenu = template('post.menu', function PostMenu({ post, mine, staff, csrfToken }: { post: PostView; mine: boolean; staff: boolean; csrfToken: string }) {
  if (!mine && !staff) return null
  return (
    <details class="post-menu" data-post-menu>
      <summary aria-label="Post actions">
        <span aria-hidden="true">…</span>
      </summary>
      <div class="post-menu-items">
        {mine && <a href={`/p/${post.id}/edit`}>Edit</a>}
        {mine && post.status === 'published' && (
          <form method="post" action={`/p/${post.id}/${post.pinned ? 'unpin' : 'pin'}`}>
            <CsrfField token={csrfToken} />
            <button type="submit" class="link">
              {post.pinned ? 'Unpin from profile' : 'Pin to profile'}
            </button>
          </form>
        )}
        <form method="post" action={`/p/${post.id}/delete`}>
          <CsrfField token={csrfToken} />
          <button type="submit" class="link danger">
            Delete post
          </button>
        </form>
      </div>
    </details>
  )
})

/**
 * A post as every list shows it (a theme may replace it as the `post.card` template): its head, text, media, the
 * reaction bar with "Liked by", and in lists the comment preview. core/client/post.js adds double-tap to like,
 * optimistic likes, share and videos that play while in view.
 */
/**
 * `next`: where the card's forms come back to without JavaScript (default: the post's page), e.g. a group's feed.
 */
export const PostCard = template('post.card', function PostCard({ post, actions, detail, csrfToken, member, menu, next }: { post: PostView; actions?: VNode[]; detail?: boolean; csrfToken?: string; member?: boolean; menu?: VNode | null; next?: string }) {
  const a = post.author
  // A plain repost is its original's card under a line naming who reposted it.
  if (post.repost_of) {
    return (
      <div class="reposted" data-repost={post.id}>
        <RepostHeader post={post} />
        <PostCard post={post.repost_of} actions={actions} detail={detail} csrfToken={csrfToken} member={member} next={next} />
      </div>
    )
  }
  const member_ = !!member && !!csrfToken
  // Markup strings (core/views/html.ts) around the card's parts: drawn twenty times a list.
  return html`<article class="card post" id="post-${post.id}" data-post="${post.id}"><div class="post-top">${PostHead({ post })}${menu}</div>${post.html && html`<div class="post-text">${raw(post.html)}</div>`}${
    post.held === 'review' && html`<p class="alert alert-info" data-held="review">Waiting for the moderators: only you see this post until they approve it.</p>`
  }${post.held === 'removed' && html`<p class="alert alert-error" data-held="removed">The moderators removed this post: only you see it. <a href="/appeals">Appeal the decision</a></p>`}${
    post.media.length > 0 && (
      <SensitiveMedia post={post}>
        <Carousel media={post.media} label={`Photos and videos by ${a.display_name}`} />
      </SensitiveMedia>
    )
  }${post.quote && <QuoteCard quote={post.quote} />}<footer class="post-foot muted">${post.status === 'published' && <ReactionBar post={post} csrfToken={csrfToken ?? ''} member={member_} next={next} />}${
    post.status === 'published' && <RepostMenu post={post} csrfToken={csrfToken ?? ''} member={member_} />
  }${!detail && html`<a href="/p/${post.id}">Open</a>`}${!post.comments_enabled && html`<span> · comments off</span>`}${
    post.category && html`<span data-post-category="${post.category.slug}"> · in <a href="/explore/c/${post.category.slug}">${post.category.name}</a></span>`
  }${actions}</footer>${!detail && post.status === 'published' && <CommentPreview post={post} />}</article>`
})

/**
 * A post's media behind a warning when it is sensitive and the viewer has not chosen to see such media: a
 * details/summary, so the warning opens without JavaScript (lazy images inside load once it is opened).
 * @example <SensitiveMedia post={post}><Carousel media={post.media} label="Photos" /></SensitiveMedia>
 */
export function SensitiveMedia({ post, children }: { post: PostView; children: ComponentChildren }) {
  if (!post.blur_media) return <>{children}</>
  return (
    <details class="sensitive-media" data-sensitive={post.id}>
      <summary>
        <span class="sensitive-label">Sensitive media</span> <span class="muted">Show it</span>
      </summary>
      {children}
    </details>
  )
}

/** One square of a grid: the first photo (or a video's poster), else the start of the text; `big`: a 2×2 tile of a mosaic. */
function Tile({ post, big }: { post: PostView; big?: boolean }) {
  const first = post.media[0]
  // A sensitive post's square shows the warning, not the photo: the post's page has the way to open it.
  const thumb = post.blur_media ? undefined : first?.status === 'ready' ? (first.kind === 'video' ? first.urls.poster : ((big ? first.urls['640'] : undefined) ?? first.urls['320'] ?? first.urls['640'])) : undefined
  return (
    <a href={`/p/${post.id}`} data-tile={post.id} class={big ? 'tile-big' : undefined} aria-label={`Post: ${post.text.slice(0, 80) || 'photo'}`}>
      {post.blur_media ? (
        <span class="tile-sensitive" data-sensitive-tile>
          Sensitive media
        </span>
      ) : thumb ? (
        <img src={thumb} alt="" loading="lazy" />
      ) : (
        <span>{first?.status === 'processing' ? 'Processing…' : post.text.slice(0, 120)}</span>
      )}
      {first?.kind === 'video' && (
        <span class="tile-mark" data-video-mark title="Video">
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M4 2.5v11l9-5.5z" fill="currentColor" /></svg>
          <span class="visually-hidden">Video</span>
        </span>
      )}
      {post.media.length > 1 && first?.kind !== 'video' && (
        <span class="tile-mark" data-many-mark title={`${post.media.length} items`}>
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M5 1h10v10H5z M1 5h2v8h8v2H1z" fill="currentColor" /></svg>
          <span class="visually-hidden">{post.media.length} items</span>
        </span>
      )}
      {post.pinned && <span class="badge">pinned</span>}
    </a>
  )
}

/**
 * Tiles of a grid; the last one fetches more tiles with htmx, or is a plain link. `big` picks the tiles drawn 2×2
 * (Explore's mosaic), by their place in the page.
 */
export function PostGridItems({ posts, next, moreUrl, big }: { posts: PostView[]; next: string | null; moreUrl: (cursor: string) => string; big?: (index: number) => boolean }) {
  return (
    <>
      {posts.map((p, i) => (
        <Tile post={p} big={big?.(i)} />
      ))}
      {next && (
        <a href={moreUrl(next)} class="more-tile" hx-get={moreUrl(next)} hx-trigger="revealed" hx-swap="outerHTML">
          More
        </a>
      )}
    </>
  )
}

/** What an empty list shows: a sentence becomes an EmptyState's title; an EmptyState (or any node) is drawn as is. */
const emptyOf = (empty: string | VNode | undefined, fallback: string) => (typeof empty === 'string' || empty === undefined ? <EmptyState title={empty ?? fallback} /> : empty)

export const PostGrid = template('post.grid', function PostGrid(props: { posts: PostView[]; next: string | null; moreUrl: (cursor: string) => string; empty?: string | VNode; mosaic?: boolean; big?: (index: number) => boolean }) {
  if (!props.posts.length && !props.next) return emptyOf(props.empty, 'No posts yet.')
  return (
    <div class={props.mosaic ? 'grid-posts grid-mosaic' : 'grid-posts'} data-grid data-mosaic={props.mosaic ? '' : undefined}>
      <PostGridItems {...props} />
    </div>
  )
})

/**
 * A page of posts. With htmx, the last element fetches the next page when it scrolls into view and
 * replaces itself with it; without JavaScript it is a plain "Older posts" link.
 */
/** The plugins' pieces under each post of a list (the post.actions slot), by post id. */
export async function postActions(ui: UiRegistry, posts: PostView[], viewer: Viewer | null, csrfToken: string): Promise<Map<number, VNode[]>> {
  const out = new Map<number, VNode[]>()
  for (const p of posts) out.set(p.id, await ui.renderSlot('post.actions', { postId: p.id, authorId: p.author.id, scope: p.scope, viewer, csrfToken }))
  return out
}

export function PostList({ posts, next, moreUrl, empty, actions, csrfToken, member }: { posts: PostView[]; next: string | null; moreUrl: (cursor: string) => string; empty?: string | VNode; actions?: Map<number, VNode[]>; csrfToken?: string; member?: boolean }) {
  if (!posts.length && !next) return emptyOf(empty, 'Nothing here yet.')
  return (
    <>
      {posts.map((p) => (
        <PostCard post={p} actions={actions?.get(p.id)} csrfToken={csrfToken} member={member} />
      ))}
      {next && (
        <div class="more" hx-get={moreUrl(next)} hx-trigger="revealed" hx-swap="outerHTML">
          {/* Shown while htmx loads the next page (its .htmx-request class), so the list never just stops. */}
          <div class="skeleton-card" aria-hidden="true">
            <span class="skeleton skeleton-avatar" />
            <span class="skeleton skeleton-line" />
            <span class="skeleton skeleton-media" />
          </div>
          <a href={moreUrl(next)}>Older posts</a>
        </div>
      )}
    </>
  )
}
