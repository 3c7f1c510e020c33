// Calls between members who may message each other: voice or video, peer to peer (core's ICE servers and signal
// check, decision 024). The callee's every open page rings over their own topic (presence.ts); answering on one stops
// the others. The two pages that take part join `messages:call:ID`, which passes their signals and mute/camera state
// to each other only. Every call leaves a line in the conversation: "Missed call", "Declined call", "Call, 4 min".
import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { z } from 'zod'
import { displayName, parse, type AppEnv, type PluginDb, type Topic, type Viewer } from '../../core/plugins/api.js'
import type { CallEvent } from './call-text.js'
import type { MessagesContext } from './plugin.js'
import { userTopicId, type Presence } from './presence.js'
import { insertMessage, membersOf, standingIn } from './queries.js'
import { topicId, type MessagesService } from './service.js'

export const callTopicId = (callId: string) => `messages:call:${callId}` as const

/** A call as both sides and the API see it. */
export interface CallView {
  id: string
  conversation_id: number
  caller: { id: number; username: string; display_name: string }
  callee_id: number
  video: boolean
  /** ringing until answered, then active; an ended call is gone (its line is in the conversation). */
  state: 'ringing' | 'active'
  started_at: string
  answered_at: string | null
}

interface Call extends CallView {
  callerViewer: Viewer
  timer: ReturnType<typeof setTimeout> | null
  /** Sweeps that found nobody in the call's topic while active. */
  empty: number
}

const startInput = z.object({ video: z.boolean({ error: 'video is true or false.' }).optional() }).strict()
export const callMessage = z.union([
  z.object({ signal: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ muted: z.boolean(), camera: z.boolean() }).strict(),
])

export type Calls = ReturnType<typeof createCalls>

