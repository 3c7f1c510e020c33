// Groups: public, private and hidden groups with roles, requests, bans, invite links and a feed of core posts
// kept in the group's post scope (`groups:ID`), so core shows them by the group's rules on every path.
import { deleteGroupsOf, exportGroups } from './data-rights.js'
import { definePlugin } from '../../core/plugins/api.js'
import { groupOfPost } from './queries.js'
import { groupsRoutes, navLabel } from './routes.js'
import { createGroupsService } from './service.js'
import { GroupLine, ProfileGroups } from './views.js'

const groups = definePlugin({
  manifest: {
    name: 'groups',
    version: '1.0.0',
    description: 'Groups: public, private and hidden groups with their own feed, roles, join requests, bans and invite links.',
    migrations: './migrations',
    // Its state is in the database (view-once grants are core's): any thread serves its reads (decision 061).
    threads: 'any',
    settings: {
      max_owned: { type: 'number', label: 'Groups one member may own', default: 20, min: 1, max: 1000, integer: true, help: 'Site admins are not limited.' },
    },
  },
  register(ctx) {
    const service = createGroupsService(ctx, { maxOwned: () => ctx.settings.get('max_owned') })
    ctx.routes.route('/', groupsRoutes(ctx, service))
    ctx.assets('public')
    ctx.ui.nav({ id: 'groups', label: 'Groups', href: '/groups', audience: 'everyone', order: 40, icon: 'users' })
    // The nav item carries the number of join requests waiting for the viewer, like Notifications does.
    // A member's data rights: their memberships in their export; gone with their account.
    ctx.hooks.on('filter:user.export', (parts, { userId }) => exportGroups(ctx.db, userId, parts))
    ctx.hooks.on('action:user.deleted', ({ userId }) => deleteGroupsOf(ctx.db, userId))
    ctx.hooks.on('filter:ui.nav-items', async (items, { viewer }) => {
      if (!viewer || !items.some((i) => i.id === 'groups')) return items
      const label = await navLabel(ctx, viewer)
      return label === 'Groups' ? items : items.map((i) => (i.id === 'groups' ? { ...i, label } : i))
    })
    ctx.ui.profileTab({
      id: 'groups',
      label: 'Groups',
      order: 30,
      render: async ({ profile, viewer }) => ProfileGroups({ groups: await service.groupsOf(viewer, profile.id), self: viewer?.id === profile.id }),
    })
    // "in GROUP" under a group's posts wherever core lists them (one indexed query per group post, none for the
    // others). Whoever sees the post may see its group: core shows a scoped post only to the scope's members, or
    // to anyone for a public group.
    ctx.ui.slot('post.actions', async ({ postId, scope }) => {
      if (!scope?.startsWith('groups:')) return null
      const g = await groupOfPost(ctx.db, postId)
      return g ? GroupLine({ group: g }) : null
    })
    ctx.core.notifications.defineType('request', {
      label: 'Requests to join groups you run',
      group: true,
      text: (n) => `${n.who} asked to join ${String(n.data.name)}`,
      url: (n) => `/groups/${Number(n.data.groupId)}/manage`,
    })
    ctx.core.notifications.defineType('approved', {
      label: 'Your requests to join groups approved',
      group: false,
      text: (n) => `${n.who} approved your request to join ${String(n.data.name)}`,
      url: (n) => `/groups/${Number(n.data.groupId)}`,
    })
  },
})

/** The context as this plugin sees it. */
export type GroupsContext = Parameters<typeof groups.register>[0]

export default groups
