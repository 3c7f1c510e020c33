// Realtime topics: members join and leave them over their one /realtime socket; plugins publish to them, accept typed
// messages and binary frames, keep presence, and replay what a re-joining member missed.
import { randomUUID } from 'node:crypto'
import type { WSContext } from 'hono/ws'
import type { Logger } from '../logger.js'
import type { Viewer } from '../users/types.js'
import type { BusMessage, RealtimeBus } from './bus.js'
import type { Topic, TopicConnection, TopicDefinition } from './types.js'

/** Text frames (JSON control messages) on the core socket stay small, whatever binary topics allow. */
export const MAX_TEXT_FRAME = 64 * 1024
/** The largest binary frame a topic may ask for. */
export const MAX_BINARY_BYTES = 16 * 1024 * 1024
/** Topics one socket may be in at once. */
export const MAX_TOPICS_PER_SOCKET = 100
/** Frames one socket may have waiting (behind a slow `authorize` or `replay`) before it is closed. */
export const MAX_QUEUED_FRAMES = 100
/** Members listed in a `joined` answer; `presentCount` has the whole number. */
export const PRESENT_LIST_MAX = 100

const TOPIC_ID = /^([a-z0-9][a-z0-9-]*:[a-z0-9][a-z0-9-]*)(:[A-Za-z0-9_.-]+)*$/
const MAX_TOPIC_ID = 200
/** One answer for a topic that does not exist and one the member may not join: they must look the same. */
const NO_SUCH_TOPIC = { code: 'NOT_FOUND', message: 'There is no such topic, or you may not join it.' }

/** One member's core socket, with the topics it joined. */
export interface TopicSocket {
  id: string
  viewer: Viewer
  ws: WSContext
  closed: boolean
  joined: Map<string, Membership>
  /** The frames still being handled: each waits for the one before, so "join then send" works and chunks stay in order. */
  queue: Promise<void>
  queued: number
}

/** A new member socket's topic state. */
export function topicSocket(viewer: Viewer, ws: WSContext): TopicSocket {
  return { id: randomUUID(), viewer, ws, closed: false, joined: new Map(), queue: Promise.resolve(), queued: 0 }
}

interface Membership {
  /** The last durable sequence number this socket got; events at or below it are not sent again. */
  lastSeq: number
  /** While `replay` runs: live frames held back, sent after the replayed ones. */
  held: { frame: string | Uint8Array; seq?: number }[] | null
}

interface Definition {
  owner: string
  name: string
  def: TopicDefinition<any, any>
}

type ClientOp = { op: 'join'; topic: string; after?: number } | { op: 'leave'; topic: string } | { op: 'send'; topic: string; message: unknown }

/**
 * A binary frame: one byte with the length N of the topic id, the id (N bytes of ASCII), then the payload.
 * @example encodeBinaryFrame('live:stream:4', chunk)
 */
export function encodeBinaryFrame(topicId: string, payload: Uint8Array): Uint8Array {
  const id = Buffer.from(topicId, 'ascii')
  const frame = new Uint8Array(1 + id.length + payload.length)
  frame[0] = id.length
  frame.set(id, 1)
  frame.set(payload, 1 + id.length)
  return frame
}

function decodeBinaryFrame(frame: Uint8Array): { topicId: string; payload: Uint8Array } | null {
  const n = frame[0]
  if (!n || frame.length < 1 + n) return null
  return { topicId: Buffer.from(frame.subarray(1, 1 + n)).toString('ascii'), payload: frame.subarray(1 + n) }
}

export class TopicRegistry {
  private readonly defs = new Map<string, Definition>()
  /** topic id → member → that member's sockets in it. */
  private readonly members = new Map<string, Map<number, Set<TopicSocket>>>()

  constructor(
    private readonly log: Logger,
    private readonly bus: RealtimeBus,
  ) {}

