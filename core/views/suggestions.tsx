// "People you may know" as a row of faces (Explore's top; the home page has its own card in core/home). Here, below
// both pages' folders, so each may draw it.
import type { VNode } from 'preact'
import { CsrfField, VerifiedBadge } from './components.js'

/** A suggested member as `social.suggestions` returns one. */
export interface SuggestedPerson {
  username: string
  display_name: string
  avatar_url: string | null
  verified?: boolean
  followed_by: string[]
}

/**
 * "People you may know" as a horizontal row of faces, each with its follow button (a form that comes back to
 * `next`): Explore's top.
 */
export function SuggestionsRow({ people, csrfToken, next }: { people: SuggestedPerson[]; csrfToken: string; next: string }) {
  return (
    <section class="suggestions-row" aria-labelledby="suggestions-row-title" data-suggestions-row>
      <h2 id="suggestions-row-title">People you may know</h2>
      <ul>
        {people.map((p) => (
          <li data-suggestion={p.username}>
            <a href={`/u/${p.username}`} class="suggestion-face">
              {p.avatar_url ? <img class="avatar avatar-medium" src={p.avatar_url} alt="" width={64} height={64} /> : <span class="avatar avatar-medium avatar-empty" aria-hidden="true">{p.display_name.slice(0, 1)}</span>}
              <span class="suggestion-name">
                {p.display_name}
                <VerifiedBadge member={p} />
              </span>
            </a>
            <span class="muted suggestion-why">{p.followed_by.length ? `Followed by @${p.followed_by[0]}` : `@${p.username}`}</span>
            <form method="post" action={`/u/${p.username}/follow?next=${next}`}>
              <CsrfField token={csrfToken} />
              <button type="submit" aria-label={`Follow ${p.display_name}`}>
                Follow
              </button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** The row for `viewer`: shown at once when their ranking is kept, else loaded after the page (a link without JavaScript). */
export async function suggestionsRowFor(social: { keptSuggestions(viewerId: number, limit: number): Promise<SuggestedPerson[] | null> }, viewerId: number, csrfToken: string, next: string): Promise<VNode | null> {
  const people = await social.keptSuggestions(viewerId, 10)
  if (people === null) {
    return (
      <section class="suggestions-row" data-suggestions-later hx-get={`/suggestions?row=${encodeURIComponent(next)}`} hx-trigger="load" hx-swap="outerHTML">
        <a href="/suggestions">People you may know</a>
      </section>
    )
  }
  return people.length ? <SuggestionsRow people={people} csrfToken={csrfToken} next={next} /> : null
}

