// The messages pages: the inbox and its folders (/messages, /messages/requests, /messages/archived), a new
// conversation, a thread (/messages/ID) and every form it posts, and a group's members. Plain forms with a 303 back.
import { randomUUID } from 'node:crypto'
import { Hono, type Context } from 'hono'
import type { ComponentChildren } from 'preact'
import { isAppError, parse, type AppEnv } from '../../core/plugins/api.js'
import { apiRoutes } from './api.js'
import { attachmentRoutes } from './attachment-routes.js'
import type { Calls } from './calls.js'
import type { MessagesContext } from './plugin.js'
import { receivePicture } from './pictures.js'
import { presenceText, type Presence } from './presence.js'
import type { Folder } from './queries.js'
import { groupName, messageText, roleInput, sendInput, type MessagesService } from './service.js'
import { shareInput } from './shares.js'
import { EditPage, InboxPage, MembersPage, NewPage, SharePage, ThreadPage, type NoticeKey } from './views.js'
import { z } from 'zod'

type C = Context<AppEnv>
type Fields = Record<string, string>

/** Usernames typed into a form: separated by spaces or commas, an @ allowed. */
export const usernames = (raw: string) =>
  raw
    .split(/[\s,]+/)
    .map((s) => s.replace(/^@/, ''))
    .filter(Boolean)