  define(owner: string, name: string, def: TopicDefinition<any, any>): Topic<any> {
    if (!TOPIC_ID.test(name) || name.split(':').length !== 2 || !name.startsWith(`${owner}:`)) {
      throw new Error(`Topic name "${name}" must be "${owner}:NAME" (lowercase letters, digits and dashes).`)
    }
    if (this.defs.has(name)) throw new Error(`The topic ${name} already exists.`)
    if (def.binary && !(Number.isInteger(def.binary.maxBytes) && def.binary.maxBytes > 0 && def.binary.maxBytes <= MAX_BINARY_BYTES)) {
      throw new Error(`Topic ${name}: binary.maxBytes must be a whole number of bytes from 1 to ${MAX_BINARY_BYTES}.`)
    }
    this.defs.set(name, { owner, name, def })
    const own = (topicId: string) => {
      if (this.definitionOf(topicId)?.name !== name) throw new Error(`Topic ${name} publishes only to "${name}" and "${name}:…" ids, not "${topicId}".`)
      return topicId
    }
    return {
      name,
      publish: (topicId, event, data, options) =>
        this.bus.publish({ kind: 'topic', topicId: own(topicId), event, data, seq: options?.durable, except: options?.except }),
      publishBinary: (topicId, bytes, options) => this.bus.publish({ kind: 'topic-binary', topicId: own(topicId), bytes, except: options?.except }),
      present: (topicId) => (def.presence ? [...(this.members.get(own(topicId))?.keys() ?? [])] : []),
      kick: (topicId, userId) => this.bus.publish({ kind: 'kick', topicId: own(topicId), userId }),
      recheck: async (topicId) => {
        const ids = topicId ? [own(topicId)] : [...this.members.keys()].filter((id) => this.definitionOf(id)?.name === name)
        for (const id of ids) {
          for (const [userId, sockets] of this.members.get(id) ?? []) {
            const viewer = sockets.values().next().value?.viewer
            if (viewer && !(await this.authorized(this.defs.get(name)!, viewer, id))) this.bus.publish({ kind: 'kick', topicId: id, userId })
          }
        }
      },
    }
  }

  /** Forget a plugin's topics; their members are told they left. */
  removeOwner(owner: string): void {
    for (const [name, d] of this.defs) {
      if (d.owner !== owner) continue
      this.defs.delete(name)
      for (const topicId of [...this.members.keys()]) if (topicId === name || topicId.startsWith(`${name}:`)) this.removeTopic(topicId)
    }
  }

  names(): string[] {
    return [...this.defs.keys()]
  }

  /** How many members have a socket in a topic (this process). */
  memberCount(topicId: string): number {
    return this.members.get(topicId)?.size ?? 0
  }

  /** The largest frame the socket server must accept: the biggest binary cap asked for, with room for the header. */
  maxFrameBytes(): number {
    let max = MAX_TEXT_FRAME
    for (const { def } of this.defs.values()) if (def.binary) max = Math.max(max, def.binary.maxBytes + 256)
    return max
  }

  /** Deliver what the bus carries to the sockets of this process. */
  deliver(m: BusMessage): void {
    if (m.kind === 'topic') {
      const frame = JSON.stringify({ topic: m.topicId, event: m.event, data: m.data, ...(m.seq === undefined ? {} : { seq: m.seq }) })
      this.fanOut(m.topicId, frame, m.seq, m.except)
    } else if (m.kind === 'topic-binary') {
      this.fanOut(m.topicId, encodeBinaryFrame(m.topicId, m.bytes), undefined, m.except)
    } else if (m.kind === 'kick') {
      for (const sock of [...(this.members.get(m.topicId)?.get(m.userId) ?? [])]) this.drop(sock, m.topicId, 'removed')
    }
  }

  /** A text frame from a member's core socket, handled after the socket's earlier frames. */
  text(sock: TopicSocket, raw: string): Promise<void> {
    return this.inOrder(sock, () => this.control(sock, raw))
  }

  /** A binary frame from a member's core socket, handled after the socket's earlier frames. */
  binary(sock: TopicSocket, frame: Uint8Array): Promise<void> {
    return this.inOrder(sock, () => this.chunk(sock, frame))
  }

  private inOrder(sock: TopicSocket, fn: () => Promise<void>): Promise<void> {
    if (sock.queued >= MAX_QUEUED_FRAMES) {
      sock.ws.close(1008, 'Too many messages at once.')
      return sock.queue
    }
    sock.queued++
    sock.queue = sock.queue
      .then(() => (sock.closed ? undefined : fn()))
      .catch((err) => this.log.error({ err, userId: sock.viewer.id }, 'realtime topic frame failed'))
      .finally(() => void sock.queued--)
    return sock.queue
  }

  private async control(sock: TopicSocket, raw: string): Promise<void> {
    let m: ClientOp
    try {
      m = JSON.parse(raw)
    } catch {
      return this.error(sock, undefined, 'BAD_MESSAGE', 'Messages must be JSON.')
    }
    const topic = m && typeof m === 'object' && typeof m.topic === 'string' ? m.topic : undefined
    if (!topic) return this.error(sock, undefined, 'BAD_MESSAGE', 'Say {"op":"join"|"leave"|"send","topic":"…"}.')
    if (m.op === 'join') {
      const after = m.after
      if (after !== undefined && !(Number.isSafeInteger(after) && after >= 0)) return this.error(sock, topic, 'BAD_MESSAGE', '"after" must be a sequence number.')
      return this.join(sock, topic, after)
    }
    if (m.op === 'leave') {
      if (sock.joined.has(topic)) this.drop(sock, topic, null)
      else this.send(sock, { op: 'left', topic })
      return
    }
    if (m.op === 'send') return this.message(sock, topic, m.message)
    return this.error(sock, topic, 'BAD_MESSAGE', `Unknown op; say "join", "leave" or "send".`)
  }

