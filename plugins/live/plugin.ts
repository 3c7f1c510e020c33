// Live streams: a member goes live from the browser (camera or screen) and followers watch within seconds over
// HLS, with chat and hearts beside the video. Ingest, HLS parameters and why: docs/decisions/032-live-streaming.md.
import { definePlugin, type PluginContext, type SettingsSchema } from '../../core/plugins/api.js'
import { DELAYS } from './delay.js'
import { moderatorService } from './moderation.js'
import { liveRoutes } from './routes.js'
import { liveService } from './service.js'
import { timelineRoutes } from './timeline-routes.js'
import { ReplaysTab } from './timeline-views.js'

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
    description: 'Live streams from the browser: camera or screen, watched over HLS with chat and hearts.',
    migrations: './migrations',
    settings,
  },
  register(ctx) {
    const service = liveService(ctx)
    // The fixed paths (/live/moderators, …/hls/replay.m3u8) before the stream pages' /live/:id and segments' /hls/:name.
    ctx.routes.route('/', timelineRoutes(ctx, service, moderatorService(ctx, service.recheck)))
    ctx.routes.route('/', liveRoutes(ctx, service))
    ctx.assets('public')
    // Not a daily place for most members: in "More" (decision 022), with the radio icon Meet's staff page uses too.
    ctx.ui.nav({ id: 'live', label: 'Live', href: '/live', audience: 'everyone', order: 45, icon: 'radio' })
    ctx.core.notifications.defineType('started', {
      label: 'People you follow going live',
      group: false,
      text: (n) => `${n.who} is live: “${String(n.data.title ?? '')}”`,
      url: (n) => `/live/${Number(n.data.streamId)}`,
    })
    ctx.jobs.define<{ streamId: number }>('announce', ({ streamId }) => service.announce(streamId))
    ctx.jobs.define<{ streamId: number }>('replay', ({ streamId }) => service.replays.finalize(streamId))
    ctx.jobs.every('*/10 * * * *', 'replay-retention', async () => void (await service.replays.sweep()))
    ctx.ui.profileTab({ id: 'replays', label: 'Replays', order: 30, render: async ({ profile, viewer }) => ReplaysTab({ replays: await service.replays.list(viewer?.id ?? null, profile.id) }) })
    ctx.hooks.on('action:user.blocked', () => service.recheck())
    ctx.hooks.on('action:user.unfollowed', () => service.recheck())
    // Every ffmpeg is killed and every live stream ended with the server (ffmpeg would die with it anyway: decision 014).
    ctx.onClose(() => service.shutdown(), { timeoutMs: 10_000 })
  },
})

export default live
