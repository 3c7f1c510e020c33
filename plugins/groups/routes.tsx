// The groups pages: discovery and search (/groups), a group (/groups/ID: about, feed, members, management),
// invite links (/groups/invite/TOKEN), and every form they post. Plain forms with a 303 back, so no JavaScript is needed.
import { Hono, type Context } from 'hono'
import type { ComponentChildren } from 'preact'
import { isAppError, parse, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import { apiRoutes } from './api.js'
import { formNumber, groupInput, groupUpdateInput, inviteInput, roleInput, searchInput, userInput } from './inputs.js'
import type { GroupsContext } from './plugin.js'
import { pendingRequestsFor } from './queries.js'
import type { GroupsService, Standing } from './service.js'
import { DiscoveryPage, Feed, GroupHeader, InvitePage, GroupsNotice, ManagePanel, MembersList, type FormState, type NoticeKey } from './views.js'

/** Photos and videos one group post may carry, as many as core's compose form takes. */
const FILES_MAX = 10

type C = Context<AppEnv>

export function groupsRoutes(ctx: GroupsContext, groups: GroupsService) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const me = (c: C) => ctx.http.viewer(c)!
  const csrf = (c: C) => ctx.http.csrfToken(c)
  const num = (c: C, name: string) => ctx.http.id(c, name)
  const form = (c: C) => ctx.http.form(c)
  const page = (c: C, title: string, body: ComponentChildren, status?: 400 | 403) =>
    ctx.http.page(
      c,
      { title, status },
      <>
        <link rel="stylesheet" href="/plugins/groups/groups.css" />
        {body}
      </>,
    )
  const back = (c: C, path: string, notice: NoticeKey) => c.redirect(`${path}${path.includes('?') ? '&' : '?'}notice=${notice}`, 303)
  const pendingFor = async (s: Standing) => (s.role === 'owner' || s.role === 'admin' ? (await groups.requests(s.viewer!, s.group.id)).length : 0)

  // ---- Discovery

  const discovery = async (c: C, create?: FormState, status?: 400) => {
    const viewer = ctx.http.viewer(c)
    const { q } = parse(searchInput, { q: c.req.query('q') ?? '' })
    const found = await groups.search(q, { cursor: c.req.query('cursor'), limit: 30 })
    const mine = viewer ? await groups.groupsOf(viewer, viewer.id) : null
    return page(c, q ? `Groups: ${q}` : 'Groups', <DiscoveryPage q={q} results={found.items} next={found.nextCursor} mine={mine} csrf={csrf(c)} create={create} notice={c.req.query('notice')} />, status)
  }

  app.get('/groups', (c) => discovery(c))

  app.post('/groups', member, async (c) => {
    const values = await form(c)
    try {
      const id = await groups.create(me(c), parse(groupInput, { name: values.name ?? '', description: values.description ?? '', privacy: values.privacy || 'public' }))
      return back(c, `/groups/${id}`, 'created')
    } catch (err) {
      if (!isAppError(err) || err.status !== 400) throw err
      return discovery(c, { values, fields: (err.details.fields as Record<string, string> | undefined) ?? {}, message: err.message }, 400)
    }
  })

  // ---- Invite links (any privacy; the link itself is the permission to see the group's name)

  app.get('/groups/invite/:token', async (c) => {
    const token = c.req.param('token')
    const { group } = await groups.invitation(token)
    const viewer = ctx.http.viewer(c)
    const s = viewer ? await groups.standing(viewer, group.id).catch(() => null) : null
    return page(c, `Join ${group.name}`, <InvitePage group={group} token={token} csrf={csrf(c)} loggedIn={!!viewer} member={!!s?.role} />)
  })

  app.post('/groups/invite/:token', member, async (c) => back(c, `/groups/${await groups.joinByInvite(me(c), c.req.param('token'))}`, 'joined'))

  // ---- A group: about and feed

  const groupPage = async (c: C, id: number, problem?: { message: string; text: string }, status?: 400 | 403) => {
    const viewer = ctx.http.viewer(c)
    const s = await groups.standing(viewer, id)
    const feed = s.canRead ? (await groups.posts(viewer, id, { cursor: c.req.query('cursor') })).page : { items: [], nextCursor: null }
    return page(
      c,
      s.group.name,
      <>
        <GroupsNotice notice={c.req.query('notice')} />
        <GroupHeader s={s} state={groups.state(s)} csrf={csrf(c)} pending={await pendingFor(s)} current="feed" />
        <Feed s={s} posts={feed.items} next={feed.nextCursor} csrf={csrf(c)} problem={problem?.message} text={problem?.text} guidelines={s.role ? await ctx.http.guidelines(c, { next: `/groups/${id}` }) : null} />
      </>,
      status,
    )
  }

  app.get('/groups/:id{[0-9]+}', (c) => groupPage(c, num(c, 'id')))

  app.post('/groups/:id{[0-9]+}/join', member, async (c) => {
    const id = num(c, 'id')
    return back(c, `/groups/${id}`, (await groups.join(me(c), id)) === 'member' ? 'joined' : 'requested')
  })

  app.post('/groups/:id{[0-9]+}/leave', member, async (c) => {
    const id = num(c, 'id')
    const before = await groups.standing(me(c), id)
    await groups.leave(me(c), id)
    // A hidden group is gone from view once you leave it.
    if (before.group.privacy === 'hidden' && before.role) return back(c, '/groups', 'left')
    return back(c, `/groups/${id}`, before.role ? 'left' : 'withdrawn')
  })

  // Without JavaScript the files travel in the post form: each streams to disk as it arrives (never into memory),
  // and the ones stored are removed again if the post is refused.
  ctx.http.acceptFiles('/groups/:id/posts', { files: FILES_MAX })
  app.post('/groups/:id{[0-9]+}/posts', member, async (c) => {
    const id = num(c, 'id')
    const viewer = me(c)
    const stored: number[] = []
    const fields: Record<string, string[]> = {}
    try {
      const s = await groups.standing(viewer, id)
      if (!s.role) throw ctx.http.error(403, 'FORBIDDEN', 'Only members post in this group.')
      const tooMany = () => ctx.http.error(400, 'VALIDATION_FAILED', `Add at most ${FILES_MAX} photos or videos.`)
      await ctx.http.streamForm(c, async (file) => {
        if (stored.length >= FILES_MAX) throw tooMany()
        try {
          stored.push((await ctx.core.media.uploadStream(viewer.id, file.body)).id)
        } catch (err) {
          if (!isAppError(err) || !file.filename) throw err
          throw ctx.http.error(err.status, err.code, `${file.filename}: ${err.message}`, err.details)
        }
      }, fields)
      // With JavaScript (core's compose.js) the files were uploaded already and arrive as ids.
      const ids = (fields.media_ids ?? []).map(Number).filter((n) => Number.isInteger(n) && n > 0)
      if (ids.length + stored.length > FILES_MAX) throw tooMany()
      await groups.post(viewer, id, { text: fields.text?.[0] ?? '', media_ids: [...ids, ...stored], comments_enabled: true })
    } catch (err) {
      for (const m of stored) await ctx.core.media.remove(m)
      if (!isAppError(err) || (err.status !== 400 && err.status !== 413)) throw err
      return groupPage(c, id, { message: err.message, text: fields.text?.[0] ?? '' }, 400)
    }
    return back(c, `/groups/${id}`, 'posted')
  })

  app.post('/groups/:id{[0-9]+}/posts/:postId{[0-9]+}/remove', member, async (c) => {
    const id = num(c, 'id')
    const r = await groups.removePost(me(c), id, num(c, 'postId'))
    return back(c, `/groups/${id}`, r.removed ? 'post-removed' : 'post-reported')
  })

  // ---- Members

  app.get('/groups/:id{[0-9]+}/members', async (c) => {
    const viewer = ctx.http.viewer(c)
    const id = num(c, 'id')
    const s = await groups.standing(viewer, id)
    const list = s.canRead ? <MembersList s={s} members={await groups.members(viewer, id)} csrf={csrf(c)} /> : <p class="card muted">Only members see who is in this group.</p>
    return page(
      c,
      `Members of ${s.group.name}`,
      <>
        <GroupsNotice notice={c.req.query('notice')} />
        <GroupHeader s={s} state={groups.state(s)} csrf={csrf(c)} pending={await pendingFor(s)} current="members" />
        {list}
      </>,
    )
  })

  app.post('/groups/:id{[0-9]+}/members/:userId{[0-9]+}/role', member, async (c) => {
    const id = num(c, 'id')
    const { role } = parse(roleInput, await form(c))
    await groups.setRole(me(c), id, num(c, 'userId'), role)
    return back(c, `/groups/${id}/members`, 'role')
  })
  app.post('/groups/:id{[0-9]+}/members/:userId{[0-9]+}/remove', member, async (c) => {
    const id = num(c, 'id')
    await groups.removeMember(me(c), id, num(c, 'userId'))
    return back(c, `/groups/${id}/members`, 'removed')
  })
  app.post('/groups/:id{[0-9]+}/members/:userId{[0-9]+}/ban', member, async (c) => {
    const id = num(c, 'id')
    await groups.ban(me(c), id, num(c, 'userId'))
    return back(c, `/groups/${id}/members`, 'banned')
  })

  // ---- Management: requests, invites, bans, about, transfer, delete

  const managePage = async (c: C, id: number, edit?: FormState, status?: 400) => {
    const viewer = me(c)
    const s = await groups.standing(viewer, id)
    const admin = s.role === 'owner' || s.role === 'admin'
    if (!admin && viewer.role !== 'admin') throw ctx.http.error(403, 'FORBIDDEN', 'Only the group’s owner and admins manage it.')
    const [requests, invites, bans] = admin ? await Promise.all([groups.requests(viewer, id), groups.invites(viewer, id), groups.bans(viewer, id)]) : [[], [], []]
    return page(
      c,
      `Manage ${s.group.name}`,
      <>
        <GroupsNotice notice={c.req.query('notice')} />
        <GroupHeader s={s} state={groups.state(s)} csrf={csrf(c)} pending={requests.length} current="manage" />
        <ManagePanel s={s} csrf={csrf(c)} requests={requests} invites={invites} bans={bans} origin={new URL(c.req.url).origin} edit={edit} problem={edit?.message} />
      </>,
      status,
    )
  }

  app.get('/groups/:id{[0-9]+}/manage', member, (c) => managePage(c, num(c, 'id')))

  app.post('/groups/:id{[0-9]+}/requests/:userId{[0-9]+}/approve', member, async (c) => {
    const id = num(c, 'id')
    await groups.approve(me(c), id, num(c, 'userId'))
    return back(c, `/groups/${id}/manage`, 'approved')
  })
  app.post('/groups/:id{[0-9]+}/requests/:userId{[0-9]+}/reject', member, async (c) => {
    const id = num(c, 'id')
    await groups.reject(me(c), id, num(c, 'userId'))
    return back(c, `/groups/${id}/manage`, 'rejected')
  })

  app.post('/groups/:id{[0-9]+}/invites', member, async (c) => {
    const id = num(c, 'id')
    const f = await form(c)
    await groups.createInvite(me(c), id, parse(inviteInput, { expires_in_days: formNumber(f.expires_in_days), max_uses: formNumber(f.max_uses) }))
    return back(c, `/groups/${id}/manage`, 'invite')
  })
  app.post('/groups/:id{[0-9]+}/invites/:inviteId{[0-9]+}/revoke', member, async (c) => {
    const id = num(c, 'id')
    await groups.revokeInvite(me(c), id, num(c, 'inviteId'))
    return back(c, `/groups/${id}/manage`, 'revoked')
  })

  app.post('/groups/:id{[0-9]+}/bans', member, async (c) => {
    const id = num(c, 'id')
    const { user } = parse(userInput, { user: ((await form(c)).user ?? '').replace(/^@/, '') })
    await groups.ban(me(c), id, user)
    return back(c, `/groups/${id}/manage`, 'banned')
  })
  app.post('/groups/:id{[0-9]+}/bans/:userId{[0-9]+}/unban', member, async (c) => {
    const id = num(c, 'id')
    await groups.unban(me(c), id, num(c, 'userId'))
    return back(c, `/groups/${id}/manage`, 'unbanned')
  })

  app.post('/groups/:id{[0-9]+}/edit', member, async (c) => {
    const id = num(c, 'id')
    const values = await form(c)
    try {
      await groups.update(me(c), id, parse(groupUpdateInput, { name: values.name ?? '', description: values.description ?? '', privacy: values.privacy || undefined }))
    } catch (err) {
      if (!isAppError(err) || err.status !== 400) throw err
      return managePage(c, id, { values, fields: (err.details.fields as Record<string, string> | undefined) ?? {}, message: err.message }, 400)
    }
    return back(c, `/groups/${id}/manage`, 'saved')
  })

  app.post('/groups/:id{[0-9]+}/transfer', member, async (c) => {
    const id = num(c, 'id')
    const { user } = parse(userInput, { user: ((await form(c)).user ?? '').replace(/^@/, '') })
    await groups.transfer(me(c), id, user)
    return back(c, `/groups/${id}`, 'transferred')
  })

  app.post('/groups/:id{[0-9]+}/delete', member, async (c) => {
    const id = num(c, 'id')
    if ((await form(c)).confirm !== 'yes') throw ctx.http.error(400, 'VALIDATION_FAILED', 'Tick the box to confirm that you want to delete the group.')
    await groups.remove(me(c), id)
    return back(c, '/groups', 'deleted')
  })

  app.route('/', apiRoutes(ctx, groups))
  return app
}

/** The nav label with the number of join requests waiting for the viewer (as an owner or admin). */
export async function navLabel(ctx: GroupsContext, viewer: Viewer): Promise<string> {
  const n = await pendingRequestsFor(ctx.db, viewer.id)
  return n ? `Groups (${n})` : 'Groups'
}
