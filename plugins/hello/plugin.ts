// Example plugin: a "wave board" where members wave hello. Copy this folder to start your own plugin (docs/plugins.md).
import { z } from 'zod'
import { action, definePlugin, type ActionDef, type Topic } from '../../core/plugins/api.js'
import { countWaves, waveBack } from './queries.js'
import { helloRoutes, WaveCount, WavesTab } from './routes.js'

// Declare the hook this plugin fires, so other plugins can type their handlers.
declare module '../../core/hooks/types.js' {
  interface PluginHooks {
    'action:hello.waved': ActionDef<{ userId: number; waveId: number; message: string }>
  }
}
// Declare the realtime topic's events the same way.
declare module '../../core/realtime/types.js' {
  interface TopicEvents {
    'hello:typing': { typing: { userId: number; username: string; typing: boolean } }
  }
}

const hello = definePlugin({
  manifest: {
    name: 'hello',
    version: '1.0.0',
    description: 'Example plugin: members wave hello on a shared board. Copy it to start your own.',
    migrations: './migrations',
    settings: {
      greeting: { type: 'string', label: 'Greeting at the top of the board', default: 'Hello, neighbours!', maxLength: 120 },
      shown: { type: 'number', label: 'Waves shown on the board', default: 20, min: 1, max: 100, integer: true },
      on_home: { type: 'boolean', label: 'Show the wave count on the home page', default: true },
      wave_back_seconds: { type: 'number', label: 'Seconds before the board waves back', default: 30, min: 1, max: 86400, integer: true },
    },
    hooks: { 'action:hello.waved': action<{ userId: number; waveId: number; message: string }>() },
    // Works with stories when it is on (registered first then), and without it.
    optionalDependsOn: ['stories'],
  },
  register(ctx) {
    ctx.routes.route('/', helloRoutes(ctx))
    ctx.ui.nav({ id: 'hello', label: 'Hello', href: '/hello', audience: 'everyone', order: 40, icon: 'sparkles' })
    ctx.ui.slot('home.sidebar', async () => ((await ctx.settings.get('on_home')) ? WaveCount({ count: await countWaves(ctx.db) }) : null))
    ctx.ui.profileTab({ id: 'waves', label: 'Waves', render: (props) => WavesTab(ctx, props.profile) })
    ctx.assets('public')
    ctx.hooks.on('action:user.registered', ({ user }) => ctx.log.info({ user: user.username }, 'a new neighbour arrived'))
    ctx.jobs.every('0 * * * *', 'hourly-tally', async () => ctx.log.info({ waves: await countWaves(ctx.db) }, 'waves so far'))
    // A typing indicator on the board: public/typing.js joins, says when its member types, and shows who else does.
    const typing: Topic<'hello:typing'> = ctx.realtime.topic('hello:typing', {
      authorize: () => true,
      presence: true,
      accept: z.object({ typing: z.boolean() }),
      onMessage: (conn, topicId, m) => {
        typing.publish(topicId, 'typing', { userId: conn.viewer.id, username: conn.viewer.username, typing: m.typing }, { except: conn.viewer.id })
      },
    })
    // A durable job (queued with each wave, see routes.tsx): it survives a restart and is retried if it throws.
    ctx.jobs.define<{ waveId: number }>('wave-back', async ({ waveId }) => {
      const userId = await waveBack(ctx.db, waveId)
      if (userId !== null) ctx.realtime.publish(userId, 'waved-back', { waveId })
    })
    // An optional hook: with stories off nobody declares it and this does nothing. Only a number is kept: who
    // replied to whom stays between them.
    let storyReplies = 0
    ctx.hooks.on('action:stories.replied', () => void storyReplies++, { optional: true })
    ctx.onClose(() => ctx.log.info({ story_replies: storyReplies, stories: ctx.plugins.enabled('stories') }, 'hello says goodbye'))
  },
})

/** The context as this plugin sees it, with its settings typed. */
export type HelloContext = Parameters<typeof hello.register>[0]

export default hello
