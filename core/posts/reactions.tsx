// The post's reaction bar with "Liked by", its comment preview, comments and collection picker (theme templates
// post.reactions, post.comment-preview, post.comments): forms that work without JavaScript, swapped in place by htmx.
import type { PostView } from './types.js'
import { CsrfField, VerifiedBadge } from '../views/components.js'
import { template } from '../views/theme.js'
import type { CollectionView, CommentView } from '../engagement/service.js'
import { shortTime } from '../views/time.js'
import { Icon } from '../views/icons.js'
import { html } from '../views/html.js'

/** "N others" / "1 other", "N likes" / "1 like". */
const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/**
 * "Liked by X and N others" (X preferably someone the viewer follows; N counts only likers the viewer may see), or
 * "N likes" when no one else is there to name; a link to the likes list. Nothing when there are no likes.
 */
export function LikedBy({ post }: { post: PostView }) {
  if (post.likes_count < 1) return null
  const others = post.likes_count - 1
  const who = post.liked_by ? html`Liked by <strong>${post.liked_by.display_name}</strong>${others > 0 && ` and ${count(others, 'other', 'others')}`}` : count(post.likes_count, 'like', 'likes')
  return html`<p class="liked-by" data-liked-by="true"><a href="/p/${post.id}/likes">${who}</a></p>`
}

/**
 * Share a post: a link to it without JavaScript; core/client/post.js opens the device's share sheet
 * (navigator.share) or copies the link and says "Link copied".
 */
function ShareButton({ post }: { post: PostView }) {
  // "Send in a message" joins here (a menu beside the sheet and the copy) once messaging exists.
  return html`<a href="/p/${post.id}" class="reaction reaction-share" data-share="/p/${post.id}">${Icon({ name: 'send' })}<span class="visually-hidden">Share</span></a>`
}

/**
 * Like, dislike, comments, save and share under a post, then "Liked by …". Guests see the counts and a way to log in.
 * Each button is a form that works without JavaScript; core/client/post.js makes the like optimistic (and rolls it
 * back with a message when it fails), htmx swaps the others in place.
 */
export const ReactionBar = template('post.reactions', function ReactionBar({ post, csrfToken, member, next }: { post: PostView; csrfToken: string; member: boolean; next?: string }) {
  const id = `reactions-${post.id}`
  // Where a form sent without JavaScript comes back to: the post, or the list it was pressed in (a group's feed).
  const back = `?next=${encodeURIComponent(next ?? `/p/${post.id}`)}`
  const liked = post.reaction === 'like'
  // The member's row as markup strings (core/views/html.ts): drawn for every card of every list, it was a fifth of a
  // page's render as JSX. The guest's row below is JSX.
  const button = (verb: string, icon: string, label: string, pressed: boolean) =>
    html`<form method="post" action="/p/${post.id}/${verb}${back}" hx-post="/p/${post.id}/${verb}" hx-target="#${id}" hx-swap="outerHTML">${CsrfField({ token: csrfToken })}<button type="submit" class="link reaction" aria-pressed="${pressed ? 'true' : 'false'}">${Icon({ name: icon })}<span class="visually-hidden">${label}</span></button></form>`
  if (!member) {
    return (
      <div class="reactions" id={id}>
        <div class="reaction-row">
          <a href={`/login?next=/p/${post.id}`} class="reaction">
            <Icon name="heart" />
            <span class="visually-hidden">Likes</span> {post.likes_count}
          </a>
          <a href={`/p/${post.id}#comments`} class="reaction">
            <Icon name="message-circle" />
            <span class="visually-hidden">Comments</span> {post.comments_count}
          </a>
          <ShareButton post={post} />
        </div>
        <LikedBy post={post} />
      </div>
    )
  }
  // Like is not htmx: post.js sends it itself, to flip the button at once and roll back on failure.
  return html`<div class="reactions" id="${id}" data-reactions="${post.id}"><div class="reaction-row"><form method="post" action="/p/${post.id}/${liked ? 'unlike' : 'like'}${back}" data-like="${post.id}">${CsrfField({ token: csrfToken })}<button type="submit" class="link reaction reaction-like" aria-pressed="${liked ? 'true' : 'false'}">${Icon({ name: 'heart' })}<span class="visually-hidden">Like</span> <span data-like-count="true">${post.likes_count}</span></button></form>${button(post.reaction === 'dislike' ? 'undislike' : 'dislike', 'thumbs-down', 'Dislike', post.reaction === 'dislike')}<a href="/p/${post.id}#comments" class="reaction">${Icon({ name: 'message-circle' })}<span class="visually-hidden">Comments</span> ${post.comments_count}</a>${ShareButton({ post })}${button(post.bookmarked ? 'unbookmark' : 'bookmark', 'bookmark', 'Save', post.bookmarked)}</div>${LikedBy({ post })}</div>`
})

/**
 * The newest comments a feed card shows (author and text, cut short) and "View all N comments", a link to the post.
 * @example {!detail && <CommentPreview post={post} />}
 */