  /** A binary frame: allowed only into a joined topic that takes binary, under its cap. */
  private async chunk(sock: TopicSocket, frame: Uint8Array): Promise<void> {
    const decoded = decodeBinaryFrame(frame)
    if (!decoded) return this.error(sock, undefined, 'BAD_MESSAGE', 'A binary frame starts with the length of its topic id and the id.')
    const { topicId, payload } = decoded
    const d = this.definitionOf(topicId)
    if (!d || !sock.joined.has(topicId)) return this.error(sock, topicId, NO_SUCH_TOPIC.code, NO_SUCH_TOPIC.message)
    if (!d.def.binary || !d.def.onBinary) return this.error(sock, topicId, 'BINARY_REFUSED', 'This topic takes no binary frames.')
    if (payload.length > d.def.binary.maxBytes) return this.error(sock, topicId, 'PAYLOAD_TOO_LARGE', `Binary frames on this topic are at most ${d.def.binary.maxBytes} bytes.`)
    await this.guard(d, 'binary', () => d.def.onBinary!(this.connection(sock, topicId), topicId, payload))
  }

  /** The socket closed: it leaves every topic. */
  closed(sock: TopicSocket): void {
    sock.closed = true
    for (const topicId of [...sock.joined.keys()]) this.drop(sock, topicId, null, false)
  }

  private async join(sock: TopicSocket, topicId: string, after: number | undefined): Promise<void> {
    const d = this.definitionOf(topicId)
    if (!d) return this.error(sock, topicId, NO_SUCH_TOPIC.code, NO_SUCH_TOPIC.message)
    if (sock.joined.has(topicId)) return
    if (sock.joined.size >= MAX_TOPICS_PER_SOCKET) return this.error(sock, topicId, 'TOO_MANY_TOPICS', `One page may be in at most ${MAX_TOPICS_PER_SOCKET} topics.`)
    const ok = await this.authorized(d, sock.viewer, topicId)
    if (sock.closed || this.defs.get(d.name) !== d) return
    if (!ok) return this.error(sock, topicId, NO_SUCH_TOPIC.code, NO_SUCH_TOPIC.message)

    // Joined before replay runs, so what is published meanwhile is held and sent after the replayed events.
    const replaying = after !== undefined && !!d.def.replay
    const membership: Membership = { lastSeq: after ?? 0, held: replaying ? [] : null }
    sock.joined.set(topicId, membership)
    const users = this.members.get(topicId) ?? new Map<number, Set<TopicSocket>>()
    this.members.set(topicId, users)
    const mine = users.get(sock.viewer.id) ?? new Set()
    const arrived = mine.size === 0
    mine.add(sock)
    users.set(sock.viewer.id, mine)
    if (d.def.presence) {
      const present = [...users.keys()]
      this.send(sock, { op: 'joined', topic: topicId, present: present.slice(0, PRESENT_LIST_MAX), presentCount: present.length })
      if (arrived) this.presence(topicId, sock.viewer.id, true)
    } else this.send(sock, { op: 'joined', topic: topicId })
    if (!replaying) return

    let missed: { seq: number; event: string; data: unknown }[] = []
    try {
      missed = await d.def.replay!(topicId, sock.viewer, after!)
    } catch (err) {
      this.log.error({ err, plugin: d.owner, topic: topicId }, `realtime replay of ${d.name} failed`)
      this.error(sock, topicId, 'REPLAY_FAILED', 'Some earlier events could not be sent; reload to see them.')
    }
    if (sock.joined.get(topicId) !== membership) return
    for (const e of missed) {
      if (!(e.seq > membership.lastSeq)) continue
      this.send(sock, { topic: topicId, event: e.event, data: e.data, seq: e.seq })
      membership.lastSeq = e.seq
    }
    const held = membership.held ?? []
    membership.held = null
    for (const h of held) this.sendTo(sock, membership, h.frame, h.seq)
  }

