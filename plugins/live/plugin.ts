// Live streams: a member goes live from the browser (camera or screen) and followers watch within seconds over
// HLS, with chat and hearts beside the video. Ingest, HLS parameters and why: docs/decisions/032-live-streaming.md.
import { deleteLiveOf, exportLive } from './data-rights.js'
import { definePlugin, type PluginContext, type SettingsSchema } from '../../core/plugins/api.js'
import { liveCount, WHO_MAY_GO_LIVE } from './access.js'
import { DELAYS } from './delay.js'
import { eventRoutes } from './event-pages.js'
import { eventsService } from './events.js'
import { moderatorService } from './moderation.js'
import { obsRoutes } from './obs.js'
import { rtmpIngest } from './rtmp-ingest.js'
import { reportRoutes } from './report-pages.js'
import { liveReports } from './reports.js'
import { liveRoutes } from './routes.js'
import { liveService } from './service.js'
import { staffRoutes, StaffOverview } from './staff.js'
import { timelineRoutes } from './timeline-routes.js'
import { ReplaysTab } from './timeline-views.js'
import { liveRings, LiveTray } from './tray.js'

/** The operator's settings (Admin → Plugins → live). */
export const settings = {
  resume_seconds: {
    type: 'number',
    label: 'Seconds a stream waits for its streamer to come back after their connection drops',
    default: 30,
    min: 1,
    max: 600,
    integer: true,
    help: 'Viewers see “Reconnecting…” meanwhile; after this the stream ends.',
  },
  rtmp_port: {
    type: 'number',
    label: 'RTMP port for OBS and other encoders (0 turns RTMP off)',
    default: 1935,
    min: 0,
    max: 65535,
    integer: true,
    help: 'Opened with the server on every interface; a change takes effect at the next start.',
  },
  rtmp_url: {
    type: 'string',
    label: 'RTMP address shown to members',
    default: '',
    maxLength: 200,
    help: 'Empty: rtmp://THIS-SITE’S-HOST:PORT/live. Set it when encoders reach the server by another name or port (a proxy).',
    check: (v) => (v === '' || /^rtmps?:\/\/[^\s/]+\/live$/.test(v) ? null : 'use an address like rtmp://live.example.com/live'),
  },
  who_may_go_live: {
    type: 'select',
    label: 'Who may go live',
    default: 'everyone',
    options: WHO_MAY_GO_LIVE,
    help: 'verified: members with the site’s verified badge (Admin → Verification), and those staff verified for live on the staff page (/live/staff). Staff may always.',
  },
  max_concurrent: { type: 'number', label: 'Live streams at once on this site (0: no limit)', default: 0, min: 0, max: 10_000, integer: true },
  max_duration_minutes: {
    type: 'number',
    label: 'Longest stream in minutes (0: no limit)',
    default: 480,
    min: 0,
    max: 10_080,
    integer: true,
    help: 'A stream is ended when it reaches this length.',
  },
  max_bitrate_kbps: {
    type: 'number',
    label: 'Highest bitrate an encoder may send over RTMP, in kbit/s (0: no limit)',
    default: 8000,
    min: 0,
    max: 100_000,
    integer: true,
    help: 'A push that declares more is refused; one measured above it (over 5 s, with 25 % slack) is ended.',
  },
  default_delay_seconds: {
    type: 'select',
    label: 'Delay viewers see a new stream with, in seconds, unless the streamer chooses another',
    default: '0',
    options: DELAYS.map(String),
    help: 'Chat and hearts reach viewers on the same delayed timeline as the picture; the streamer, staff and moderators see everything at once.',
  },
  max_delay_seconds: {
    type: 'select',
    label: 'Longest delay a streamer may choose, in seconds',
    default: '60',
    options: DELAYS.map(String),
    help: 'Each second of delay keeps a second of video on disk per stream.',
  },
  webrtc_max_viewers: {
    type: 'number',
    label: 'Viewers per stream watching over WebRTC, under a second behind (0: HLS only)',
    default: 30,
    min: 0,
    max: 1000,
    integer: true,
    help: 'Beyond this the player uses HLS (a few seconds behind). Each WebRTC viewer costs the server about 1 % of a core; streams with a delay, and OBS streams whose H.264 is copied, are HLS only.',
  },
  replay_retention_days: {
    type: 'number',
    label: 'Days a replay is kept (0: until its streamer deletes it)',
    default: 30,
    min: 0,
    max: 3650,
    integer: true,
    help: 'A replay keeps its stream’s segments on disk (about 1 GB per hour at 2.5 Mbit/s). A change applies to replays made after it.',
  },
} satisfies SettingsSchema

/** The context as this plugin sees it, with its settings typed. */
export type LiveContext = PluginContext<typeof settings>

