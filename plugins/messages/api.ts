// The messages API under /api/v1/messages: conversations, their messages, requests, members and the member's
// settings, in core's envelope with cursor pagination. The same service as the pages, so the same rules.
import { Hono } from 'hono'
import { z } from 'zod'
import { parse, type AppEnv } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { groupName, messageText, roleInput, sendInput, type MessagesService } from './service.js'

const who = z.union([z.number().int().positive(), z.string().min(1).max(64)], { error: 'Give a member id or username.' })
const createInput = z.union([
  z.object({ user: who }).strict(),
  z.object({ name: groupName, members: z.array(who, { error: 'members is a list of member ids or usernames.' }).min(1, 'Add at least one member.').max(5000) }).strict(),
])
const flagsInput = z.object({ muted: z.boolean().optional(), archived: z.boolean().optional(), pinned: z.boolean().optional(), name: groupName.optional() }).strict()
const folderInput = z.enum(['inbox', 'requests', 'archived'], { error: 'folder is inbox, requests or archived.' })
const readInput = z.object({ message_id: z.number().int().positive().optional() }).strict()

export function apiRoutes(ctx: MessagesContext, messages: MessagesService) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const base = '/api/v1/messages/conversations'
  const me = (c: Parameters<typeof ctx.http.viewer>[0]) => ctx.http.viewer(c)!

  app.get(base, member, async (c) => {
    const folder = parse(folderInput, c.req.query('folder') ?? 'inbox')
    return ctx.http.paginated(c, await messages.inbox(me(c), folder, { cursor: c.req.query('cursor'), limit: ctx.http.limit(c) }))
  })

  app.post(base, member, async (c) => {
    const input = parse(createInput, await ctx.http.jsonBody(c))
    if ('user' in input) {
      const { id, created } = await messages.direct(me(c), input.user)
      return ctx.http.json(c, await messages.get(me(c), id), created ? 201 : 200)
    }
    const id = await messages.createGroup(me(c), input)
    return ctx.http.json(c, await messages.get(me(c), id), 201)
  })

  app.get(`${base}/:id`, member, async (c) => ctx.http.json(c, await messages.get(me(c), ctx.http.id(c))))

  app.patch(`${base}/:id`, member, async (c) => {
    const id = ctx.http.id(c)
    const input = parse(flagsInput, await ctx.http.jsonBody(c))
    await messages.standing(me(c), id)
    if (input.name !== undefined) await messages.rename(me(c), id, input.name)
    await messages.setFlags(me(c), id, input)
    return ctx.http.json(c, await messages.get(me(c), id))
  })

  app.get(`${base}/:id/messages`, member, async (c) =>
    ctx.http.paginated(c, await messages.messages(me(c), ctx.http.id(c), { cursor: c.req.query('cursor'), limit: ctx.http.limit(c, { fallback: 30 }) })),
  )

  app.post(`${base}/:id/messages`, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.standing(me(c), id)
    const { message, created } = await messages.send(me(c), id, parse(sendInput, await ctx.http.jsonBody(c)))
    return ctx.http.json(c, message, created ? 201 : 200)
  })

  app.get(`${base}/:id/messages/:mid`, member, async (c) => ctx.http.json(c, await messages.message(me(c), ctx.http.id(c), ctx.http.id(c, 'mid'))))
  app.patch(`${base}/:id/messages/:mid`, member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    await messages.standing(me(c), id)
    const { text } = parse(z.object({ text: messageText }).strict(), await ctx.http.jsonBody(c))
    return ctx.http.json(c, await messages.edit(me(c), id, mid, text))
  })

  app.delete(`${base}/:id/messages/:mid`, member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    await messages.unsend(me(c), id, mid)
    return ctx.http.json(c, { id: mid, unsent: true })
  })

  app.post(`${base}/:id/messages/:mid/hide`, member, async (c) => {
    const mid = ctx.http.id(c, 'mid')
    await messages.hide(me(c), ctx.http.id(c), mid)
    return ctx.http.json(c, { id: mid, hidden: true })
  })

  app.post(`${base}/:id/read`, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.standing(me(c), id)
    const input = parse(readInput, await ctx.http.jsonBody(c, { optional: true }))
    return ctx.http.json(c, { last_read_id: await messages.markRead(me(c), id, input.message_id) })
  })

  app.post(`${base}/:id/accept`, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.accept(me(c), id)
    return ctx.http.json(c, await messages.get(me(c), id))
  })

  app.post(`${base}/:id/decline`, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.decline(me(c), id)
    return ctx.http.json(c, { id, declined: true })
  })

  app.post(`${base}/:id/members`, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.standing(me(c), id)
    const { user } = parse(z.object({ user: who }).strict(), await ctx.http.jsonBody(c))
    await messages.addMember(me(c), id, user)
    return ctx.http.json(c, await messages.get(me(c), id), 201)
  })

  app.put(`${base}/:id/members/:userId`, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.standing(me(c), id)
    const { role } = parse(roleInput.strict(), await ctx.http.jsonBody(c))
    await messages.setRole(me(c), id, ctx.http.id(c, 'userId'), role)
    return ctx.http.json(c, await messages.get(me(c), id))
  })

  app.delete(`${base}/:id/members/:userId`, member, async (c) => {
    const id = ctx.http.id(c)
    const userId = ctx.http.id(c, 'userId')
    await messages.removeMember(me(c), id, userId)
    return ctx.http.json(c, { id, user_id: userId, removed: true })
  })

  app.get('/api/v1/messages/unread', member, async (c) => ctx.http.json(c, await messages.unreadCounts(me(c))))

  app.get('/api/v1/messages/settings', member, async (c) => ctx.http.json(c, { read_receipts: await messages.readReceipts(me(c)) }))
  app.put('/api/v1/messages/settings', member, async (c) => {
    const { read_receipts } = parse(z.object({ read_receipts: z.boolean({ error: 'read_receipts is true or false.' }) }).strict(), await ctx.http.jsonBody(c))
    await messages.setReadReceipts(me(c), read_receipts)
    return ctx.http.json(c, { read_receipts })
  })

  return app
}
