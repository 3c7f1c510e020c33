// The notification list, the activity log and the notification settings, as overridable templates.
import { CsrfField } from '../views/components.js'
import { template } from '../views/theme.js'
import type { ActivityItem } from './activity.js'
import type { FollowBack, NotificationPreference, NotificationView } from './service.js'
import { shortTime as when } from '../views/time.js'
import { Ago, Avatar } from '../posts/views.js'

/**
 * The Follow back button of a follow notification: a form that works without JavaScript (it posts and comes back
 * here); with htmx it swaps itself for the new state. Following and Requested are states, not buttons.
 */
export function FollowBackButton({ follow, csrfToken, message }: { follow: FollowBack; csrfToken: string; message?: string }) {
  if (follow.relationship !== 'none') {
    return (
      <span class="follow-state" data-follow-state={follow.relationship} role="status">
        {follow.relationship === 'following' ? 'Following' : 'Requested'}
      </span>
    )
  }
  const action = `/notifications/follow/${encodeURIComponent(follow.username)}`
  return (
    <form method="post" action={action} class="follow-back" hx-post={action} hx-swap="outerHTML">
      <CsrfField token={csrfToken} />
      <button type="submit" aria-label={`Follow ${follow.username} back`}>
        Follow back
      </button>
      {message && (
        <span class="error" role="alert">
          {message}
        </span>
      )}
    </form>
  )
}

/** Up to three actors' pictures, overlapping (decorative: the text names them). */
function AvatarStack({ n }: { n: NotificationView }) {
  if (!n.actors.length) return <span class="notification-avatars notification-avatars-none" aria-hidden="true" />
  return (
    <span class={`notification-avatars notification-avatars-${Math.min(n.actors.length, 3)}`} aria-hidden="true">
      {n.actors.slice(0, 3).map((a) => (
        <Avatar member={a} size={32} />
      ))}
    </span>
  )
}

export function NotificationItem({ n, csrfToken }: { n: NotificationView; csrfToken: string }) {
  return (
    <li class={n.read ? 'notification' : 'notification unread'} data-notification-id={String(n.id)} data-count={String(n.count)}>
      <AvatarStack n={n} />
      <span class="notification-body">
        {n.url ? (
          <a href={n.url} class="notification-text">
            {n.text}
          </a>
        ) : (
          <span class="notification-text">{n.text}</span>
        )}
        {!n.read && <> <span class="badge badge-ok">new</span></>}{' '}
        <span class="muted notification-time">
          <Ago iso={n.created_at} />
        </span>
      </span>
      {n.thumbnail &&
        (n.url ? (
          <a href={n.url} class="notification-thumb" tabindex={-1} aria-hidden="true">
            <img src={n.thumbnail.url} alt="" width={44} height={44} loading="lazy" />
          </a>
        ) : (
          <img class="notification-thumb" src={n.thumbnail.url} alt="" width={44} height={44} loading="lazy" />
        ))}
      {n.follow_back && <FollowBackButton follow={n.follow_back} csrfToken={csrfToken} />}
    </li>
  )
}

/** A page of entries, then the link to the next (which htmx follows when it scrolls into view). */
export function NotificationItems({ items, next, csrfToken }: { items: NotificationView[]; next: string | null; csrfToken: string }) {
  return (
    <>
      {items.map((n) => (
        <NotificationItem n={n} csrfToken={csrfToken} />
      ))}
      {next && (
        <li class="more" hx-get={`/notifications?cursor=${next}`} hx-trigger="revealed" hx-swap="outerHTML">
          <a href={`/notifications?cursor=${next}`}>Older notifications</a>
        </li>
      )}
    </>
  )
}

export const NotificationsPage = template('notifications.list', function NotificationsPage(props: { csrfToken: string; items: NotificationView[]; next: string | null; paged: boolean }) {
  return (
    <>
      <section class="card">
        <h1>Notifications</h1>
        <div class="actions">
          {/* Entries on later pages stay unread until shown; this reads them all. */}
          <form method="post" action="/notifications/read">
            <CsrfField token={props.csrfToken} />
            <button type="submit" class="secondary">
              Mark all as read
            </button>
          </form>
          <a href="/activity">Your activity</a>
          <a href="/settings/notifications">Notification settings</a>
        </div>
      </section>
      <section class="card">
        <ul class="notifications" data-notifications aria-live="polite">
          {!props.items.length && !props.paged && (
            <li class="muted" data-empty>
              Nothing yet. When people follow you, like or comment on your posts, or mention you, it shows here.
            </li>
          )}
          <NotificationItems items={props.items} next={props.next} csrfToken={props.csrfToken} />
        </ul>
        {props.paged && (
          <p>
            <a href="/notifications">Back to the newest</a>
          </p>
        )}
      </section>
    </>
  )
})

export function ActivityItems({ items, next }: { items: ActivityItem[]; next: string | null }) {
  return (
    <>
      {items.map((a) => (
        <li class={`activity activity-${a.kind}`}>
          {a.url ? <a href={a.url}>{a.text}</a> : <span>{a.text}</span>}{' '}
          <time class="muted" datetime={a.at}>
            {when(a.at)}
          </time>
        </li>
      ))}
      {next && (
        <li class="more" hx-get={`/activity?cursor=${next}`} hx-trigger="revealed" hx-swap="outerHTML">
          <a href={`/activity?cursor=${next}`}>Older activity</a>
        </li>
      )}
    </>
  )
}

export const ActivityPage = template('activity.list', function ActivityPage(props: { items: ActivityItem[]; next: string | null; paged: boolean }) {
  return (
    <>
      <section class="card">
        <h1>Your activity</h1>
        <p class="muted">Your posts, likes, comments and follows, newest first. Only you see this page.</p>
      </section>
      <section class="card">
        <ul class="activity-log">
          {!props.items.length && !props.paged && <li class="muted">Nothing yet.</li>}
          <ActivityItems items={props.items} next={props.next} />
        </ul>
      </section>
    </>
  )
})

export const NotificationSettings = template('settings.notifications', function NotificationSettings(props: { csrfToken: string; preferences: NotificationPreference[]; message?: string }) {
  return (
    <section class="card">
      <h2>Notifications</h2>
      {props.message && (
        <p class="alert alert-error" role="alert">
          {props.message}
        </p>
      )}
      <form method="post" action="/settings/notifications">
        <CsrfField token={props.csrfToken} />
        <fieldset class="field">
          <legend>Tell me about</legend>
          {props.preferences.map((p) => (
            <div class="field">
              <label>
                <input type="checkbox" name={p.type} checked={p.enabled} /> {p.label}
              </label>
            </div>
          ))}
        </fieldset>
        <button type="submit">Save</button>
      </form>
    </section>
  )
})