export function messagesRoutes(ctx: MessagesContext, messages: MessagesService, live: { presence: Presence; calls: Calls }) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const me = (c: C) => ctx.http.viewer(c)!
  const csrf = (c: C) => ctx.http.csrfToken(c)
  const page = (c: C, title: string, body: ComponentChildren, status?: 400 | 403 | 404 | 409 | 413 | 429) =>
    ctx.http.page(
      c,
      { title, status },
      <>
        <link rel="stylesheet" href="/plugins/messages/messages.css" />
        {body}
      </>,
    )
  const back = (c: C, path: string, notice?: NoticeKey) => c.redirect(notice ? `${path}${path.includes('?') ? '&' : '?'}notice=${notice}` : path, 303)
  /** A form error as the page shows it: the status, the message, and each field's message. */
  const problemOf = (err: unknown) => {
    if (!isAppError(err) || ![400, 403, 409, 429].includes(err.status)) throw err
    return { status: err.status as 400 | 403 | 409 | 429, message: err.message, fields: (err.details.fields as Fields | undefined) ?? {} }
  }

  // Sends with photos, videos, files or a voice note (multipart) first; other bodies go on to the routes below.
  app.route('/', attachmentRoutes(ctx, messages, (c, id, problem, status) => thread(c, id, problem, status)))

  // ---- The inbox and its folders

  const folder = (name: Folder) => async (c: C) => {
    const viewer = me(c)
    const list = await messages.inbox(viewer, name, { cursor: c.req.query('cursor') })
    const { requests } = await messages.pageCounts(viewer)
    const titles = { inbox: 'Messages', requests: 'Message requests', archived: 'Archived conversations' }
    return page(c, titles[name], <InboxPage folder={name} items={list.items} next={list.nextCursor} requests={requests} notice={c.req.query('notice')} />)
  }
  app.get('/messages', member, folder('inbox'))
  app.get('/messages/requests', member, folder('requests'))
  app.get('/messages/archived', member, folder('archived'))

  // ---- Starting a conversation

  app.get('/messages/new', member, (c) => page(c, 'New message', <NewPage csrf={csrf(c)} values={{ user: c.req.query('to') ?? '' }} />))

  app.post('/messages/new', member, async (c) => {
    const values = await ctx.http.form(c)
    const user = (values.user ?? '').trim().replace(/^@/, '')
    try {
      if (!user) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Enter a username.', { fields: { user: 'Enter a username.' } })
      const { id } = await messages.direct(me(c), user)
      return back(c, `/messages/${id}`)
    } catch (err) {
      // A member who does not exist (or is blocked either way) is a form error here, not an error page.
      if (isAppError(err) && err.status === 404) return page(c, 'New message', <NewPage csrf={csrf(c)} values={values} message={err.message} fields={{ user: err.message }} />, 404)
      const p = problemOf(err)
      return page(c, 'New message', <NewPage csrf={csrf(c)} values={values} message={p.message} fields={p.fields} />, p.status)
    }
  })

  app.post('/messages/groups', member, async (c) => {
    const values = await ctx.http.form(c)
    try {
      const input = parse(z.object({ name: groupName }), { name: values.name ?? '' })
      const people = usernames(values.members ?? '')
      if (people.length === 0) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Add at least one member.', { fields: { members: 'Add at least one member.' } })
      const id = await messages.createGroup(me(c), { name: input.name, members: people })
      return back(c, `/messages/${id}`)
    } catch (err) {
      if (isAppError(err) && err.status === 404) return page(c, 'New message', <NewPage csrf={csrf(c)} values={values} message={err.message} fields={{ members: err.message }} />, 404)
      const p = problemOf(err)
      return page(c, 'New message', <NewPage csrf={csrf(c)} values={values} message={p.message} fields={p.fields} />, p.status)
    }
  })

  // ---- Sending a post, a profile or a story in a message

  /** The card being shared, as the sender sees it: NOT_FOUND (a 404 page) when they may not see it themself. */
  const shared = async (c: C, raw: { kind?: string; ref?: string }) => {
    const share = parse(shareInput, raw)
    const card = await ctx.core.cards.resolve(me(c), share.kind, share.ref)
    if (!card) throw ctx.http.error(404, 'NOT_FOUND', 'That does not exist.')
    return card
  }
  const sharePage = async (c: C, card: Awaited<ReturnType<typeof shared>>, problem?: { message: string; fields: Fields; values: Fields }, status?: 400 | 403 | 404 | 409 | 429) => {
    const recent = (await messages.inbox(me(c), 'inbox', { limit: 8 })).items.filter((x) => x.me.state === 'active')
    return page(c, 'Send in a message', <SharePage card={card} csrf={csrf(c)} recent={recent} message={problem?.message} fields={problem?.fields} values={problem?.values} />, status)
  }

  app.get('/messages/share', member, async (c) => sharePage(c, await shared(c, { kind: c.req.query('kind'), ref: c.req.query('ref') })))

  app.post('/messages/share', member, async (c) => {
    const values = await ctx.http.form(c)
    const card = await shared(c, values)
    try {
      const user = (values.user ?? '').trim().replace(/^@/, '')
      const chosen = Number(values.conversation)
      if (!user && !(Number.isInteger(chosen) && chosen > 0)) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Choose a conversation or enter a username.', { fields: { user: 'Choose a conversation or enter a username.' } })
      const id = user ? (await messages.direct(me(c), user)).id : chosen
      const { message } = await messages.send(me(c), id, parse(sendInput, { text: values.text ?? '', share: { kind: card.kind, ref: card.ref }, client_id: values.client_id || null }))
      return c.redirect(`/messages/${id}#m-${message.id}`, 303)
    } catch (err) {
      // An unknown member (or one blocked either way) or a conversation one is not in: a form error on this page.
      if (isAppError(err) && err.status === 404) return sharePage(c, card, { message: err.message, fields: { user: err.message }, values }, 404)
      const p = problemOf(err)
      return sharePage(c, card, { message: p.message, fields: p.fields, values }, p.status)
    }
  })

  // ---- A thread

  const thread = async (c: C, id: number, problem?: { message: string; text: string }, status?: 400 | 403 | 409 | 413 | 429) => {
    const viewer = me(c)
    const before = c.req.query('before')
    const list = await messages.messages(viewer, id, { cursor: before, limit: 30 })
    // Looking at the newest messages reads them (not an older page).
    if (!before) await messages.markRead(viewer, id)
    const conv = await messages.get(viewer, id, { shown: true })
    const reply = Number(c.req.query('reply'))
    const replyTo = Number.isInteger(reply) && reply > 0 ? await messages.message(viewer, id, reply).catch(() => null) : null
    const direct = conv.kind === 'direct' && conv.me.state === 'active'
    const presence = direct ? presenceText(await live.presence.of(viewer, id)) : undefined
    const callable = direct && (await live.calls.mayCall(viewer, id))
    return page(
      c,
      conv.title,
      <ThreadPage c={conv} messages={list.items} older={list.nextCursor} latest={!before} me={viewer.id} csrf={csrf(c)} clientId={randomUUID()} replyTo={replyTo?.kind === 'system' || replyTo?.unsent ? null : replyTo} notice={c.req.query('notice')} problem={problem} presence={presence} callable={callable} gifts={ctx.plugins.enabled('coins')} maxFileMb={await ctx.settings.get('max_file_mb')} guidelines={await ctx.http.guidelines(c, { kind: 'message', next: `/messages/${id}` })} />,
      status,
    )
  }

  app.get('/messages/:id', member, (c) => thread(c, ctx.http.id(c)))

  app.post('/messages/:id', member, async (c) => {
    const id = ctx.http.id(c)
    const values = await ctx.http.form(c)
    try {
      const { message } = await messages.send(me(c), id, parse(sendInput, { text: values.text ?? '', client_id: values.client_id || null, reply_to: values.reply_to || null, disappear_seconds: values.disappear_seconds || null }))
      return c.redirect(`/messages/${id}#m-${message.id}`, 303)
    } catch (err) {
      const p = problemOf(err)
      return thread(c, id, { message: p.message, text: values.text ?? '' }, p.status)
    }
  })

  app.get('/messages/:id/messages/:mid/edit', member, async (c) => {
    const id = ctx.http.id(c)
    const m = await messages.message(me(c), id, ctx.http.id(c, 'mid'))
    if (m.sender?.id !== me(c).id || m.unsent || m.kind !== 'text') throw ctx.http.error(403, 'FORBIDDEN', 'You can edit only your own messages.')
    return page(c, 'Edit message', <EditPage conversationId={id} m={m} csrf={csrf(c)} />)
  })

  app.post('/messages/:id/messages/:mid/edit', member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    const values = await ctx.http.form(c)
    try {
      const text = parse(z.object({ text: messageText }), { text: values.text ?? '' }).text
      await messages.edit(me(c), id, mid, text)
      return c.redirect(`/messages/${id}?notice=edited#m-${mid}`, 303)
    } catch (err) {
      const p = problemOf(err)
      const m = await messages.message(me(c), id, mid)
      return page(c, 'Edit message', <EditPage conversationId={id} m={m} csrf={csrf(c)} message={p.message} text={values.text} />, p.status)
    }
  })

  app.post('/messages/:id/messages/:mid/unsend', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.unsend(me(c), id, ctx.http.id(c, 'mid'))
    return back(c, `/messages/${id}`, 'unsent')
  })

  app.post('/messages/:id/messages/:mid/hide', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.hide(me(c), id, ctx.http.id(c, 'mid'))
    return back(c, `/messages/${id}`, 'hidden')
  })

  // ---- Requests and the viewer's own flags

  app.post('/messages/:id/accept', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.accept(me(c), id)
    return back(c, `/messages/${id}`, 'accepted')
  })
  app.post('/messages/:id/decline', member, async (c) => {
    await messages.decline(me(c), ctx.http.id(c))
    return back(c, '/messages/requests', 'declined')
  })
  app.post('/messages/:id/block', member, async (c) => {
    await messages.block(me(c), ctx.http.id(c))
    return back(c, '/messages', 'blocked')
  })
  app.post('/messages/:id/flags', member, async (c) => {
    const id = ctx.http.id(c)
    const f = await ctx.http.form(c)
    const flag = (v: string | undefined) => (v === undefined ? undefined : v === '1')
    await messages.setFlags(me(c), id, { muted: flag(f.muted), archived: flag(f.archived), pinned: flag(f.pinned) })
    return back(c, f.archived === '1' ? '/messages' : `/messages/${id}`, 'saved')
  })

  // ---- A group's members

  const membersPage = async (c: C, id: number, problem?: { message: string; fields: Fields; values: Fields }, status?: 400 | 403 | 404 | 409) => {
    const conv = await messages.get(me(c), id)
    if (conv.kind !== 'group' || conv.me.state !== 'active') throw ctx.http.error(404, 'NOT_FOUND', 'That conversation does not exist.')
    return page(c, `${conv.title}: members`, <MembersPage c={conv} me={me(c).id} csrf={csrf(c)} notice={c.req.query('notice')} {...problem} />, status)
  }
  app.get('/messages/:id/members', member, (c) => membersPage(c, ctx.http.id(c)))
  app.post('/messages/:id/members', member, async (c) => {
    const id = ctx.http.id(c)
    const values = await ctx.http.form(c)
    try {
      const who = (values.user ?? '').trim().replace(/^@/, '')
      if (!who) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Enter a username.', { fields: { user: 'Enter a username.' } })
      await messages.addMember(me(c), id, who)
      return back(c, `/messages/${id}/members`, 'added')
    } catch (err) {
      if (isAppError(err) && err.status === 404 && err.message === 'That member does not exist.') return membersPage(c, id, { message: err.message, fields: { user: err.message }, values }, 404)
      const p = problemOf(err)
      return membersPage(c, id, { message: p.message, fields: p.fields, values }, p.status === 429 ? 400 : p.status)
    }
  })
  app.post('/messages/:id/members/:uid/role', member, async (c) => {
    const id = ctx.http.id(c)
    const { role } = parse(roleInput, await ctx.http.form(c))
    await messages.setRole(me(c), id, ctx.http.id(c, 'uid'), role)
    return back(c, `/messages/${id}/members`, 'role')
  })
  app.post('/messages/:id/members/:uid/remove', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.removeMember(me(c), id, ctx.http.id(c, 'uid'))
    return back(c, `/messages/${id}/members`, 'removed')
  })
  app.post('/messages/:id/leave', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.removeMember(me(c), id, me(c).id)
    return back(c, '/messages', 'left')
  })
  app.post('/messages/:id/name', member, async (c) => {
    const id = ctx.http.id(c)
    const values = await ctx.http.form(c)
    try {
      await messages.rename(me(c), id, parse(z.object({ name: groupName }), { name: values.name ?? '' }).name)
      return back(c, `/messages/${id}/members`, 'renamed')
    } catch (err) {
      const p = problemOf(err)
      return membersPage(c, id, { message: p.message, fields: p.fields, values }, p.status === 429 ? 400 : p.status)
    }
  })

  // A group's picture: a photo (multipart `picture`), or `remove=1` to take it away.
  app.post('/messages/:id/picture', member, async (c) => {
    const id = ctx.http.id(c)
    const fields: Record<string, string[]> = {}
    try {
      const mediaId = await receivePicture(ctx, messages, c, id, fields)
      if (mediaId === null && fields.remove?.[0] !== '1') throw ctx.http.error(400, 'VALIDATION_FAILED', 'Choose a photo.', { fields: { picture: 'Choose a photo.' } })
      try {
        await messages.setPicture(me(c), id, mediaId)
      } catch (err) {
        if (mediaId !== null) await ctx.core.media.remove(mediaId)
        throw err
      }
      return back(c, `/messages/${id}/members`, mediaId === null ? 'unpictured' : 'pictured')
    } catch (err) {
      const p = problemOf(err)
      c.header('Connection', 'close')
      return membersPage(c, id, { message: p.message, fields: p.fields, values: {} }, p.status === 429 ? 400 : p.status)
    }
  })

  app.route('/', apiRoutes(ctx, messages))
  return app
}
