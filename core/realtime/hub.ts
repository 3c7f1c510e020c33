// Realtime over WebSocket: the core /realtime socket that pushes events to a member's open pages and carries
// their topics, and plugin channels at /realtime/PLUGIN/CHANNEL. Both need a logged-in member and a same-site Origin.
import { randomUUID } from 'node:crypto'
import { upgradeWebSocket } from '@hono/node-server'
import type { Context, MiddlewareHandler } from 'hono'
import type { WSContext } from 'hono/ws'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { sameOrigin } from '../http/middleware.js'
import type { Logger } from '../logger.js'
import type { ChannelHandlers, RealtimeConnection } from './types.js'
import type { Viewer } from '../users/types.js'
import { InProcessBus, type BusMessage, type RealtimeBus } from './bus.js'
import { MAX_TEXT_FRAME, TopicRegistry, topicSocket, type TopicSocket } from './topics.js'
import type { Topic, TopicDefinition } from './types.js'

interface Channel {
  owner: string
  path: string
  handlers: ChannelHandlers
}

/**
 * Who is online when sockets live in another thread: the thread holding them reports each member's first and
 * last core socket (`changed`); the others answer from a mirror of those reports (`remote`).
 */
export interface HubPresence {
  changed?: (userId: number, online: boolean) => void
  remote?: { isOnline(userId: number): boolean; members(): number[] }
}

/** Open sockets one member may hold (core and plugin channels together). */
export const MAX_SOCKETS_PER_MEMBER = 20
/** Close code sent when a member's session changed (logged out, suspended, new password, new role). */
export const SESSION_ENDED = 4001

export class RealtimeHub {
  /** Core sockets per member, which publish() writes to. */
  private readonly byUser = new Map<number, Set<WSContext>>()
  /** Every socket per member, core and plugin channels, so they can all be closed at once. */
  private readonly allByUser = new Map<number, Set<WSContext>>()
  private readonly channels = new Map<string, Channel>()
  private readonly topics: TopicRegistry

  constructor(
    private readonly log: Logger,
    /** Carries publishes, kicks and disconnects: in-process, or between the threads of one (core/workers/channels.ts). */
    readonly bus: RealtimeBus = new InProcessBus(),
    private readonly presence: HubPresence = {},
  ) {
    this.topics = new TopicRegistry(log, bus)
    bus.subscribe((m) => this.deliver(m))
  }

  /** Send an event to every open core socket of a member. */
  publish(userId: number, event: string, data: unknown): void {
    this.bus.publish({ kind: 'user', userId, event, data })
  }

  private deliver(m: BusMessage): void {
    if (m.kind === 'user') this.sendToUser(m.userId, m.event, m.data)
    else if (m.kind === 'disconnect') for (const ws of this.allByUser.get(m.userId) ?? []) ws.close(SESSION_ENDED, 'Your session changed.')
    else this.topics.deliver(m)
  }

  private sendToUser(userId: number, event: string, data: unknown): void {
    const message = JSON.stringify({ event, data })
    for (const ws of this.byUser.get(userId) ?? []) {
      try {
        ws.send(message)
      } catch (err) {
        this.log.warn({ err, userId }, 'realtime send failed')
      }
    }
  }

  /** How many members have a page open. */
  onlineCount(): number {
    return this.presence.remote ? this.presence.remote.members().length : this.byUser.size
  }

  /** The members with a core socket open in this process (a page open), for announcing to those among them it concerns. */
  onlineMembers(): number[] {
    return this.presence.remote ? this.presence.remote.members() : [...this.byUser.keys()]
  }

  isOnline(userId: number): boolean {
    return this.presence.remote ? this.presence.remote.isOnline(userId) : (this.byUser.get(userId)?.size ?? 0) > 0
  }

  /** Close every socket of a member; their pages reconnect if they still have a valid session. */
  disconnectUser(userId: number): void {
    this.bus.publish({ kind: 'disconnect', userId })
  }

  /**
   * Close every socket this process holds (code 1012, "service restart"); pages reconnect. For a node that stops
   * being the LiteFS primary: its members' sockets must move to the new one, which holds realtime's state.
   */
  closeAll(reason: string): void {
    for (const sockets of [...this.allByUser.values()]) for (const ws of [...sockets]) ws.close(1012, reason)
  }

  /** Track a socket; false (and closed) when the member already holds too many. */
  private admit(userId: number, ws: WSContext): boolean {
    const all = this.allByUser.get(userId) ?? new Set()
    if (all.size >= MAX_SOCKETS_PER_MEMBER) {
      ws.close(1008, 'Too many open connections.')
      return false
    }
    all.add(ws)
    this.allByUser.set(userId, all)
    return true
  }

  private release(userId: number, ws: WSContext): void {
    const wasOnline = this.byUser.has(userId)
    for (const map of [this.byUser, this.allByUser]) {
      const set = map.get(userId)
      set?.delete(ws)
      if (set && set.size === 0) map.delete(userId)
    }
    if (wasOnline && !this.byUser.has(userId)) this.presence.changed?.(userId, false)
  }