export function createCalls(ctx: MessagesContext, service: MessagesService, conv: () => Topic<'messages:conv'>, presence: Presence) {
  const db: PluginDb = ctx.db
  const calls = new Map<string, Call>()
  const missing = () => ctx.http.error(404, 'NOT_FOUND', 'That call does not exist.')
  const view = ({ callerViewer: _v, timer: _t, empty: _e, ...c }: Call): CallView => ({ ...c })
  const callOf = (topic: string) => calls.get(topic.slice('messages:call:'.length))
  const busy = (userId: number) => [...calls.values()].some((c) => c.caller.id === userId || c.callee_id === userId)

  const topic = ctx.realtime.topic('messages:call', {
    // The two members of a call that is ringing or on; anyone else (or a call that ended) looks like no topic at all.
    authorize: (viewer, id) => {
      const c = callOf(id)
      return !!c && (c.caller.id === viewer.id || c.callee_id === viewer.id)
    },
    // Each side sees the other leave (a closed tab) and hangs up.
    presence: true,
    accept: callMessage,
    onMessage: (conn, id, m) => {
      const c = callOf(id)
      if (!c || c.state !== 'active') return
      if ('signal' in m) {
        const signal = ctx.core.rtc.checkSignal(m.signal)
        if (typeof signal === 'string') return ctx.log.debug({ problem: signal }, 'call signal refused')
        topic.publish(id, 'signal', { from: conn.viewer.id, data: signal }, { except: conn.viewer.id })
      } else topic.publish(id, 'media', { userId: conn.viewer.id, muted: m.muted, camera: m.camera }, { except: conn.viewer.id })
    },
  })

  /**
   * The other member of a direct conversation the viewer may call: the same rule as writing to them. Hidden or
   * blocked answers like a missing conversation; a request not accepted (on either side) is refused.
   */
  async function callee(viewer: Viewer, conversationId: number) {
    const s = await standingIn(db, viewer.id, conversationId)
    if (!s || s.p.state !== 'active') throw ctx.http.error(404, 'NOT_FOUND', 'That conversation does not exist.')
    if (s.c.kind !== 'direct') throw ctx.http.error(409, 'CONFLICT', 'Calls are between two members: call from a direct conversation.')
    if (s.p.request !== 'none') throw ctx.http.error(403, 'FORBIDDEN', 'Accept this request before calling.')
    const other = (await membersOf(db, [conversationId])).find((m) => m.user_id !== viewer.id)
    if (!other || other.state !== 'active') throw ctx.http.error(404, 'NOT_FOUND', 'That conversation does not exist.')
    // Pending or declined look the same to the caller, as they do when writing.
    if (other.request !== 'none') throw ctx.http.error(403, 'FORBIDDEN', 'You can call them once they accept your message request.')
    return other
  }

  /**
   * End a call: its line goes into the conversation, both sides (every page of each) hear it ended. A missed call
   * notifies the callee (`tell`, unless the call ended because one of them may no longer call the other).
   */
  async function finish(c: Call, outcome: CallEvent['outcome'], tell = outcome === 'missed') {
    if (calls.get(c.id) !== c) return
    calls.delete(c.id)
    if (c.timer) clearTimeout(c.timer)
    const seconds = outcome === 'ended' && c.answered_at ? Math.max(1, Math.round((Date.now() - Date.parse(c.answered_at)) / 1000)) : null
    const event: CallEvent = { type: 'call', video: c.video, outcome, seconds }
    const lineId = await db.transaction().execute((trx) => insertMessage(trx, { conversation_id: c.conversation_id, sender_id: c.caller.id, kind: 'system', event: JSON.stringify(event) }))
    topic.publish(callTopicId(c.id), 'ended', { id: c.id, outcome, seconds })
    for (const userId of [c.caller.id, c.callee_id]) {
      presence.users.publish(userTopicId(userId), 'call', { id: c.id, state: 'ended', outcome })
      topic.kick(callTopicId(c.id), userId)
    }
    const line = await service.message(c.callerViewer, c.conversation_id, lineId).catch(() => null)
    if (line) {
      conv().publish(topicId(c.conversation_id), 'message', line, { durable: lineId })
      await presence.sent(line, 'direct') // calls are 1:1
    }
    if (tell && outcome === 'missed' && !c.answered_at) await missed(c)
  }

  /** "Missed call from ana": grouped per conversation, not for a conversation the callee muted (core drops it across a block). */
  async function missed(c: Call) {
    const s = await standingIn(db, c.callee_id, c.conversation_id)
    if (!s || s.p.state !== 'active' || s.p.request !== 'none' || s.p.muted === 1) return
    await ctx.core.notifications
      .notify({ userId: c.callee_id, type: 'missed_call', actorId: c.caller.id, groupKey: String(c.conversation_id), data: { conversationId: c.conversation_id, video: c.video } })
      .catch((err) => ctx.log.warn({ err }, 'missed call notification failed'))
  }

  const mine = (viewer: Viewer, callId: string) => {
    const c = calls.get(callId)
    if (!c || (c.caller.id !== viewer.id && c.callee_id !== viewer.id)) throw missing()
    return c
  }

  const service_ = {
    topic,
    /** Ring the other member of a direct conversation (every page of theirs); ends as missed after `ring_seconds`. */
    async start(viewer: Viewer, conversationId: number, video: boolean) {
      const other = await callee(viewer, conversationId)
      if (busy(viewer.id)) throw ctx.http.error(409, 'CONFLICT', 'You are already in a call.')
      if (busy(other.user_id)) throw ctx.http.error(409, 'CONFLICT', 'They are on another call. Try again later.')
      ctx.core.limits.hit(`call:user:${viewer.id}`, { limit: 10, windowSeconds: 300, message: (s) => `You are calling too often. Wait ${s} s.` })
      const c: Call = {
        id: randomUUID(),
        conversation_id: conversationId,
        caller: { id: viewer.id, username: viewer.username, display_name: displayName(viewer) },
        callee_id: other.user_id,
        video,
        state: 'ringing',
        started_at: new Date().toISOString(),
        answered_at: null,
        callerViewer: viewer,
        timer: null,
        empty: 0,
      }
      calls.set(c.id, c)
      const ring = (await ctx.settings.get('call_ring_seconds')) * 1000
      c.timer = setTimeout(() => void finish(c, 'missed').catch((err) => ctx.log.error({ err }, 'ending an unanswered call failed')), ring)
      c.timer.unref?.()
      presence.users.publish(userTopicId(other.user_id), 'ring', { call: view(c), iceServers: await ctx.core.rtc.iceServers(other.user_id) })
      return { call: view(c), ice_servers: await ctx.core.rtc.iceServers(viewer.id) }
    },

    /** Answer on this page: the caller is told to make the offer, the callee's other pages stop ringing. */
    async accept(viewer: Viewer, callId: string) {
      const c = mine(viewer, callId)
      if (c.callee_id !== viewer.id) throw missing()
      if (c.state !== 'ringing') throw ctx.http.error(409, 'CONFLICT', 'This call was already answered.')
      try {
        await callee(viewer, c.conversation_id)
      } catch (err) {
        // They may no longer call each other (a block, a request): nobody is told of a missed call.
        await finish(c, 'missed', false)
        throw err
      }
      c.state = 'active'
      c.answered_at = new Date().toISOString()
      if (c.timer) clearTimeout(c.timer)
      c.timer = null
      presence.users.publish(userTopicId(viewer.id), 'call', { id: c.id, state: 'answered' })
      topic.publish(callTopicId(c.id), 'accepted', { id: c.id })
      return { call: view(c), ice_servers: await ctx.core.rtc.iceServers(viewer.id) }
    },

    /** Decline a ringing call (the callee); the line says "Declined call". */
    async decline(viewer: Viewer, callId: string) {
      const c = mine(viewer, callId)
      if (c.callee_id !== viewer.id) throw missing()
      if (c.state !== 'ringing') throw ctx.http.error(409, 'CONFLICT', 'This call was already answered.')
      await finish(c, 'declined')
    },

    /** Hang up: before an answer, the caller's hang-up is a missed call and the callee's a decline. */
    async end(viewer: Viewer, callId: string) {
      const c = mine(viewer, callId)
      await finish(c, c.state === 'active' ? 'ended' : c.caller.id === viewer.id ? 'missed' : 'declined')
    },

    /** Whether the viewer may call from this conversation now (the thread shows its call buttons). */
    async mayCall(viewer: Viewer, conversationId: number): Promise<boolean> {
      return callee(viewer, conversationId).then(
        () => true,
        () => false,
      )
    },

    get(viewer: Viewer, callId: string): CallView {
      return view(mine(viewer, callId))
    },

    /** The calls ringing for a member now (a page opened while its phone rings). */
    ringing(viewer: Viewer): CallView[] {
      return [...calls.values()].filter((c) => c.callee_id === viewer.id && c.state === 'ringing').map(view)
    },

    /** A block ends any call between the two at once. */
    async blocked(a: number, b: number) {
      for (const c of [...calls.values()]) if ((c.caller.id === a && c.callee_id === b) || (c.caller.id === b && c.callee_id === a)) await finish(c, c.state === 'active' ? 'ended' : 'missed', false)
    },

    /** An active call nobody is in any more (both pages closed without hanging up) ends on the second sweep. */
    async sweep() {
      for (const c of [...calls.values()]) {
        if (c.state !== 'active') continue
        c.empty = topic.present(callTopicId(c.id)).length === 0 ? c.empty + 1 : 0
        if (c.empty >= 2) await finish(c, 'ended')
      }
    },

    /** Closing: calls in progress end with their line written. */
    async closeAll() {
      for (const c of [...calls.values()]) await finish(c, c.state === 'active' ? 'ended' : 'missed')
    },
  }
  return service_
}

