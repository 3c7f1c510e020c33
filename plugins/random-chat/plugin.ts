// Random chat ("Meet"): members meet strangers by video or text, peer to peer, with the safety a community
// needs: interests and filters, blocks and cool-downs in matching, reports with the chat transcript, bans, a
// live page for staff, and mutual "Add" to turn a good chat into a connection. Decisions: plugins/random-chat/README.md.
import { deleteRandomChatOf, exportRandomChat } from './data-rights.js'
import { definePlugin } from '../../core/plugins/api.js'
import { randomChatRoutes } from './routes.js'
import { randomChatService } from './service.js'
import { MeetPanel, StaffOverview } from './views.js'
import { randomChatAdmin } from './admin.js'

const randomChat = definePlugin({
  manifest: {
    name: 'random-chat',
    version: '1.0.0',
    description: 'Meet: video or text chat with a random member, matched by shared interests, with reports, blocks and bans.',
    migrations: './migrations',
    // Pages at /meet (its name in the interface); the API and assets keep the plugin's name.
    routePrefixes: ['/meet'],
    settings: {
      fallback_seconds: {
        type: 'number',
        label: 'Seconds a member with interests waits for someone sharing one before anyone will do',
        default: 5,
        min: 0,
        max: 120,
        integer: true,
      },
      cooldown_minutes: { type: 'number', label: 'Minutes before the same two members can be paired again', default: 30, min: 0, max: 10080, integer: true },
      min_account_age_hours: {
        type: 'number',
        label: 'Hours an account must exist before it may use Meet',
        default: 24,
        min: 0,
        max: 8760,
        integer: true,
        help: 'Why: it stops throwaway accounts made to harass someone and vanish. Admins and moderators are exempt, so a new community’s staff can try Meet at once. 0 lets every new account in at once.',
      },
      skips_per_minute: { type: 'number', label: 'Most times a member may press Next in one minute', default: 10, min: 1, max: 120, integer: true },
      daily_matches: { type: 'number', label: 'Most people a member may meet in 24 hours (0: no limit)', default: 200, min: 0, max: 100000, integer: true },
      allow_filter_region: { type: 'boolean', label: 'Members may ask for partners from a region (country)', default: true },
      allow_filter_language: { type: 'boolean', label: 'Members may ask for partners who speak a language', default: true },
      allow_filter_gender: { type: 'boolean', label: 'Members may ask for partners of a gender', default: false },
      allow_filter_age: { type: 'boolean', label: 'Members may ask for partners in an age range', default: false, help: 'Ages come from the birth year members declare in their Meet settings.' },
    },
  },
  register(ctx) {
    const service = randomChatService(ctx)
    ctx.routes.route('/', randomChatRoutes(ctx, service))
    ctx.assets('public')
    ctx.ui.nav({ id: 'meet', label: 'Meet', href: '/meet', audience: 'members', order: 40, icon: 'video' })
    randomChatAdmin(ctx, service)
    ctx.ui.slot('admin.overview', () => StaffOverview(service), { order: 40 })
    ctx.ui.settingsPanel({
      id: 'random-chat',
      label: 'Meet',
      render: ({ viewer, csrfToken, message }) => MeetPanel(ctx, service, viewer, csrfToken, message),
      save: async ({ viewer, form }) => {
        const year = (form.birth_year ?? '').trim()
        await service.saveProfile(viewer.id, {
          show_identity: form.show_identity === 'on',
          region: form.region ?? '',
          language: form.language ?? '',
          gender: form.gender || null,
          birth_year: year === '' ? null : /^\d{1,4}$/.test(year) ? Number(year) : NaN,
        })
        return 'Saved.'
      },
    })
    ctx.core.notifications.defineType('connected', {
      label: 'People you added each other with in Meet',
      group: false,
      text: (n) => `You and ${n.who} added each other in Meet`,
      url: (n) => (n.actors[0] ? `/u/${n.actors[0].username}` : null),
    })
    ctx.realtime.channel('meet', {
      onOpen: (conn) => service.channel.open(conn),
      onMessage: (conn, msg) => service.channel.message(conn, msg),
      onClose: (conn) => service.channel.close(conn),
    })
    ctx.hooks.on('action:user.blocked', ({ blockerId, blockedId }) => service.blocked(blockerId, blockedId))
    ctx.hooks.on('action:user.suspended', ({ user }) => service.suspended(user.id))
    // A member's data rights: their profile in their export; gone with their account.
    ctx.hooks.on('filter:user.export', (parts, { userId }) => exportRandomChat(ctx.db, userId, parts))
    ctx.hooks.on('action:user.deleted', ({ userId }) => deleteRandomChatOf(ctx.db, userId, (id) => service.suspended(id)))
    // The matchmaker's timer and every open Meet socket end with the server; live calls are recorded as ended.
    ctx.onClose(() => service.shutdown())
  },
})

/** The context as this plugin sees it, with its settings typed. */
export type RandomChatContext = Parameters<typeof randomChat.register>[0]
export default randomChat
