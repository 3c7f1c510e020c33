// Stories: photos, videos and text cards that expire, shown to an audience the author picks; a tray on the home page,
// a viewer, reactions, mentions, close friends and highlights. Decisions: plugins/stories/README.md.
import { deleteStoriesOf, exportStories } from './data-rights.js'
import { action, definePlugin, filter, type ActionDef, type FilterDef, type Viewer } from '../../core/plugins/api.js'
import { storyRoutes } from './routes.js'
import { storiesService } from './service.js'
import { storiesBetween } from './queries.js'
import { reportableStories } from './report.js'
import { CloseFriendsPanel, HighlightsRow, HighlightsTab, StoryTray } from './views.js'

/** A viewer reacted to or replied to a story (emoji: `text` is the emoji). Messaging may turn it into a direct message. */
export type StoryRepliedPayload = { storyId: number; authorId: number; fromId: number; kind: 'emoji' | 'text'; text: string }

/**
 * A ring another plugin puts at the front of the tray (someone the viewer follows is live): drawn like a person with
 * stories, with a badge (`label`, e.g. "Live"), linking to `href`. The plugin adds only what the viewer may open.
 */
export type TrayRing = { userId: number; username: string; display_name: string; href: string; label: string }

declare module '../../core/hooks/types.js' {
  interface PluginHooks {
    'action:stories.replied': ActionDef<StoryRepliedPayload>
    /** The rings drawn before the people with stories, for one viewer (their stories ring is then left out). */
    'filter:stories.tray-rings': FilterDef<TrayRing[], { viewer: Viewer }>
  }
}

const stories = definePlugin({
  manifest: {
    name: 'stories',
    version: '1.0.0',
    description: 'Stories: photos, videos and text cards that disappear after a day, for an audience each member picks.',
    migrations: './migrations',
    // Its state is in the database (view-once grants are core's): any thread serves its reads (decision 061).
    threads: 'any',
    settings: {
      archive_hours: {
        type: 'number',
        label: 'Hours an expired story stays in its author’s archive (to save to a highlight) before it is deleted',
        default: 24,
        min: 0,
        max: 168,
        integer: true,
        help: 'Only the author sees the archive. 0 deletes expired stories at the next purge (every minute).',
      },
    },
    hooks: { 'action:stories.replied': action<StoryRepliedPayload>(), 'filter:stories.tray-rings': filter<TrayRing[], { viewer: Viewer }>() },
  },
  register(ctx) {
    const service = storiesService(ctx)
    ctx.routes.route('/', storyRoutes(ctx, service))
    reportableStories(ctx)
    ctx.assets('public')
    ctx.ui.nav({ id: 'stories', label: 'New story', href: '/stories/new', audience: 'members', order: 32, icon: 'circle-plus' })
    ctx.ui.slot('home.top', ({ viewer }) => (viewer ? StoryTray(ctx, service, viewer) : null), { order: 5 })
    ctx.ui.slot('profile.highlights', ({ profile, viewer }) => HighlightsRow(ctx, service, profile, viewer))
    // Stories per day on the console's dashboard, counted by core's rollup job.
    ctx.admin.metric({ id: 'posted', label: 'Stories', kind: 'count', compute: ({ from, to }) => storiesBetween(ctx.db, from, to) })
    ctx.admin.tile({ id: 'stories', label: 'Stories per day', metrics: ['posted'], need: 'staff', order: 25 })
    ctx.ui.profileTab({ id: 'highlights', label: 'Highlights', order: 20, render: ({ profile, viewer }) => HighlightsTab(service, profile, viewer) })
    ctx.ui.settingsPanel({
      id: 'stories',
      label: 'Close friends',
      render: ({ viewer, csrfToken, message }) => CloseFriendsPanel(service, viewer, csrfToken, message),
      save: ({ viewer, form }) => service.saveCloseFriends(viewer, form.close_friends ?? ''),
    })
    ctx.core.notifications.defineType('reaction', {
      label: 'Reactions to your stories',
      group: true,
      text: (n) => `${n.who} reacted ${String(n.data.emoji ?? '')} to your story`,
      url: (n) => `/stories/${n.me.username}/${Number(n.data.storyId)}`,
    })
    ctx.core.notifications.defineType('reply', {
      label: 'Replies to your stories',
      group: false,
      text: (n) => `${n.who} replied to your story: “${String(n.data.text ?? '')}”`,
      url: (n) => `/stories/${n.me.username}/${Number(n.data.storyId)}`,
    })
    ctx.core.notifications.defineType('mention', {
      label: 'Mentions in stories',
      group: false,
      text: (n) => `${n.who} mentioned you in their story`,
      url: (n) => (n.actors[0] ? `/stories/${n.actors[0].username}/${Number(n.data.storyId)}` : null),
    })
    // A story shared where others read it (a reply in a conversation): its frame while it lasts, to whoever may see it.
    ctx.ui.card('story', (viewer, id) => service.card(viewer, id))
    // Story files are viewable only by the story's audience while it is live, and by a highlight's viewers.
    ctx.hooks.on('filter:media.viewable', (value, { viewerId, mediaId }) => service.mediaViewable(value, viewerId, mediaId))
    ctx.hooks.on('action:user.blocked', ({ blockerId, blockedId }) => service.forgetBetween(blockerId, blockedId))
    // A member's data rights: their stories in their export; all of them gone with their account.
    ctx.hooks.on('filter:user.export', (parts, { userId }) => exportStories(ctx.db, userId, parts))
    ctx.hooks.on('action:user.deleted', ({ userId }) => deleteStoriesOf(ctx.db, userId))
    ctx.jobs.every('* * * * *', 'purge-expired', async () => {
      const done = await service.purge()
      if (done.stories) ctx.log.info(done, 'expired stories purged')
    })
  },
})

/** The context as this plugin sees it, with its settings typed. */
export type StoriesContext = Parameters<typeof stories.register>[0]
export default stories
