// Search views: the search form with htmx autocomplete, result tabs, member rows, hashtags and suggestions.
import type { ComponentChildren } from 'preact'
import { template } from '../views/theme.js'
import { VerifiedBadge } from '../views/components.js'
import type { SearchType } from './inputs.js'
import { SEARCH_QUERY_MAX } from './inputs.js'
import { HASHTAG_COUNT_CAP, type HashtagHit, type MemberHit } from './service.js'

const TAB_LABELS: Record<SearchType, string> = { posts: 'Posts', users: 'Members', tags: 'Hashtags' }

/** The address of a search, e.g. searchUrl('ana', 'users') is `/search?q=ana&type=users`. */
export function searchUrl(q: string, type: SearchType, cursor?: string): string {
  const params = new URLSearchParams({ q, type })
  if (cursor) params.set('cursor', cursor)
  return `/search?${params}`
}

function Avatar({ member }: { member: MemberHit }) {
  return member.avatar_url ? <img class="avatar" src={member.avatar_url} alt="" width={40} height={40} /> : <span class="avatar avatar-empty" aria-hidden="true">{member.display_name.slice(0, 1)}</span>
}

/**
 * A plain GET form, so search works without JavaScript. With htmx, typing asks /search/suggest (200 ms
 * after the last keystroke; a newer request replaces a pending one) and shows its links below the box.
 */
export function SearchForm({ q, type, error }: { q: string; type: SearchType; error?: string | null }) {
  return (
    <form method="get" action="/search" role="search" class="search-form">
      <label for="search-q">Search members, posts and hashtags</label>
      <div class="search-box">
        <input
          id="search-q"
          type="search"
          name="q"
          value={q}
          maxLength={SEARCH_QUERY_MAX}
          autocomplete="off"
          spellcheck={false}
          enterkeyhint="search"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'search-q-error' : undefined}
          aria-controls="search-suggestions"
          data-typeahead
          hx-get="/search/suggest"
          hx-trigger="input changed delay:200ms, search"
          hx-target="#search-suggestions"
          hx-sync="this:replace"
        />
        <input type="hidden" name="type" value={type} />
        <button type="submit">Search</button>
      </div>
      {error && (
        <p class="error" id="search-q-error" role="alert">
          {error}
        </p>
      )}
      <div id="search-suggestions" class="search-suggestions typeahead-list" aria-live="polite"></div>
      <script src="/static/typeahead.js" defer></script>
    </form>
  )
}

export function SearchTabs({ q, type }: { q: string; type: SearchType }) {
  return (
    <nav class="tabs" aria-label="What to search">
      {(Object.keys(TAB_LABELS) as SearchType[]).map((t) => (
        <a href={searchUrl(q, t)} aria-current={t === type ? 'page' : undefined} data-tab={t}>
          {TAB_LABELS[t]}
        </a>
      ))}
    </nav>
  )
}

/** Members found, one row each; the last element loads the next page with htmx, or is a plain link. */
export function MemberRows({ members, next, moreUrl }: { members: MemberHit[]; next: string | null; moreUrl: (cursor: string) => string }) {
  return (
    <>
      {members.map((m) => (
        <div class="member-row" data-member-hit={m.id}>
          <Avatar member={m} />
          <div>
            <a href={`/u/${m.username}`}>{m.display_name}</a>
            <VerifiedBadge member={m} /> <span class="muted">@{m.username}</span>
            {m.is_private && <span class="badge">private</span>}
            {m.bio && <p class="muted search-bio">{m.bio.length > 140 ? `${m.bio.slice(0, 139)}…` : m.bio}</p>}
          </div>
        </div>
      ))}
      {next && (
        <div class="more" hx-get={moreUrl(next)} hx-trigger="revealed" hx-swap="outerHTML">
          <a href={moreUrl(next)}>More members</a>
        </div>
      )}
    </>
  )
}

export function HashtagList({ tags }: { tags: HashtagHit[] }) {
  return (
    <ul class="search-tags">
      {tags.map((t) => (
        <li data-tag={t.tag}>
          <a href={`/tags/${encodeURIComponent(t.tag)}`}>#{t.tag}</a> <span class="muted">{t.posts_count === 1 ? '1 public post' : `${t.posts_count}${t.posts_count >= HASHTAG_COUNT_CAP ? '+' : ''} public posts`}</span>
        </li>
      ))}
    </ul>
  )
}

/** The autocomplete fragment (no layout): links to members and hashtags, announced politely. */
export function Suggestions({ q, users, hashtags }: { q: string; users: MemberHit[]; hashtags: HashtagHit[] }) {
  if (!q.trim()) return null
  if (!users.length && !hashtags.length) return <p class="muted">No members or hashtags match “{q.trim()}”.</p>
  return (
    <>
      {users.length > 0 && (
        <ul aria-label="Members">
          {users.map((m) => (
            <li>
              <a href={`/u/${m.username}`} class="member-row">
                <Avatar member={m} />
                <span>
                  {m.display_name}
                  <VerifiedBadge member={m} /> <span class="muted">@{m.username}</span>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {hashtags.length > 0 && (
        <ul aria-label="Hashtags">
          {hashtags.map((t) => (
            <li>
              <a href={`/tags/${encodeURIComponent(t.tag)}`}>#{t.tag}</a>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={searchUrl(q.trim(), 'posts')}>Search posts for “{q.trim()}”</a>
      </p>
    </>
  )
}

/** The search page: form, tabs (once there is a query) and the results of the chosen tab. */
export const SearchPage = template('search.page', function SearchPage(props: { q: string; type: SearchType; error?: string | null; searched: boolean; children?: ComponentChildren }) {
  return (
    <>
      <section class="card">
        <h1>Search</h1>
        <SearchForm q={props.q} type={props.type} error={props.error} />
      </section>
      {props.searched && <SearchTabs q={props.q} type={props.type} />}
      {props.children}
    </>
  )
})