export const CommentPreview = template('post.comment-preview', function CommentPreview({ post }: { post: PostView }) {
  const shown = post.comments_preview
  if (!shown.length && post.comments_count < 1) return null
  return html`<div class="comment-preview" data-comment-preview="true">${post.comments_count > shown.length && html`<a href="/p/${post.id}#comments" class="muted">View all ${post.comments_count} comments</a>`}<ul>${shown.map(
    (c) => html`<li data-preview-comment="${c.id}"><a href="/u/${c.author.username}" class="post-author">${c.author.display_name}</a>${VerifiedBadge({ member: c.author })} ${c.text}</li>`,
  )}</ul></div>`
})

function CommentItem({ c, csrfToken, member, postId }: { c: CommentView; csrfToken: string; member: boolean; postId: number }) {
  return (
    <li class="comment" id={`comment-${c.id}`} data-comment={c.id}>
      <p>
        <a href={`/u/${c.author.username}`} class="post-author">
          {c.author.display_name}
        </a>
        <VerifiedBadge member={c.author} />{' '}
        <span class="muted">
          {shortTime(c.created_at)}
          {c.edited_at ? ' · edited' : ''}
        </span>
      </p>
      <div class="post-text" dangerouslySetInnerHTML={{ __html: c.html }} />
      <div class="post-foot muted">
        {member ? (
          <form method="post" action={`/comments/${c.id}/${c.liked ? 'unlike' : 'like'}`}>
            <CsrfField token={csrfToken} />
            <button type="submit" class="link reaction" aria-pressed={c.liked ? 'true' : 'false'}>
              <Icon name="heart" />
              <span class="visually-hidden">Like</span> {c.likes_count}
            </button>
          </form>
        ) : (
          <span class="reaction">
            <Icon name="heart" />
            <span class="visually-hidden">Likes</span> {c.likes_count}
          </span>
        )}
        {member && !c.can_edit && <a href={`/report?type=comment&id=${c.id}`}>Report</a>}
        {c.can_delete && (
          <form method="post" action={`/comments/${c.id}/delete`}>
            <CsrfField token={csrfToken} />
            <button type="submit" class="link">
              Delete
            </button>
          </form>
        )}
        {c.can_edit && (
          <details>
            <summary>Edit</summary>
            <form method="post" action={`/comments/${c.id}/edit`}>
              <CsrfField token={csrfToken} />
              <textarea name="text" maxLength={2000} aria-label="Edit your comment">{c.text}</textarea>
              <button type="submit">Save</button>
            </form>
          </details>
        )}
        {member && c.parent_id === null && (
          <details>
            <summary>Reply</summary>
            <form method="post" action={`/p/${postId}/comments`}>
              <CsrfField token={csrfToken} />
              <input type="hidden" name="parent_id" value={String(c.id)} />
              <textarea name="text" maxLength={2000} aria-label={`Reply to ${c.author.display_name}`} required></textarea>
              <button type="submit">Reply</button>
            </form>
          </details>
        )}
      </div>
      {c.replies && c.replies.length > 0 && (
        <ul class="replies">
          {c.replies.map((r) => (
            <CommentItem c={r} csrfToken={csrfToken} member={member} postId={postId} />
          ))}
        </ul>
      )}
    </li>
  )
}

export const CommentsSection = template('post.comments', function CommentsSection(props: {
  post: PostView
  comments: CommentView[]
  next: string | null
  csrfToken: string
  member: boolean
  canComment: boolean
}) {
  const { post } = props
  return (
    <section class="card" id="comments">
      <h2>Comments</h2>
      {props.comments.length === 0 && <p class="muted">No comments yet.</p>}
      <ul class="comments">
        {props.comments.map((c) => (
          <CommentItem c={c} csrfToken={props.csrfToken} member={props.member} postId={post.id} />
        ))}
      </ul>
      {props.next && <a href={`/p/${post.id}?comments=${props.next}#comments`}>More comments</a>}
      {!post.comments_enabled ? (
        <p class="muted">Comments are turned off.</p>
      ) : !props.member ? (
        <p>
          <a href={`/login?next=/p/${post.id}`}>Log in</a> to comment.
        </p>
      ) : props.canComment ? (
        <form method="post" action={`/p/${post.id}/comments`}>
          <CsrfField token={props.csrfToken} />
          <label for="f-comment">Add a comment</label>
          <textarea id="f-comment" name="text" maxLength={2000} required></textarea>
          <button type="submit">Comment</button>
        </form>
      ) : (
        <p class="muted">The author does not take comments from you on this post.</p>
      )}
    </section>
  )
})

export function CollectionPicker({ postId, collections, csrfToken }: { postId: number; collections: CollectionView[]; csrfToken: string }) {
  if (!collections.length) return <a href="/collections">Create a collection</a>
  return (
    <form method="post" action="/collections/add" class="actions">
      <CsrfField token={csrfToken} />
      <input type="hidden" name="post_id" value={String(postId)} />
      <select name="collection_id" aria-label="Collection">
        {collections.map((c) => (
          <option value={String(c.id)}>{c.name}</option>
        ))}
      </select>
      <button type="submit" class="secondary">
        Add to collection
      </button>
    </form>
  )
}