  addChannel(owner: string, channel: string, handlers: ChannelHandlers): string {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(channel)) throw new Error(`Channel name "${channel}" must be lowercase letters, digits and dashes.`)
    const path = `/realtime/${owner}/${channel}`
    if (this.channels.has(path)) throw new Error(`The channel ${path} already exists.`)
    this.channels.set(path, { owner, path, handlers })
    return path
  }

  /** A topic definition of a plugin: ids `NAME` and `NAME:…`, joined over the core socket. */
  addTopic(owner: string, name: string, def: TopicDefinition<any, any>): Topic<any> {
    return this.topics.define(owner, name, def)
  }

  topicNames(): string[] {
    return this.topics.names()
  }

  /** How many members have a socket in a topic, whether or not it keeps presence. */
  topicMembers(topicId: string): number {
    return this.topics.memberCount(topicId)
  }

  /** The largest frame the socket server must take: 64 KiB, or more when a topic takes bigger binary frames. */
  maxFrameBytes(): number {
    return this.topics.maxFrameBytes()
  }

  removeOwner(owner: string): void {
    for (const [path, ch] of this.channels) if (ch.owner === owner) this.channels.delete(path)
    this.topics.removeOwner(owner)
  }

  channelPaths(): string[] {
    return [...this.channels.keys()]
  }

  /** Route handler for GET /realtime (core) and /realtime/:owner/:channel (plugins). */
  routes(): { core: MiddlewareHandler<AppEnv>; channel: MiddlewareHandler<AppEnv> } {
    const hub = this
    const core = upgradeWebSocket((c: Context<AppEnv>) => {
      const viewer = checkedViewer(c)
      let sock: TopicSocket | null = null
      return {
        onOpen(_evt, ws) {
          if (!hub.admit(viewer.id, ws)) return
          const set = hub.byUser.get(viewer.id) ?? new Set()
          set.add(ws)
          hub.byUser.set(viewer.id, set)
          if (set.size === 1) hub.presence.changed?.(viewer.id, true)
          sock = topicSocket(viewer, ws)
          ws.send(JSON.stringify({ event: 'hello', data: { userId: viewer.id } }))
        },
        onMessage(evt, ws) {
          if (evt.data === 'ping') ws.send('pong')
          else if (!sock) return
          else if (typeof evt.data !== 'string') {
            if (evt.data instanceof ArrayBuffer) void hub.topics.binary(sock, new Uint8Array(evt.data))
          } else if (Buffer.byteLength(evt.data) > MAX_TEXT_FRAME) {
            // The server takes frames as big as the largest binary topic allows; JSON stays small.
            ws.close(1009, 'Text messages are at most 64 KiB.')
          } else void hub.topics.text(sock, evt.data)
        },
        onClose(_evt, ws) {
          hub.release(viewer.id, ws)
          if (sock) hub.topics.closed(sock)
        },
      }
    })
    const channel = upgradeWebSocket(async (c: Context<AppEnv>) => {
      const viewer = checkedViewer(c)
      const ch = hub.channels.get(c.req.path)
      if (!ch) throw new AppError(404, 'NOT_FOUND', 'There is no such realtime channel.')
      if (ch.handlers.authorize && !(await ch.handlers.authorize(viewer))) throw new AppError(403, 'FORBIDDEN', 'You may not join this channel.')
      let conn: RealtimeConnection | null = null
      const guard = async (what: string, fn: () => void | Promise<void>) => {
        try {
          await fn()
        } catch (err) {
          hub.log.error({ err, plugin: ch.owner, channel: ch.path }, `realtime ${what} handler of ${ch.owner} failed`)
        }
      }
      return {
        onOpen(_evt, ws) {
          if (!hub.admit(viewer.id, ws)) return
          conn = {
            id: randomUUID(),
            viewer,
            send: (m) => ws.send(JSON.stringify(m)),
            close: (code, reason) => ws.close(code, reason),
          }
          const open = conn
          if (ch.handlers.onOpen) void guard('open', () => ch.handlers.onOpen!(open))
        },
        onMessage(evt, ws) {
          if (typeof evt.data === 'string' && Buffer.byteLength(evt.data) > MAX_TEXT_FRAME) {
            ws.close(1009, 'Messages are at most 64 KiB.')
            return
          }
          if (!conn || !ch.handlers.onMessage) return
          let parsed: unknown
          try {
            parsed = JSON.parse(typeof evt.data === 'string' ? evt.data : '')
          } catch {
            ws.close(1003, 'Messages must be JSON.')
            return
          }
          const open = conn
          void guard('message', () => ch.handlers.onMessage!(open, parsed))
        },
        onClose(_evt, ws) {
          hub.release(viewer.id, ws)
          const open = conn
          if (open && ch.handlers.onClose) void guard('close', () => ch.handlers.onClose!(open))
        },
      }
    })
    return { core, channel }
  }
}

/** The member opening a socket; refuses guests and cross-site pages (WebSocket hijacking). */
function checkedViewer(c: Context<AppEnv>): Viewer {
  const viewer = c.get('viewer')
  if (!viewer) throw new AppError(401, 'UNAUTHENTICATED', 'Log in to open a realtime connection.')
  if (!sameOrigin(c)) throw new AppError(403, 'FORBIDDEN', 'Realtime connections must come from this site.')
  return viewer
}