const live = definePlugin({
  manifest: {
    name: 'live',
    version: '1.0.0',
    description: 'Live streams from the browser or OBS, watched over HLS with chat and hearts; scheduled live events.',
    migrations: './migrations',
    settings,
    // Stories draws the tray the "Live" rings go in; loaded first when it is on.
    optionalDependsOn: ['stories', 'coins'],
  },
  register(ctx) {
    const service = liveService(ctx)
    const events = eventsService(ctx, service)
    const rtmp = rtmpIngest(ctx, service, events)
    const reports = liveReports(ctx, service)
    // The fixed paths (/live/obs, /live/events, /live/staff, /live/moderators, …/hls/replay.m3u8) before the stream pages' /live/:id.
    ctx.routes.route('/', timelineRoutes(ctx, service, moderatorService(ctx, service.recheck)))
    ctx.routes.route('/', obsRoutes(ctx, service, rtmp))
    ctx.routes.route('/', eventRoutes(ctx, events))
    ctx.routes.route('/', staffRoutes(ctx, service, reports))
    ctx.routes.route('/', reportRoutes(ctx, service, reports))
    ctx.routes.route('/', liveRoutes(ctx, service, events))
    ctx.assets('public')
    // Not a daily place for most members: in "More" (decision 022), with the radio icon Meet's staff page uses too.
    ctx.ui.nav({ id: 'live', label: 'Live', href: '/live', audience: 'everyone', order: 45, icon: 'radio' })
    ctx.core.notifications.defineType('started', {
      label: 'People you follow going live',
      group: false,
      text: (n) => `${n.who} is live: “${String(n.data.title ?? '')}”`,
      url: (n) => `/live/${Number(n.data.streamId)}`,
    })
    ctx.core.notifications.defineType('event_started', {
      label: 'Live events you asked to be reminded of, starting',
      group: false,
      text: (n) => `${n.who}’s live event has started: “${String(n.data.title ?? '')}”`,
      url: (n) => (n.data.streamId ? `/live/${Number(n.data.streamId)}` : `/live/events/${Number(n.data.eventId)}`),
    })
    ctx.core.notifications.defineType('event_cancelled', {
      label: 'Live events you asked to be reminded of, cancelled',
      group: false,
      text: (n) => `${n.who} cancelled their live event “${String(n.data.title ?? '')}”`,
      url: (n) => `/live/events/${Number(n.data.eventId)}`,
    })
    ctx.jobs.define<{ streamId: number }>('announce', ({ streamId }) => service.announce(streamId))
    ctx.jobs.define<{ streamId: number }>('replay', ({ streamId }) => service.replays.finalize(streamId))
    ctx.jobs.every('*/10 * * * *', 'replay-retention', async () => void (await service.replays.sweep()))
    ctx.ui.profileTab({ id: 'replays', label: 'Replays', order: 30, render: async ({ profile, viewer }) => ReplaysTab({ replays: await service.replays.list(viewer?.id ?? null, profile.id) }) })
    ctx.jobs.define<{ eventId: number }>('event-started', ({ eventId }) => events.tell(eventId, 'event_started'))
    ctx.jobs.define<{ eventId: number }>('event-cancelled', ({ eventId }) => events.tell(eventId, 'event_cancelled'))
    // Discovery: followees live now, at the front of the stories tray (or on the home page without stories).
    if (ctx.plugins.enabled('stories')) ctx.hooks.on('filter:stories.tray-rings', async (rings, { viewer }) => [...(await liveRings(ctx.db, viewer)), ...rings], { optional: true })
    else ctx.ui.slot('home.top', async ({ viewer }) => (viewer ? LiveTray({ rings: await liveRings(ctx.db, viewer) }) : null), { order: 5 })
    ctx.ui.nav({ id: 'live-staff', label: 'Live streams', href: '/live/staff', audience: 'staff', order: 46, icon: 'radio' })
    ctx.ui.slot('admin.overview', async () => StaffOverview({ count: await liveCount(ctx.db) }), { order: 45 })
    // Gifts (the coins plugin) on a stream: the target kind `live` is a stream live now that the sender may watch;
    // a gift sent goes on the stream's timeline (viewers see it with the picture, the replay keeps it).
    ctx.hooks.on('filter:coins.gift.target', (value, { kind, id, senderId }) => (kind === 'live' ? service.giftTarget(id, senderId) : value), { optional: true })
    ctx.hooks.on('action:coins.gift.sent', async ({ target, senderId, giftName, giftIcon, giftMediaId, price, note }) => {
      if (target.kind === 'live') await service.addEvent(target.id, senderId, 'gift', { gift: giftName, price, note, icon: giftIcon, media_id: giftMediaId })
    }, { optional: true })
    // Reports on streams, replays and chat lines go to core's queue; staff's "remove" ends, deletes or takes down.
    reports.removers()
    ctx.hooks.on('action:report.resolved', ({ reportId }) => reports.resolved(reportId))
    ctx.hooks.on('action:user.blocked', () => service.recheck())
    // A member's data rights: their streams in their export; their key, streams and replays gone with their account.
    ctx.hooks.on('filter:user.export', (parts, { userId }) => exportLive(ctx.db, userId, parts))
    ctx.hooks.on('action:user.deleted', ({ userId, policy }) => deleteLiveOf(ctx.db, service, userId, policy))
    ctx.hooks.on('action:user.unfollowed', () => service.recheck())
    // A suspended streamer, or one whose account went private, loses viewers the playlist and segments were answering from memory.
    ctx.hooks.on('action:user.suspended', () => service.audienceChanged())
    ctx.hooks.on('action:user.profile-updated', () => service.audienceChanged())
    // Every ffmpeg is killed and every live stream ended with the server (ffmpeg would die with it anyway: decision 014).
    ctx.onClose(() => service.shutdown(), { timeoutMs: 10_000 })
    // RTMP opens with the server and closes first (close functions run newest first), so no push outlives the streams.
    ctx.hooks.on('action:server.started', async () => void (await rtmp.listen()))
    ctx.onClose(() => rtmp.close())
  },
})

export default live
