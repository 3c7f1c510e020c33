// The types of realtime topics: the event map plugins augment, a topic's definition, and the handle a plugin publishes with.
import type { Viewer } from '../users/types.js'

/**
 * The events of each topic, by the topic's name (`PLUGIN:NAME`): event name → data. A plugin adds its
 * topics by module augmentation, as it does its hooks; a topic not declared here is a type error.
 * @example
 * declare module '../../core/realtime/types.js' {
 *   interface TopicEvents { 'hello:typing': { typing: { userId: number; username: string; typing: boolean } } }
 * }
 */
export interface TopicEvents {}

export type TopicName = keyof TopicEvents & string
/** One topic of a definition: the name itself, or the name and a suffix (`messages:conv:12` of `messages:conv`). */
export type TopicId<K extends string> = K | `${K}:${string}`
type EventsOf<K extends string> = K extends keyof TopicEvents ? (TopicEvents[K] extends object ? TopicEvents[K] : never) : Record<string, unknown>
export type TopicEventName<K extends string> = keyof EventsOf<K> & string

/** One durable event as `replay` returns it: in order, each with the sequence number it was published with. */
export type ReplayedEvent<K extends string> = { [E in TopicEventName<K>]: { seq: number; event: E; data: EventsOf<K>[E] } }[TopicEventName<K>]

/** Anything with zod's `safeParse` (a zod schema), which checks what members send before `onMessage` sees it. */
export interface MessageSchema<M> {
  safeParse(input: unknown): { success: true; data: M } | { success: false; error: { issues: { message: string }[] } }
}

/** One member's socket in a topic, as handlers see it. */
export interface TopicConnection<K extends string = string> {
  /** Unique per socket. */
  id: string
  viewer: Viewer
  /** Send an event of this topic to this one socket only (an acknowledgement, a correction). */
  send<E extends TopicEventName<K>>(event: E, data: EventsOf<K>[E]): void
}

export interface TopicDefinition<K extends string, M = never> {
  /**
   * Whether a member may join one topic of this definition. Also answer false for a topic that does not
   * exist: a member cannot tell "missing" from "not allowed". Throwing refuses.
   */
  authorize(viewer: Viewer, topicId: TopicId<K>): boolean | Promise<boolean>
  /** Keep who is online in each topic and tell its members when someone joins or leaves. Default false. */
  presence?: boolean
  /** Checks each message a member sends to the topic; without it members cannot send. */
  accept?: MessageSchema<M>
  /** A member's accepted message (only members who joined the topic may send). */
  onMessage?(conn: TopicConnection<K>, topicId: TopicId<K>, message: M): void | Promise<void>
  /**
   * One socket left the topic: it asked, closed, or was kicked. For state a plugin keeps per socket (a page that
   * says it is in view) that must end with the socket. Not called for sockets of a plugin being unloaded.
   */
  onLeave?(conn: TopicConnection<K>, topicId: TopicId<K>): void
  /** Binary frames members may send to the topic, each at most `maxBytes` (at most 16 MiB). Without it they are refused. */
  binary?: { maxBytes: number }
  onBinary?(conn: TopicConnection<K>, topicId: TopicId<K>, bytes: Uint8Array): void | Promise<void>
  /**
   * The durable events a re-joining member missed: those after `afterSeq`, oldest first, from your own
   * tables (at most a page of them: a member further behind reloads the page). Needed to publish durably.
   */
  replay?(topicId: TopicId<K>, viewer: Viewer, afterSeq: number): ReplayedEvent<K>[] | Promise<ReplayedEvent<K>[]>
}

export interface PublishOptions {
  /**
   * This event's sequence number in its topic (from your table: a message's id). Members get it with the
   * event, and after a reconnect `replay` is asked for what came after the last one they saw.
   */
  durable?: number
  /**
   * Do not send it to this member (the sender of a typing indicator), or to these members (everyone blocked
   * either way with the author of a chat line: `await ctx.core.social.blockedIds(authorId)`).
   */
  except?: number | readonly number[]
}

/** A topic definition, as `ctx.realtime.topic` returns it. */
export interface Topic<K extends string> {
  readonly name: K
  /**
   * Send an event to every member who joined the topic.
   * @example chat.publish(`messages:conv:${convId}`, 'message', { id, text }, { durable: id })
   */
  publish<E extends TopicEventName<K>>(topicId: TopicId<K>, event: E, data: EventsOf<K>[E], options?: PublishOptions): void
  /** Send bytes to every member who joined (a frame with the topic in its header, see docs/plugins.md). */
  publishBinary(topicId: TopicId<K>, bytes: Uint8Array, options?: Pick<PublishOptions, 'except'>): void
  /** The members with at least one socket joined (this process), when the topic keeps presence; else []. */
  present(topicId: TopicId<K>): number[]
  /**
   * Remove a member from a topic on every socket (they get `{"op":"left","topic":…,"reason":"removed"}`
   * and hear nothing more). Call it when their right to be there ends: removed from a conversation, blocked.
   * @example chat.kick(`messages:conv:${convId}`, userId)
   */
  kick(topicId: TopicId<K>, userId: number): void
  /** Ask `authorize` again for every member of the topic (or of every topic of this definition) and remove those it refuses. */
  recheck(topicId?: TopicId<K>): Promise<void>
}

/** One member's socket on a plugin channel (/realtime/PLUGIN/CHANNEL). */
export interface RealtimeConnection {
  /** Unique per connection. */
  id: string
  viewer: Viewer
  send(message: unknown): void
  close(code?: number, reason?: string): void
}

export interface ChannelHandlers {
  /** Refuse a connection by returning false. Members only by default. */
  authorize?(viewer: Viewer): boolean | Promise<boolean>
  onOpen?(conn: RealtimeConnection): void | Promise<void>
  /** Each text message, parsed as JSON (malformed JSON closes the socket with 1003). */
  onMessage?(conn: RealtimeConnection, message: unknown): void | Promise<void>
  onClose?(conn: RealtimeConnection): void | Promise<void>
}
