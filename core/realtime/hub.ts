// Realtime over WebSocket: the core /realtime socket that pushes events to a member's open pages,
// and plugin channels at /realtime/PLUGIN/CHANNEL. Both need a logged-in member and a same-site Origin.
import { randomUUID } from 'node:crypto'
import { upgradeWebSocket } from '@hono/node-server'
import type { Context, MiddlewareHandler } from 'hono'
import type { WSContext } from 'hono/ws'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { sameOrigin } from '../http/middleware.js'
import type { Logger } from '../logger.js'
import type { ChannelHandlers, RealtimeConnection } from '../plugins/api.js'
import type { Viewer } from '../users/types.js'

interface Channel {
  owner: string
  path: string
  handlers: ChannelHandlers
}

export class RealtimeHub {
  private readonly byUser = new Map<number, Set<WSContext>>()
  private readonly channels = new Map<string, Channel>()

  constructor(private readonly log: Logger) {}

  /** Send an event to every open core socket of a member. */
  publish(userId: number, event: string, data: unknown): void {
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
    return this.byUser.size
  }

  isOnline(userId: number): boolean {
    return (this.byUser.get(userId)?.size ?? 0) > 0
  }

  addChannel(owner: string, channel: string, handlers: ChannelHandlers): string {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(channel)) throw new Error(`Channel name "${channel}" must be lowercase letters, digits and dashes.`)
    const path = `/realtime/${owner}/${channel}`
    if (this.channels.has(path)) throw new Error(`The channel ${path} already exists.`)
    this.channels.set(path, { owner, path, handlers })
    return path
  }

  removeOwner(owner: string): void {
    for (const [path, ch] of this.channels) if (ch.owner === owner) this.channels.delete(path)
  }

  channelPaths(): string[] {
    return [...this.channels.keys()]
  }

  /** Route handler for GET /realtime (core) and /realtime/:owner/:channel (plugins). */
  routes(): { core: MiddlewareHandler<AppEnv>; channel: MiddlewareHandler<AppEnv> } {
    const hub = this
    const core = upgradeWebSocket((c: Context<AppEnv>) => {
      const viewer = checkedViewer(c)
      return {
        onOpen(_evt, ws) {
          const set = hub.byUser.get(viewer.id) ?? new Set()
          set.add(ws)
          hub.byUser.set(viewer.id, set)
          ws.send(JSON.stringify({ event: 'hello', data: { userId: viewer.id } }))
        },
        onMessage(evt, ws) {
          if (evt.data === 'ping') ws.send('pong')
        },
        onClose(_evt, ws) {
          const set = hub.byUser.get(viewer.id)
          set?.delete(ws)
          if (set && set.size === 0) hub.byUser.delete(viewer.id)
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
        onClose() {
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
