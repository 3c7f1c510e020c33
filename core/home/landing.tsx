// The home page for guests: what the community is (name, description, rules), how many belong, how to join, and,
// when the operator allows it, a grid of recent public photos.
import type { Services } from '../services.js'
import type { PostView } from '../posts/types.js'
import { visibleTo } from '../posts/visibility.js'
import { PostGrid } from '../posts/views.js'
import { template } from '../views/theme.js'

/** How many recent photos the landing page shows (three rows of the grid). */
export const LANDING_POSTS = 9

export interface Landing {
  siteName: string
  description: string
  /** The rules, one a line, blank lines dropped. */
  rules: string[]
  /** Active members, or null when the operator hides the count. */
  members: number | null
  registrationOpen: boolean
  /** Recent public photos, or null when the operator does not show them. */
  posts: PostView[] | null
}

/** What the guest landing page shows, read as a guest: settings, the member count, the photos a guest may see. */
export async function loadLanding(s: Pick<Services, 'db' | 'settings' | 'posts'>): Promise<Landing> {
  const { db, settings } = s
  const rules = (await settings.get('site.rules'))
    .split('\n')
    .map((r) => r.trim())
    .filter(Boolean)
  let members: number | null = null
  if (await settings.get('landing.show_member_count')) {
    const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('suspended_at', 'is', null).executeTakeFirstOrThrow()
    members = Number(row.n)
  }
  let posts: PostView[] | null = null
  if (await settings.get('landing.show_posts')) {
    // Newest first among posts a guest may see (the site's one rule, in SQL before the LIMIT) that have a photo
    // or video ready to show; each is then read as a guest again, as the post page would.
    const ids = await db
      .selectFrom('posts')
      .select('posts.id')
      .where(visibleTo(null))
      // The guests' showcase is no place for media behind a warning.
      .where('posts.sensitive', '=', 0)
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('post_media').innerJoin('media', 'media.id', 'post_media.media_id').select('post_media.post_id').whereRef('post_media.post_id', '=', 'posts.id').where('media.status', '=', 'ready')),
      )
      .orderBy('posts.id', 'desc')
      .limit(LANDING_POSTS)
      .execute()
    posts = (await Promise.all(ids.map((r) => s.posts.get(null, r.id)))).filter((p): p is PostView => p !== null)
  }
  return {
    siteName: await settings.get('site.name'),
    description: await settings.get('site.description'),
    rules,
    members,
    registrationOpen: await settings.get('registration.open'),
    posts,
  }
}

const count = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'member' : 'members'}`

/** The guest landing page (theme template `home.landing`). */
export const GuestLanding = template('home.landing', function GuestLanding({ landing }: { landing: Landing }) {
  return (
    <>
      <section class="card landing" data-landing>
        <img class="landing-icon" src="/theme/default/assets/icon.svg" alt="" width="56" height="56" />
        <h1>{landing.siteName}</h1>
        {landing.description && <p class="landing-description">{landing.description}</p>}
        {landing.members !== null && (
          <p class="muted" data-member-count>
            {count(landing.members)}
          </p>
        )}
        <div class="actions">
          {landing.registrationOpen && (
            <a class="button" href="/register">
              Join {landing.siteName}
            </a>
          )}
          <a class={landing.registrationOpen ? 'button secondary' : 'button'} href="/login">
            Log in
          </a>
        </div>
        {!landing.registrationOpen && <p class="hint">New accounts are made by the admins for now.</p>}
        <p class="hint">
          <a href="/appearance">Light or dark colours</a>
        </p>
      </section>
      {landing.rules.length > 0 && (
        <section class="card" data-rules>
          <h2>Rules</h2>
          <ol class="landing-rules">
            {landing.rules.map((r) => (
              <li>{r}</li>
            ))}
          </ol>
        </section>
      )}
      {landing.posts && landing.posts.length > 0 && (
        <section class="landing-posts" data-landing-posts aria-labelledby="landing-posts-title">
          <h2 id="landing-posts-title">Recently shared</h2>
          <PostGrid posts={landing.posts} next={null} moreUrl={() => '/explore'} />
          <p>
            <a href="/explore">See more on Explore</a>
          </p>
        </section>
      )}
    </>
  )
})