  private async message(sock: TopicSocket, topicId: string, message: unknown): Promise<void> {
    const d = this.definitionOf(topicId)
    if (!d || !sock.joined.has(topicId)) return this.error(sock, topicId, NO_SUCH_TOPIC.code, NO_SUCH_TOPIC.message)
    if (!d.def.accept || !d.def.onMessage) return this.error(sock, topicId, 'MESSAGES_REFUSED', 'This topic takes no messages.')
    const parsed = d.def.accept.safeParse(message)
    if (!parsed.success) return this.error(sock, topicId, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'This message is not valid here.')
    await this.guard(d, 'message', () => d.def.onMessage!(this.connection(sock, topicId), topicId, parsed.data))
  }

  private fanOut(topicId: string, frame: string | Uint8Array, seq: number | undefined, except: number | readonly number[] | undefined): void {
    const skip = new Set(typeof except === 'number' ? [except] : except)
    for (const [userId, sockets] of this.members.get(topicId) ?? []) {
      if (skip.has(userId)) continue
      for (const sock of sockets) {
        const membership = sock.joined.get(topicId)
        if (!membership) continue
        if (membership.held) membership.held.push({ frame, seq })
        else this.sendTo(sock, membership, frame, seq)
      }
    }
  }

  /** Send one frame unless it is a durable event this socket already has. */
  private sendTo(sock: TopicSocket, membership: Membership, frame: string | Uint8Array, seq: number | undefined): void {
    if (seq !== undefined) {
      if (seq <= membership.lastSeq) return
      membership.lastSeq = seq
    }
    this.raw(sock, frame)
  }

  /** Take a socket out of a topic, telling it why (null: it asked, or it closed) and telling the others when the member left. */
  private drop(sock: TopicSocket, topicId: string, reason: string | null, tell = true): void {
    if (!sock.joined.delete(topicId)) return
    const users = this.members.get(topicId)
    const mine = users?.get(sock.viewer.id)
    mine?.delete(sock)
    const gone = !!mine && mine.size === 0
    if (gone) users!.delete(sock.viewer.id)
    if (users && users.size === 0) this.members.delete(topicId)
    if (tell) this.send(sock, reason ? { op: 'left', topic: topicId, reason } : { op: 'left', topic: topicId })
    const d = this.definitionOf(topicId)
    if (gone && d?.def.presence) this.presence(topicId, sock.viewer.id, false)
    if (d?.def.onLeave) {
      try {
        d.def.onLeave(this.connection(sock, topicId), topicId)
      } catch (err) {
        this.log.error({ err, plugin: d.owner, topic: d.name }, `realtime leave handler of ${d.name} failed`)
      }
    }
  }

  private removeTopic(topicId: string): void {
    for (const sockets of [...(this.members.get(topicId)?.values() ?? [])]) for (const sock of [...sockets]) this.drop(sock, topicId, 'closed')
  }

  private presence(topicId: string, userId: number, online: boolean): void {
    const frame = JSON.stringify({ op: 'presence', topic: topicId, userId, online })
    for (const [other, sockets] of this.members.get(topicId) ?? []) {
      if (other === userId) continue
      for (const sock of sockets) this.raw(sock, frame)
    }
  }

  private definitionOf(topicId: string): Definition | undefined {
    if (topicId.length > MAX_TOPIC_ID) return undefined
    const m = TOPIC_ID.exec(topicId)
    return m ? this.defs.get(m[1]!) : undefined
  }

  private async authorized(d: Definition, viewer: Viewer, topicId: string): Promise<boolean> {
    try {
      return (await d.def.authorize(viewer, topicId)) === true
    } catch (err) {
      this.log.error({ err, plugin: d.owner, topic: topicId }, `realtime authorize of ${d.name} failed; refused`)
      return false
    }
  }

  private connection(sock: TopicSocket, topicId: string): TopicConnection<any> {
    return {
      id: sock.id,
      viewer: sock.viewer,
      send: (event, data) => {
        if (sock.joined.has(topicId)) this.send(sock, { topic: topicId, event, data })
      },
    }
  }

  private async guard(d: Definition, what: string, fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      this.log.error({ err, plugin: d.owner, topic: d.name }, `realtime ${what} handler of ${d.name} failed`)
    }
  }

  private error(sock: TopicSocket, topic: string | undefined, code: string, message: string): void {
    this.send(sock, { op: 'error', ...(topic === undefined ? {} : { topic }), code, message })
  }

  private send(sock: TopicSocket, frame: object): void {
    this.raw(sock, JSON.stringify(frame))
  }

  private raw(sock: TopicSocket, frame: string | Uint8Array): void {
    if (sock.closed) return
    try {
      sock.ws.send(frame as string | Uint8Array<ArrayBuffer>)
    } catch (err) {
      this.log.warn({ err, userId: sock.viewer.id }, 'realtime send failed')
    }
  }
}
