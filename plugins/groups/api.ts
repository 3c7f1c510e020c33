// The groups JSON API under /api/v1/groups, in core's envelope. A hidden group answers NOT_FOUND to non-members,
// exactly like a group that does not exist.
import { Hono, type Context } from 'hono'
import { displayName, parse, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import { groupInput, groupPostInput, groupUpdateInput, inviteInput, roleInput, searchInput, userInput } from './inputs.js'
import type { GroupsContext } from './plugin.js'
import type { GroupRow } from './queries.js'
import { standingsOf } from './queries.js'
import type { GroupsService, MembershipState } from './service.js'
import type { Invite, Role } from './tables.js'

/** The group object of the API. */
export function groupJson(g: GroupRow, standing: { state: MembershipState; role: Role | null } = { state: 'none', role: null }) {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    privacy: g.privacy,
    members_count: g.members_count,
    owner: g.owner_id ? { id: g.owner_id, username: g.owner_username, display_name: displayName({ display_name: g.owner_display_name, username: g.owner_username ?? '' }) } : null,
    membership: standing,
    url: `/groups/${g.id}`,
    created_at: g.created_at,
    updated_at: g.updated_at,
  }
}

const inviteJson = (i: Invite, origin: string) => ({
  id: i.id,
  token: i.token,
  url: `${origin}/groups/invite/${i.token}`,
  expires_at: i.expires_at,
  max_uses: i.max_uses,
  uses: i.uses,
  created_at: i.created_at,
})

const person = (r: { user_id: number; username: string; display_name: string }) => ({ id: r.user_id, username: r.username, display_name: r.display_name })

