// The shapes of notifications that plugins and pages see: a type's definition, what its text is given, a plugin's API.

/** A member as a notification names them. */
export interface NotificationActor {
  id: number
  username: string
  display_name: string
  /** Their picture (150 px) when the recipient may see it, else null. */
  avatar_url: string | null
  /** They carry the verified badge. */
  verified: boolean
}

/** What a type's `text` and `url` see of one entry of the list (one event, or a group of them). */
export interface NotificationContext {
  type: string
  /** "Ana", "Ana and Bob", "Ana and 10 others" (most recent first); '' when nobody acted. */
  who: string
  /** The most recent actors, newest first (up to three). */
  actors: NotificationActor[]
  /** How many events the entry groups (one per actor). */
  count: number
  /** The recipient. */
  me: { id: number; username: string }
  postId: number | null
  commentId: number | null
  /** The newest event's data (plugin types). */
  data: Record<string, unknown>
}

/** A notification type: how members see it in the list and in their settings. */
export interface NotificationTypeDefinition {
  /** Shown on the settings page, e.g. "Likes on your posts". */
  label: string
  /** The line shown; only text the recipient may see (never a post's text). */
  text: (n: NotificationContext) => string
  /** Where the entry leads: a path on this site ("/p/12"), or null. */
  url: (n: NotificationContext) => string | null
  /** Group unread events of this type about the same thing ("Ana and 10 others ..."). */
  group: boolean
  /** Always sent, never a member's setting (a moderator's warning). Core types only. */
  required?: boolean
}

export interface PluginNotifyInput {
  /** The recipient. */
  userId: number
  /** One of your plugin's types: `closed` or `PLUGIN.closed`. */
  type: string
  /** Who caused it; never notified of their own act, nor across a block. */
  actorId?: number | null
  /** The post it is about: shown only while the recipient may see that post. */
  postId?: number | null
  /** Small JSON your type's text may use (at most 2 KB). */
  data?: Record<string, unknown>
  /** With a grouped type: events with the same key (and post) group together while unread. */
  groupKey?: string
}

/** What a plugin may do: register its notification types and send them. */
export interface PluginNotificationsApi {
  /**
   * Register a type your plugin sends. It is stored as `PLUGIN.type`, members can turn it off in
   * their notification settings, and it is forgotten when the plugin unloads.
   * @example
   * ctx.core.notifications.defineType('closed', {
   *   label: 'Polls you voted in closing',
   *   group: true,
   *   text: (n) => `${n.who} closed a poll you voted in`,
   *   url: (n) => `/polls/${n.data.pollId}`,
   * })
   */
  defineType(type: string, definition: NotificationTypeDefinition): void
  /**
   * Send a member a notification of one of your types. Nothing is sent to the actor themself, across
   * a block, to a member who turned the type off, or about a post the recipient may not see.
   * @example await ctx.core.notifications.notify({ userId: voter.id, type: 'closed', actorId: poll.owner_id, data: { pollId: poll.id } })
   */
  notify(input: PluginNotifyInput): Promise<void>
}
