// Every hook's name and payload, in one typed map that is also the runtime whitelist.
import type { PostView } from '../posts/types.js'
import type { PublicUser, Viewer } from '../users/types.js'

/** An event after a change is committed: every handler runs; results are ignored; failures are logged. */
export interface ActionDef<P> {
  kind: 'action'
  /** Type-only marker for the payload. */
  readonly payload?: P
}
/** A value passed through handlers in priority order; each returns the next value. */
export interface FilterDef<V, C> {
  kind: 'filter'
  readonly value?: V
  readonly context?: C
}
export type HookDef = ActionDef<any> | FilterDef<any, any>

/** Declare an action hook's payload type. */
export const action = <P>(): ActionDef<P> => ({ kind: 'action' })
/** Declare a filter hook's value and context types. */
export const filter = <V, C = Record<string, never>>(): FilterDef<V, C> => ({ kind: 'filter' })

/**
 * A small label a plugin shows next to a member's name (a supporter level, a creator badge).
 * @example { label: 'Gold supporter', kind: 'coins-supporter' }
 */
export interface NameBadge {
  /** A few words, shown as is (escaped). */
  label: string
  /** Stable, for styling and tests: `PLUGIN-thing`. */
  kind: string
  /** A longer explanation, shown on hover. */
  title?: string
}

/** Who a navigation item is shown to. */
export type Audience = 'everyone' | 'guests' | 'members' | 'staff' | 'admins'

export interface NavItem {
  /** Stable id so other plugins can find, reorder or remove it. */
  id: string
  label: string
  href: string
  audience: Audience
  /** Lower comes first. Core items use 10, 20, 30, ... */
  order: number
  /** The plugin that added it, or 'core'. */
  owner: string
  /**
   * Where it may go: 'primary' asks for the phone's tab bar and the top of the desktop sidebar; 'top' asks for
   * an icon in the phone's top bar (messages, beside the search box) and the desktop sidebar after the primary
   * entries; 'more' (the default) puts it in the "More" menu. At most five primary and two top items are
   * shown, the highest priorities; the rest go to "More".
   */
  placement?: NavPlacement
  /** Among primary (or top) items, higher wins a place (core: Home 100 ... Profile 60). Default 0. */
  priority?: number
  /** A Lucide icon name (https://lucide.dev/icons), e.g. 'users'. Default 'circle'. */
  icon?: string
  /** A number drawn on the icon (unread notifications); 0 or absent draws none. */
  badge?: number
}

/** A file of a member's data export: `name` is its path inside the zip (under your section's folder), `path` where it is on disk. */
export interface ExportFile {
  name: string
  path: string
}

/**
 * A member's data export while it is built: each owner adds its section under its own name (`sections.messages`),
 * JSON that the zip holds as `NAME.json`, and the files that go with it.
 */
export interface ExportParts {
  sections: Record<string, unknown>
  files: ExportFile[]
}

/** What happens to a deleted member's things (the operator's `account.deletion_policy`). */
export type DeletionPolicy = 'purge' | 'anonymise'

/** Where a navigation item is drawn: the tab bar / sidebar, the phone's top bar (and the sidebar), or the "More" menu. */
export type NavPlacement = 'primary' | 'top' | 'more'