export function apiRoutes(ctx: GroupsContext, groups: GroupsService) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!
  const num = (c: Context<AppEnv>, name: string) => ctx.http.id(c, name)
  /** Every field of these bodies has a default or is required by the schema, so no body at all is `{}`. */
  const body = (c: Context<AppEnv>) => ctx.http.jsonBody(c, { optional: true })
  const limitOf = (c: Context<AppEnv>) => ctx.http.limit(c)
  const paginated = ctx.http.paginated
  const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin
  const one = async (viewer: Viewer | null, id: number) => {
    const s = await groups.standing(viewer, id)
    return groupJson(s.group, { state: groups.state(s), role: s.role })
  }

  app.get('/api/v1/groups', async (c) => {
    const { q } = parse(searchInput, { q: c.req.query('q') ?? '' })
    const found = await groups.search(q, { cursor: c.req.query('cursor'), limit: limitOf(c) })
    const viewer = ctx.http.viewer(c)
    const st = viewer ? await standingsOf(ctx.db, viewer.id, found.items.map((g) => g.id)) : new Map()
    const items = found.items.map((g) => {
      const s = st.get(g.id)
      return groupJson(g, s ? { state: s.role ? 'member' : s.banned ? 'banned' : s.requested ? 'requested' : 'none', role: s.role } : undefined)
    })
    return paginated(c, { items, nextCursor: found.nextCursor })
  })

  app.post('/api/v1/groups', member, async (c) => {
    const id = await groups.create(me(c), parse(groupInput, await body(c)))
    return ctx.http.json(c, await one(me(c), id), 201)
  })

  /** The viewer's groups, hidden ones included. */
  app.get('/api/v1/groups/mine', member, async (c) => {
    const mine = await groups.groupsOf(me(c), me(c).id)
    return ctx.http.json(c, mine.map((g) => groupJson(g, { state: 'member', role: g.role })))
  })

  // ---- Invite links (before /:id, which they would not match anyway: ids are numbers)
  app.get('/api/v1/groups/invites/:token', async (c) => {
    const { group } = await groups.invitation(c.req.param('token'))
    return ctx.http.json(c, { id: group.id, name: group.name, description: group.description, privacy: group.privacy, members_count: group.members_count })
  })
  app.post('/api/v1/groups/invites/:token', member, async (c) => {
    const id = await groups.joinByInvite(me(c), c.req.param('token'))
    return ctx.http.json(c, await one(me(c), id))
  })

  app.get('/api/v1/groups/:id{[0-9]+}', async (c) => ctx.http.json(c, await one(ctx.http.viewer(c), num(c, 'id'))))
  app.put('/api/v1/groups/:id{[0-9]+}', member, async (c) => {
    const id = num(c, 'id')
    await groups.update(me(c), id, parse(groupUpdateInput, await body(c)))
    return ctx.http.json(c, await one(me(c), id))
  })
  app.delete('/api/v1/groups/:id{[0-9]+}', member, async (c) => {
    await groups.remove(me(c), num(c, 'id'))
    return ctx.http.json(c, { deleted: true })
  })

  // ---- Membership: join (or ask to), leave (or withdraw), and the list
  app.post('/api/v1/groups/:id{[0-9]+}/members', member, async (c) => {
    // `member` for a public group, `requested` for a private one (an admin answers).
    return ctx.http.json(c, { state: await groups.join(me(c), num(c, 'id')) })
  })
  app.delete('/api/v1/groups/:id{[0-9]+}/members', member, async (c) => ctx.http.json(c, { state: await groups.leave(me(c), num(c, 'id')) }))
  app.get('/api/v1/groups/:id{[0-9]+}/members', async (c) => {
    const rows = await groups.members(ctx.http.viewer(c), num(c, 'id'))
    return ctx.http.json(c, rows.map((r) => ({ user: person(r), role: r.role, joined_at: r.joined_at })))
  })
  app.put('/api/v1/groups/:id{[0-9]+}/members/:userId{[0-9]+}', member, async (c) => {
    const { role } = parse(roleInput, await body(c))
    await groups.setRole(me(c), num(c, 'id'), num(c, 'userId'), role)
    return ctx.http.json(c, { user_id: num(c, 'userId'), role })
  })
  app.delete('/api/v1/groups/:id{[0-9]+}/members/:userId{[0-9]+}', member, async (c) => {
    await groups.removeMember(me(c), num(c, 'id'), num(c, 'userId'))
    return ctx.http.json(c, { removed: true })
  })

  // ---- Requests (private groups)
  app.get('/api/v1/groups/:id{[0-9]+}/requests', member, async (c) => {
    const rows = await groups.requests(me(c), num(c, 'id'))
    return ctx.http.json(c, rows.map((r) => ({ user: person(r), created_at: r.created_at })))
  })
  app.post('/api/v1/groups/:id{[0-9]+}/requests/:userId{[0-9]+}/approve', member, async (c) => {
    await groups.approve(me(c), num(c, 'id'), num(c, 'userId'))
    return ctx.http.json(c, { state: 'member' })
  })
  app.delete('/api/v1/groups/:id{[0-9]+}/requests/:userId{[0-9]+}', member, async (c) => {
    await groups.reject(me(c), num(c, 'id'), num(c, 'userId'))
    return ctx.http.json(c, { rejected: true })
  })

  // ---- Bans
  app.get('/api/v1/groups/:id{[0-9]+}/bans', member, async (c) => {
    const rows = await groups.bans(me(c), num(c, 'id'))
    return ctx.http.json(c, rows.map((r) => ({ user: person(r), created_at: r.created_at })))
  })
  app.post('/api/v1/groups/:id{[0-9]+}/bans', member, async (c) => {
    const { user } = parse(userInput, await body(c))
    return ctx.http.json(c, { user_id: await groups.ban(me(c), num(c, 'id'), user), banned: true }, 201)
  })
  app.delete('/api/v1/groups/:id{[0-9]+}/bans/:userId{[0-9]+}', member, async (c) => {
    await groups.unban(me(c), num(c, 'id'), num(c, 'userId'))
    return ctx.http.json(c, { banned: false })
  })

  // ---- Invites, transfer
  app.get('/api/v1/groups/:id{[0-9]+}/invites', member, async (c) => ctx.http.json(c, (await groups.invites(me(c), num(c, 'id'))).map((i) => inviteJson(i, origin(c)))))
  app.post('/api/v1/groups/:id{[0-9]+}/invites', member, async (c) => {
    const invite = await groups.createInvite(me(c), num(c, 'id'), parse(inviteInput, await body(c)))
    return ctx.http.json(c, inviteJson(invite, origin(c)), 201)
  })
  app.delete('/api/v1/groups/:id{[0-9]+}/invites/:inviteId{[0-9]+}', member, async (c) => {
    await groups.revokeInvite(me(c), num(c, 'id'), num(c, 'inviteId'))
    return ctx.http.json(c, { revoked: true })
  })
  app.post('/api/v1/groups/:id{[0-9]+}/transfer', member, async (c) => {
    const { user } = parse(userInput, await body(c))
    const id = num(c, 'id')
    await groups.transfer(me(c), id, user)
    return ctx.http.json(c, await one(me(c), id))
  })

  // ---- The feed
  app.get('/api/v1/groups/:id{[0-9]+}/posts', async (c) => {
    const { page } = await groups.posts(ctx.http.viewer(c), num(c, 'id'), { cursor: c.req.query('cursor'), limit: limitOf(c) })
    return paginated(c, page)
  })
  app.post('/api/v1/groups/:id{[0-9]+}/posts', member, async (c) => {
    const post = await groups.post(me(c), num(c, 'id'), parse(groupPostInput, await body(c)))
    return ctx.http.json(c, post, 201)
  })
  app.delete('/api/v1/groups/:id{[0-9]+}/posts/:postId{[0-9]+}', member, async (c) => ctx.http.json(c, await groups.removePost(me(c), num(c, 'id'), num(c, 'postId'))))

  return app
}
