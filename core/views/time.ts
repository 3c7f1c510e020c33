// The one way pages show a time: stored ISO-8601 UTC timestamps as short text, absolute or relative to now.

/**
 * A stored time as "2026-11-21 10:00" (UTC, to the minute); '' for none. Every page that prints a time uses this.
 * @example <a href={`/p/${post.id}`}>{shortTime(post.published_at)}</a>
 */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 16) : ''
}

/**
 * How long ago, compactly: "now", "5m", "3h", "2d", then the date ("2026-11-21"), for things that matter while fresh.
 * @example <time datetime={story.created_at}>{relativeTime(story.created_at)}</time>
 */
export function relativeTime(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return 'now'
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h`
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}d`
  return iso.slice(0, 10)
}
