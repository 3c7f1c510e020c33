// The "Live" rings at the front of the stories tray: people the viewer follows who are live now, in a stream the
// viewer may watch (the one audience rule), each linking to the stream. Given to the stories plugin through its
// `filter:stories.tray-rings` hook; without stories, the same rings are drawn on the home page by this plugin.
import type { VNode } from 'preact'
import { displayNameOf, type PluginDb as Db, type Viewer } from '../../core/plugins/api.js'
import { watchableBy } from './queries.js'
import type { LiveTables } from './tables.js'

export interface LiveRing {
  userId: number
  username: string
  display_name: string
  href: string
  label: string
}

/** Live streams of the viewer's followees that the viewer may watch, newest first, as tray rings. */
export async function liveRings(db: Db, viewer: Viewer, limit = 20): Promise<LiveRing[]> {
  const rows = await db
    .withTables<LiveTables>()
    .selectFrom('live_streams')
    .innerJoin('users', 'users.id', 'live_streams.user_id')
    .innerJoin('follows', (j) => j.onRef('follows.followee_id', '=', 'live_streams.user_id').on('follows.follower_id', '=', viewer.id))
    .select(['live_streams.id', 'live_streams.user_id', 'users.username', displayNameOf('users').as('display_name')])
    .where(watchableBy(viewer.id))
    .where('live_streams.status', '=', 'live')
    .orderBy('live_streams.id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ userId: r.user_id, username: r.username, display_name: String(r.display_name), href: `/live/${r.id}`, label: 'Live' }))
}

/** The rings on the home page when the stories plugin (which draws the tray) is off. */
export function LiveTray({ rings }: { rings: LiveRing[] }): VNode | null {
  if (!rings.length) return null
  return (
    <section class="card live-tray" aria-label="Live now" data-live-tray>
      <link rel="stylesheet" href="/plugins/live/live.css" />
      <ul>
        {rings.map((r) => (
          <li>
            <a href={r.href} data-tray-ring={r.username}>
              <span class="live-badge">{r.label}</span> {r.display_name}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}