export const coreHooks = {
  'action:user.registered': action<{ user: PublicUser }>(),
  'action:user.logged-in': action<{ user: PublicUser; via: 'web' | 'api' }>(),
  'action:user.logged-out': action<{ userId: number }>(),
  'action:user.role-changed': action<{ user: PublicUser; from: string; to: string; actorId: number | null }>(),
  'action:user.suspended': action<{ user: PublicUser; reason: string; actorId: number | null }>(),
  'action:user.unsuspended': action<{ user: PublicUser; actorId: number | null }>(),
  'action:user.password-changed': action<{ userId: number }>(),
  'action:user.two-factor-changed': action<{ userId: number; enabled: boolean }>(),
  /**
   * A member asked for their data (run inside the export job): add `value.sections[OWNER]` with what they wrote or
   * may read of yours, and `value.files`. Never another member's private content. A failing handler leaves its
   * section out (logged).
   */
  'filter:user.export': filter<ExportParts, { userId: number }>(),
  /** A member's data export is ready to download (they are notified in the app and by email). */
  'action:user.export-ready': action<{ userId: number; exportId: number }>(),
  /**
   * A member's account was deleted (their grace period ended, or staff deleted it): purge your rows of theirs, or
   * anonymise them, as `policy` says. The users row stays, nameless, so foreign keys still hold. Core removes its
   * own rows and every media file the member owns right after the handlers finish.
   */
  'action:user.deleted': action<{ userId: number; policy: DeletionPolicy; actorId: number | null }>(),
  /**
   * Staff changed a member's verified badge: approved or rejected their request, granted it directly or revoked it.
   * `note` is staff's note to the member (never shown to anyone else); `requestId` is null for a grant or revoke.
   */
  'action:user.verification-decided': action<{ userId: number; outcome: 'approved' | 'rejected' | 'granted' | 'revoked'; note: string; actorId: number | null; requestId: number | null }>(),
  'action:server.started': action<{ port: number }>(),
  'action:user.profile-updated': action<{ userId: number }>(),
  'action:user.followed': action<{ followerId: number; followeeId: number }>(),
  'action:user.unfollowed': action<{ followerId: number; followeeId: number }>(),
  /** A follow request to a private account (the target decides). */
  'action:follow.requested': action<{ requesterId: number; targetId: number }>(),
  'action:follow.answered': action<{ requesterId: number; targetId: number; accepted: boolean }>(),
  /** A post became visible (published now, or a scheduled post reached its time). */
  'action:post.created': action<{ postId: number; authorId: number; mentions: number[]; hashtags: string[] }>(),
  /** A published post's fan-out job finished (`feeds`: rows written; 0 for an author above the threshold, whose posts are pulled). */
  'action:post.fanned-out': action<{ postId: number; feeds: number }>(),
  'action:post.updated': action<{ postId: number; authorId: number }>(),
  'action:post.deleted': action<{ postId: number; authorId: number; actorId: number }>(),
  /** A member reposted a post (`quote` false: `postId` is the plain repost) or published a quote of it (`postId` is the quote). */
  'action:post.reposted': action<{ postId: number; originalId: number; originalAuthorId: number; userId: number; quote: boolean }>(),
  /** A member undid their plain repost `postId` of `originalId`. */
  'action:post.unreposted': action<{ postId: number; originalId: number; userId: number }>(),
  /** A like or dislike was given (or switched); `previous` is what it replaced. */
  'action:post.reacted': action<{ postId: number; authorId: number; userId: number; kind: 'like' | 'dislike'; previous: 'like' | 'dislike' | null }>(),
  'action:comment.created': action<{ commentId: number; postId: number; postAuthorId: number; authorId: number; parentId: number | null; parentAuthorId: number | null; mentions: number[] }>(),
  /** Staff or the reports hid a comment (held for review, hidden after reports, removed): it leaves the counts. */
  'action:comment.held': action<{ commentId: number; postId: number }>(),
  /** A held comment shows again; one held from its making is announced now (`action:comment.created` follows). */
  'action:comment.released': action<{ commentId: number; postId: number }>(),
  'action:comment.liked': action<{ commentId: number; postId: number; commentAuthorId: number; userId: number }>(),
  'action:comment.deleted': action<{ commentId: number; postId: number; authorId: number; actorId: number }>(),
  'action:user.blocked': action<{ blockerId: number; blockedId: number }>(),
  'action:user.unblocked': action<{ blockerId: number; blockedId: number }>(),
  'action:report.filed': action<{ reportId: number; targetType: string; targetId: string; reporterId: number | null }>(),
  'action:report.resolved': action<{ reportId: number; outcome: string; actorId: number | null }>(),
  /** One decision closed a target's reports: who reported it (members only) and whose it is. */
  'action:report.decided': action<{ resolutionId: number; outcome: string; targetType: string; targetId: string; targetUserId: number | null; reporterIds: number[]; actorId: number | null }>(),
  /** Staff decided a member's appeal of a removal. */
  'action:report.appeal-decided': action<{ appealId: number; resolutionId: number; userId: number; decision: 'uphold' | 'overturn'; note: string; actorId: number | null }>(),
  'action:notification.created': action<{ userId: number; batchId: number; type: string }>(),
  'action:member.warned': action<{ userId: number; warningId: number; reason: string; note: string; actorId: number | null }>(),
  /** A media file finished processing (status 'ready') or gave up (status 'failed', with the error). */
  'action:media.processed': action<{ mediaId: number; ownerId: number; status: 'ready' | 'failed'; error: string | null }>(),
  /** The navigation bar's items for one viewer. */
  'filter:ui.nav-items': filter<NavItem[], { viewer: Viewer | null }>(),
  /** Whether a registration may go ahead. Fails closed: a throwing handler refuses. */
  'filter:user.registration.allowed': filter<boolean, { username: string; email: string; ip: string }>(),
  /** The public JSON of a member, as the API returns it. */
  'filter:user.public': filter<PublicUser, { viewer: Viewer | null }>(),
  /**
   * Whether a viewer may fetch a media file. Core decides for posts and avatars; a plugin that attaches
   * media to its own things (a story) answers for those and passes the value on otherwise.
   */
  'filter:media.viewable': filter<boolean, { viewerId: number | null; mediaId: number; ownerId: number }>(),
  /** A post's text as safe HTML (escaped, with links), before it is shown; plugins may decorate it. */
  'filter:post.html': filter<string, { postId: number; authorId: number }>(),
  /**
   * Badges next to members' names, asked once for every author of a page of posts (cards and the API's
   * `author.badges`): add to `value[userId]` for the ids in `userIds`.
   */
  'filter:user.badges': filter<Record<number, NameBadge[]>, { userIds: number[] }>(),
  /** The page of posts of a member's home feed, after visibility is applied, before it is shown. */
  'filter:feed.home': filter<PostView[], { viewerId: number }>(),
  /** The <title> of a page, before the site name is added. */
  'filter:page.title': filter<string, { path: string }>(),
} as const

