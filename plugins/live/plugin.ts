// Live streams: a member goes live from the browser (camera or screen) and followers watch within seconds over
// HLS, with chat and hearts beside the video. Ingest, HLS parameters and why: docs/decisions/032-live-streaming.md.
import { definePlugin, type PluginContext, type SettingsSchema } from '../../core/plugins/api.js'
import { liveRoutes } from './routes.js'
import { liveService } from './service.js'

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
    ctx.hooks.on('action:user.blocked', () => service.recheck())
    ctx.hooks.on('action:user.unfollowed', () => service.recheck())
    // Every ffmpeg is killed and every live stream ended with the server (ffmpeg would die with it anyway: decision 014).
    ctx.onClose(() => service.shutdown(), { timeoutMs: 10_000 })
  },
})

export default live