/** The calls API: start from a conversation, answer, decline, hang up. */
export function callRoutes(ctx: MessagesContext, calls: Calls) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const me = (c: Parameters<typeof ctx.http.viewer>[0]) => ctx.http.viewer(c)!
  const callId = (c: Parameters<typeof ctx.http.viewer>[0]) => {
    const id = c.req.param('callId') ?? ''
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ctx.http.error(404, 'NOT_FOUND', 'That call does not exist.')
    return id
  }

  app.post('/api/v1/messages/conversations/:id/calls', member, async (c) => {
    const input = parse(startInput, await ctx.http.jsonBody(c, { optional: true }))
    return ctx.http.json(c, await calls.start(me(c), ctx.http.id(c), input.video ?? false), 201)
  })
  app.get('/api/v1/messages/calls', member, (c) => ctx.http.json(c, calls.ringing(me(c))))
  app.get('/api/v1/messages/calls/:callId', member, (c) => ctx.http.json(c, calls.get(me(c), callId(c))))
  app.post('/api/v1/messages/calls/:callId/accept', member, async (c) => ctx.http.json(c, await calls.accept(me(c), callId(c))))
  app.post('/api/v1/messages/calls/:callId/decline', member, async (c) => {
    await calls.decline(me(c), callId(c))
    return ctx.http.json(c, { id: callId(c), ended: true })
  })
  app.post('/api/v1/messages/calls/:callId/end', member, async (c) => {
    await calls.end(me(c), callId(c))
    return ctx.http.json(c, { id: callId(c), ended: true })
  })
  return app
}
