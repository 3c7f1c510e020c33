// The post's reaction bar, comments and collection picker (theme templates post.reactions, post.comments): forms that work without JavaScript, swapped in place by htmx.
import type { PostView } from './types.js'
import { CsrfField } from '../views/components.js'
import { template } from '../views/theme.js'
import type { CollectionView, CommentView } from '../engagement/service.js'
import { shortTime } from '../views/time.js'

/** Like, dislike, comments and save under a post. Guests see the counts and a way to log in. */
export const ReactionBar = template('post.reactions', function ReactionBar({ post, csrfToken, member }: { post: PostView; csrfToken: string; member: boolean }) {
  const id = `reactions-${post.id}`
  const back = `?next=${encodeURIComponent(`/p/${post.id}`)}`
  const button = (verb: string, label: string, pressed: boolean, count?: number) => (
    <form method="post" action={`/p/${post.id}/${verb}${back}`} hx-post={`/p/${post.id}/${verb}`} hx-target={`#${id}`} hx-swap="outerHTML">
      <CsrfField token={csrfToken} />
      <button type="submit" class="link reaction" aria-pressed={pressed ? 'true' : 'false'}>
        {label}
        {count !== undefined && ` ${count}`}
      </button>
    </form>
  )
  if (!member) {
    return (
      <span class="reactions" id={id}>
        <a href={`/login?next=/p/${post.id}`}>♥ {post.likes_count}</a> <a href={`/p/${post.id}#comments`}>💬 {post.comments_count}</a>
      </span>
    )
  }
  return (
    <span class="reactions" id={id} data-reactions={post.id}>
      {button(post.reaction === 'like' ? 'unlike' : 'like', post.reaction === 'like' ? '♥ Liked' : '♡ Like', post.reaction === 'like', post.likes_count)}
      {button(post.reaction === 'dislike' ? 'undislike' : 'dislike', post.reaction === 'dislike' ? '▼ Disliked' : '▽ Dislike', post.reaction === 'dislike')}
      <a href={`/p/${post.id}#comments`}>💬 {post.comments_count}</a>
      {button(post.bookmarked ? 'unbookmark' : 'bookmark', post.bookmarked ? '★ Saved' : '☆ Save', post.bookmarked)}
    </span>
  )
})

function CommentItem({ c, csrfToken, member, postId }: { c: CommentView; csrfToken: string; member: boolean; postId: number }) {
  return (
    <li class="comment" id={`comment-${c.id}`} data-comment={c.id}>
      <p>
        <a href={`/u/${c.author.username}`} class="post-author">
          {c.author.display_name}
        </a>{' '}
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
            <button type="submit" class="link" aria-pressed={c.liked ? 'true' : 'false'}>
              {c.liked ? '♥' : '♡'} {c.likes_count}
            </button>
          </form>
        ) : (
          <span>♥ {c.likes_count}</span>
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