/**
 * Hooks that plugins declare. A plugin adds its own by module augmentation and lists them in
 * its manifest's `hooks` so the runtime whitelist knows them:
 * @example
 * declare module '../../core/hooks/types.js' {
 *   interface PluginHooks { 'action:hello.waved': ActionDef<{ userId: number }> }
 * }
 */
export interface PluginHooks {}

export type HookDefs = typeof coreHooks & PluginHooks
export type HookName = keyof HookDefs & string
export type ActionName = { [K in HookName]: HookDefs[K] extends ActionDef<any> ? K : never }[HookName]
export type FilterName = { [K in HookName]: HookDefs[K] extends FilterDef<any, any> ? K : never }[HookName]
export type ActionPayload<K extends ActionName> = HookDefs[K] extends ActionDef<infer P> ? P : never
export type FilterValue<K extends FilterName> = HookDefs[K] extends FilterDef<infer V, any> ? V : never
export type FilterContext<K extends FilterName> = HookDefs[K] extends FilterDef<any, infer C> ? C : never

export type ActionHandler<K extends ActionName> = (payload: ActionPayload<K>) => void | Promise<void>
export type FilterHandler<K extends FilterName> = (
  value: FilterValue<K>,
  context: FilterContext<K>,
) => FilterValue<K> | Promise<FilterValue<K>>
export type HookHandler<K extends HookName> = K extends ActionName ? ActionHandler<K> : K extends FilterName ? FilterHandler<K> : never

export interface HookOptions {
  /** Lower runs first; default 10. Equal priorities run in registration order. */
  priority?: number
}

export interface HookInfo {
  name: string
  kind: 'action' | 'filter'
  declaredBy: string
  handlers: { owner: string; priority: number }[]
}
