// The plugin API: the only module a plugin imports from core. Everything else reaches a plugin through its context.
import type { Socket } from 'node:net'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import type { Kysely } from 'kysely'
import type { ComponentChildren, VNode } from 'preact'
import type { Database } from '../db/schema.js'
import type { AppError, ErrorCode, ErrorDetails } from '../errors.js'
import type {
  ActionHandler,
  ActionName,
  ActionPayload,
  FilterContext,
  FilterHandler,
  FilterName,
  FilterValue,
  HookDef,
  HookOptions,
  NavItem,
  NameBadge,
} from '../hooks/types.js'
import type { Logger } from '../logger.js'
import type { AppEnv } from '../http/env.js'
import type { MediaInfo } from '../media/types.js'
import type { PluginReportsApi } from '../moderation/service.js'
import type { PluginLimitsApi } from '../auth/rate-limit.js'
import type { PluginNotificationsApi } from '../notifications/types.js'
import type { PluginLedgerApi } from '../ledger/plugin.js'
import type { PolicyService } from '../policy/service.js'
import type { Page } from '../pagination.js'
import type { CreatePostInput } from '../posts/inputs.js'
import type { PostView } from '../posts/types.js'
import type { ProfileView } from '../social/service.js'
import type { PublicUser, Viewer } from '../users/types.js'

export type { AppEnv, MediaInfo, NameBadge, NavItem, Page, PostView, ProfileView, PublicUser, Viewer }
/** The database handle plugins get as `ctx.db`, for typing query helpers: `function q(db: PluginDb)`. */
export type PluginDb = Kysely<Database>
export { action, filter, type ActionDef, type FilterDef, type DeletionPolicy, type ExportFile, type ExportParts } from '../hooks/types.js'
/**
 * Queries built and compiled once per shape, their values bound at each call: for a query that runs on every page
 * (a slot, a nav count), where building it with Kysely costs as much as SQLite running it. The key names everything
 * the build depends on besides the slots; the build must not look at a slot's value. A fourth argument runs the
 * statement on a transaction of yours (`trx`).
 * @example
 * const shapes = queryShapes(ctx.db)
 * const rows = await shapes.all('waves-of', (slot) => ctx.db.selectFrom('users').select('id').where('id', '=', slot<number>('user')), { user: viewer.id })
 */
export { queryShapes, type SlotOf } from '../db/shapes.js'
export { sqlLimit } from '../db/compiler.js'
/** The reasons a report may give (core's list), with the labels the report form shows. */
export { REASON_LABELS, REPORT_REASONS, type ReportReason } from '../moderation/inputs.js'
export { cleanName, nameSkeleton, safeName } from '../text/names.js'
/** Turn what a member typed into a safe FTS5 MATCH expression (every word quoted), for a plugin's own full-text index. */
export { toFtsQuery, type FtsQuery } from '../search/query.js'

// ---- The kit: core's own helpers, re-exported (not copies), so a plugin checks input, pages lists, draws forms and
// applies privacy rules exactly as core does. See "The kit" in docs/plugins.md.
export { AppError, isAppError } from '../errors.js'
export { fieldsOf, parse, WHOLE_INPUT } from '../validation.js'
export { decodeCursor, encodeCursor, olderThan, pageOf, type CursorScalar, type CursorSpec } from '../pagination.js'
export { ActionForm, CsrfField, DataTable, displayName, EmptyState, Field, FormError, Notice, VerifiedBadge, type DataColumn } from '../views/components.js'
export { relativeTime, shortTime } from '../views/time.js'
export { cardText, SharedCardView, type CardResolver, type SharedCard } from '../views/cards.js'
// Plugins' icons are drawn whole wherever they are drawn (InlineIcon): what a plugin renders is the same HTML in a
// page and over a socket. Core's and themes' icons in a page are references to the page's symbols.
export { InlineIcon as Icon, type IconProps } from '../views/icons.js'
export { Avatar, PostCard, PostHead, PostMedia } from '../posts/views.js'
export { activeMember, blockedWith, canSeeAuthor, displayNameOf } from '../safety/queries.js'
/**
 * Safe HTML for text a member wrote, as posts and comments show it: everything escaped, links, #tags and the
 * @mentions of `mentionable` (lower-cased usernames) made into anchors, line breaks kept.
 * @example <p dangerouslySetInnerHTML={{ __html: renderText(message.text, new Set(['ana'])) }} />
 */
export { extractMentions, renderPostText as renderText } from '../posts/text.js'
/**
 * One CSV field as `hearth ledger export` writes them: quoted when it must be, and text a spreadsheet would run as a
 * formula made inert (a leading `'`). For a plugin's own reports.
 * @example const line = [w.id, w.username, w.amount].map(csvField).join(',') + '\n'
 */
export { csvField } from '../ledger/service.js'

// ---- Settings schema: typed values, and the admin form is drawn from it.
import type { SettingsSchema, SettingsValues } from '../settings/schema.js'
export type { SettingSpec, SettingsSchema, SettingValue, SettingsValues } from '../settings/schema.js'

// ---- Manifest

export interface PluginManifest<S extends SettingsSchema = SettingsSchema> {
  /** Lowercase letters, digits and dashes; also the prefix of the plugin's tables and URLs. */
  name: string
  version: string
  description: string
  /** Plugins that must be enabled (and are registered) before this one. */
  dependsOn?: string[]
  /**
   * Plugins this one works with when they are enabled, and starts without: each that is enabled registers first,
   * so `ctx.plugins.enabled(name)` and `ctx.hooks.on(theirHook, fn, { optional: true })` see it.
   * @example optionalDependsOn: ['stories']
   */
  optionalDependsOn?: string[]
  /**
   * URL prefixes your routes may use besides the defaults (`/NAME`, `/api/v1/NAME`, `/plugins/NAME`, `/realtime/NAME`).
   * A route outside them, a prefix of core's, or one another loaded plugin claims stops the plugin from loading.
   * @example routePrefixes: ['/meet']
   */
  routePrefixes?: string[]
  settings?: S
  /** Folder of dated migration files, relative to the plugin's folder (e.g. './migrations'). */
  migrations?: string
  /** Hooks this plugin declares for others (also add them to PluginHooks by module augmentation). */
  hooks?: Record<string, HookDef>
  /** Whether a newly found plugin starts enabled. Default false. */
  enabledByDefault?: boolean
  /**
   * Where your routes run when Hearth serves on several threads (HEARTH_WORKERS): `'main'` (the default) sends every
   * request under your prefixes, and every socket, to the one main thread, so state you keep in memory stays whole;
   * `'any'` lets each thread serve them, for a plugin that keeps its state in the database. Your hooks, UI slots and
   * card renderers run on every thread either way.
   */
  threads?: 'any' | 'main'
}

// ---- UI slots

import type { GuidelineKind, ProfileTab, SettingsPanel, SlotName, SlotProps, SlotRenderer } from '../views/slots.js'
import type { CardResolver, SharedCard } from '../views/cards.js'
export type { GuidelineKind, ProfileTab, SettingsPanel, SlotName, SlotProps, SlotRenderer }

// ---- Realtime

import type { Topic, TopicDefinition, TopicName } from '../realtime/types.js'
export type {
  MessageSchema,
  PublishOptions,
  ReplayedEvent,
  Topic,
  TopicConnection,
  TopicDefinition,
  TopicEvents,
  TopicId,
  TopicName,
} from '../realtime/types.js'

import type { ChannelHandlers, RealtimeConnection } from '../realtime/types.js'
export type { ChannelHandlers, RealtimeConnection }

// ---- Core services as plugins see them

export interface PluginUsersApi {
  /** A member by id or username, or null (`verified` says whether they carry the verified badge). */
  find(idOrUsername: number | string): Promise<PublicUser | null>
  /**
   * Which of these members carry the verified badge (staff give it in Admin → Verification): one query for a list.
   * @example const verified = await ctx.core.users.verified(rows.map((r) => r.user_id)); if (verified.has(id)) …
   */
  verified(ids: readonly number[]): Promise<Set<number>>
}

export interface PluginPostsApi {
  /**
   * Create a post as a member (the same rules as the compose page: validation, fan-out, hooks).
   * @example await ctx.core.posts.create(viewer.id, { text: 'Story highlight #summer', visibility: 'followers' })
   */
  create(authorId: number, input: CreatePostInput, options?: { scope?: string }): Promise<PostView>
  /** The posts of one of your scopes that the viewer may see, newest first (a group's feed). */
  inScope(viewerId: number | null, scope: string, options?: { cursor?: string | null; limit?: number }): Promise<Page<PostView>>
  /** A post if the viewer may see it, else null. */
  get(viewerId: number | null, id: number): Promise<PostView | null>
  /**
   * Whether the viewer may see a post, by the same rule as `get` in one query and without building the post: its id
   * and author, or null. For a check on a busy path (a gift sent on a post).
   * @example const post = await ctx.core.posts.visible(viewer.id, postId); if (!post) throw notFound()
   */
  visible(viewerId: number | null, id: number): Promise<{ id: number; authorId: number } | null>
  /** A member's posts that the viewer may see, newest first. */
  timeline(viewerId: number | null, authorId: number, options?: { cursor?: string | null; limit?: number }): Promise<Page<PostView>>
  remove(actor: Viewer, id: number): Promise<void>
  /** Delete a post of one of your scopes for its staff (a group's moderator), whoever wrote it; audited. */
  removeInScope(actor: Viewer, id: number, scope: string): Promise<void>
}

export interface PluginScopesApi {
  define(id: string, options: { public: boolean }): Promise<void>
  setMember(id: string, userId: number, member: boolean): Promise<void>
  isMember(id: string, userId: number): Promise<boolean>
  /** Delete the scope and every post in it. */
  remove(id: string): Promise<void>
}

export interface PluginSocialApi {
  /** A profile as the viewer sees it (NOT_FOUND for unknown or suspended members). */
  profile(viewerId: number | null, idOrUsername: number | string): Promise<ProfileView>
  isFollowing(followerId: number, followeeId: number): Promise<boolean>
  follow(followerId: number, target: number | string): Promise<'following' | 'requested'>
  unfollow(followerId: number, target: number | string): Promise<void>
  /** Block a member as `blockerId` would from their profile: follows end both ways and neither sees the other. */
  block(blockerId: number, target: number | string): Promise<void>
  /** Whether either of two members blocked the other. */
  blockedEitherWay(a: number, b: number): Promise<boolean>
  /** The ids of everyone a member blocked or was blocked by (to pair members in memory; listen to `action:user.blocked` for changes). */
  blockedIds(userId: number): Promise<number[]>
  /**
   * Whether `actorId` passes `targetId`'s "Who can message you" (everyone, followers: members who follow them,
   * nobody), and no block stands between them. What a refusal means is the messaging plugin's rule (a request).
   * @example if (!(await ctx.core.social.canMessage(me.id, other.id))) landInRequests()
   */
  canMessage(actorId: number, targetId: number): Promise<boolean>
  /** The privacy choices a member made that plugins honour, defaults filled in (Settings → Privacy). */
  privacy(userId: number): Promise<MemberPrivacy>
  /**
   * Members' pictures (`/media/ID/150`) as the viewer may see them, in one query: null for one with no picture, a
   * suspended member, a block either way, or a picture whose audience leaves the viewer out; the rule of profiles.
   * @example const pictures = await ctx.core.social.avatars(viewer.id, others.map((m) => m.id))
   */
  avatars(viewerId: number, userIds: readonly number[]): Promise<Map<number, string | null>>
}

/** A member's privacy choices as plugins read them. */
export interface MemberPrivacy {
  /** "Who can message you": `followers` are members who follow them. */
  who_can_message: 'everyone' | 'followers' | 'nobody'
  /** "Show when I was last online". */
  show_last_seen: boolean
}

export interface PluginMediaApi {
  /** Store an upload (checked by its bytes, size-limited) and queue its processing. */
  upload(ownerId: number, file: File): Promise<MediaInfo>
  /**
   * The same from a stream, read as it arrives: the size limit applies while reading, so an oversized file is
   * refused without being held in memory. Use it with `ctx.http.streamForm` on a route declared with `acceptFiles`.
   * @example await ctx.http.streamForm(c, async (file) => { ids.push((await ctx.core.media.uploadStream(me.id, file.body)).id) })
   */
  uploadStream(ownerId: number, source: AsyncIterable<Uint8Array>): Promise<MediaInfo>
  /** What the API shows of a media item, or null. Check access yourself before showing it. */
  info(id: number): Promise<MediaInfo | null>
  /**
   * The same, its URLs carrying a one-time grant: `viewerId` may load each file once (with a video's range
   * reads) within `seconds`, even where `filter:media.viewable` refuses the plain URL. Give one at the act that
   * shows the file (opening a view-once story), after recording it. Null when the item does not exist.
   * @example const media = await ctx.core.media.grant(story.media_id, viewer.id, 120)
   */
  grant(id: number, viewerId: number, seconds: number): Promise<MediaInfo | null>
  remove(id: number): Promise<void>
  /**
   * Run the bundled ffmpeg (`FFMPEG_PATH` when set; `-hide_banner -nostdin` are added) to its end, bound to the
   * server's life; rejects on a non-zero exit or after `timeoutMs`. For files of your own (`ctx.core.files`), such
   * as a voice note converted to Opus and AAC.
   * @example await ctx.core.media.ffmpeg(['-i', input, '-c:a', 'libopus', out], { timeoutMs: 60_000 })
   */
  ffmpeg(args: readonly string[], options: { timeoutMs: number }): Promise<{ stdout: string; stderr: string }>
}

// ---- The audit log

/** One staff action, as `ctx.core.audit` records it. */
export interface PluginAuditEntry {
  /** Who acted (null: the system). */
  actorId: number | null
  /** What was done, in your words (`gift.created`); stored as `NAME.gift.created`. */
  action: string
  /** What it was done to: a core type (`user`, `post`) or yours (`NAME.thing`). */
  targetType?: string
  targetId?: string | number
  details?: Record<string, unknown>
}

// ---- The ledger

export type {
  AccountKind,
  AccountRef,
  AccountSpec,
  HistoryEntry,
  LedgerAccount,
  PluginLedgerApi,
  Transfer,
  TransferInput,
  TransferMeta,
  TransferType,
  WriteOptions,
} from '../ledger/plugin.js'

export type { PluginFiles } from '../media/files.js'

// ---- WebRTC

import type { IceServer, SignalData } from '../rtc/ice.js'
import type { PluginFiles } from '../media/files.js'
export type { IceServer, SignalData }

/** A category of posts as plugins see it (core/curation): staff make them in Admin → Curation. */
import type { CategoryView } from '../categories/queries.js'
export type { CategoryView }

/**
 * Categories of posts (core/curation), for your own things (a live stream, an event): keep the category's id in your
 * table and show it through `byIds` (a deleted or disabled category is absent there: show none).
 * @example const categoryId = await ctx.core.categories.idFor(input.category) // null for none; VALIDATION_FAILED (field "category") for an unknown one
 */
export interface PluginCategoriesApi {
  /** The enabled categories in their order, to offer in a form. */
  list(): Promise<CategoryView[]>
  /** The id of an enabled category from its slug ('' or null: none); an unknown or disabled one throws VALIDATION_FAILED on the field "category". */
  idFor(slug: string | null | undefined): Promise<number | null>
  /** Enabled categories by id, for showing what you stored. */
  byIds(ids: readonly number[]): Promise<Map<number, CategoryView>>
  /** A member's interests (slugs of categories), to favour what they like. */
  interestsOf(userId: number): Promise<string[]>
}

export interface PluginRtcApi {
  /** The ICE servers to give this member's page for a call; TURN credentials in them expire (`rtc.turn_ttl_minutes`). */
  iceServers(userId: number): Promise<IceServer[]>
  /** A signal (an offer or answer, or an ICE candidate) checked in shape and size, or a sentence saying what is wrong. */
  checkSignal(raw: Record<string, unknown>): SignalData | string
  /** Sentences naming what in the operator's `rtc.*` settings keeps calls from their STUN or TURN servers (none: fine). */
  problems(): Promise<string[]>
}

// ---- Child processes

import type { ChildProcess, SpawnOptions } from 'node:child_process'
export type { ChildProcess, SpawnOptions }

export interface PluginProcessesApi {
  /**
   * `child_process.spawn`, but the child dies with the server, however it dies, and is killed when Hearth closes
   * (decision 014). Kill it yourself when its work ends.
   * @example const child = ctx.processes.spawn(ctx.processes.ffmpeg(), ['-i', 'pipe:0', out], { stdio: ['pipe', 'ignore', 'pipe'] })
   */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess
  /** The ffmpeg core uses: `FFMPEG_PATH` when the operator set it, else the bundled one. */
  ffmpeg(): string
}

// ---- Jobs

/** What a durable job's handler learns about the run. */
export interface PluginJobInfo {
  id: number
  /** `NAME:kind` */
  kind: string
  /** This attempt's number: 1 the first time. */
  attempts: number
  maxAttempts: number
  /** Aborted when the server stops before the job finished: the job runs again after the restart. */
  signal: AbortSignal
}

export interface PluginJobOptions<P> {
  /** Give up after this many attempts (default 5); retries wait 2 s, 4 s, 8 s, ... up to 10 minutes. */
  maxAttempts?: number
  /** At most this many jobs of this kind at once (default 1). */
  concurrency?: number
  /** Called once when a job gives up for good (its last attempt failed, or it threw `UnrecoverableJobError`). */
  onFailed?: (payload: P, error: string) => void | Promise<void>
}

export interface PluginEnqueueOptions {
  /** Run no earlier than this (a scheduled message, a purge when a message disappears). Default: now. */
  runAt?: Date
  /**
   * Names the job while it is outstanding: enqueueing a key that names a pending or running job of yours adds
   * nothing. `cancel(key)` unschedules it. Keys are yours alone (core stores them as `NAME:key`).
   */
  key?: string
  /** The transaction of the write that promises this job, so both commit or neither does (see docs/plugins.md). */
  db?: Kysely<any>
  /** Give up after this many attempts, overriding define's. */
  maxAttempts?: number
}

export interface PluginJobsApi {
  /**
   * Run `fn` on a cron schedule while the server runs (not in CLI commands). Errors are logged.
   * @example ctx.jobs.every('0 * * * *', 'hourly-cleanup', () => cleanup(ctx.db))
   */
  every(cron: string, name: string, fn: () => void | Promise<void>): void
  /**
   * Handle a kind of durable job (call in register()). Jobs are stored as `NAME:kind`, survive restarts, are
   * retried with backoff when the handler throws, and run on the primary only. Make handlers safe to run twice:
   * a crash mid-job runs it again.
   * @example
   * ctx.jobs.define<{ messageId: number }>('purge', async ({ messageId }) => {
   *   await ctx.db.deleteFrom('chat_messages').where('id', '=', messageId).execute()
   * }, { maxAttempts: 3 })
   */
  define<P>(kind: string, handler: (payload: P, job: PluginJobInfo) => void | Promise<void>, options?: PluginJobOptions<P>): void
  /**
   * Queue a job of a kind you defined. The payload must be JSON (strings, numbers, booleans, null, arrays, plain
   * objects; at most 64 KiB): anything else throws. Pass `db: trx` when a write of yours promises the job.
   * Returns the job's id.
   * @example
   * await ctx.db.transaction().execute(async (trx) => {
   *   const id = await addMessage(trx, input)
   *   await ctx.jobs.enqueue('purge', { messageId: id }, { runAt: new Date(Date.now() + 86_400_000), key: `purge:${id}`, db: trx })
   * })
   */
  enqueue<P>(kind: string, payload: P, options?: PluginEnqueueOptions): Promise<number>
  /**
   * Remove your pending job named `key` (a running one finishes). Returns whether one was removed.
   * @example await ctx.jobs.cancel(`purge:${messageId}`)
   */
  cancel(key: string, options?: { db?: Kysely<any> }): Promise<boolean>
}

/**
 * Throw from a job handler for a failure that trying again cannot fix: the job fails at once.
 * @example throw new UnrecoverableJobError('The message was deleted.')
 */
export { UnrecoverableJobError } from '../jobs/queue.js'

// ---- The operators' console

import type { AdminMetric, AdminRouter, AdminSection, AdminTile, AdminHandler } from '../admin/registry.js'
import type { Permission, Requirement } from '../users/permissions.js'
export type { AdminHandler, AdminMetric, AdminRouter, AdminSection, AdminTile, Permission, Requirement }

export interface PluginAdminApi {
  /**
   * A section of the console (issue 18): a page in its navigation at `/admin/ID` and an API at `/api/v1/admin/ID`,
   * each route behind `need` (a permission, `staff` or `admin`) that core checks before your handler runs. The id is
   * your plugin's name or starts with `NAME-`. Draw its pages with `ctx.admin.page`.
   * @example
   * ctx.admin.section({
   *   id: 'random-chat', label: 'Meet, live', icon: 'radio', need: 'moderate_content',
   *   pages: (r) => r.get('/', async (c) => ctx.admin.page(c, { title: 'Meet, live' }, <LiveView live={await service.live()} />)),
   *   api: (r) => r.get('/', async (c) => ctx.http.json(c, await service.live())),
   * })
   */
  section(section: AdminSection): void
  /**
   * A metric the dashboard can chart, stored once a day by core's rollup job as `NAME.id` (so the dashboard never
   * counts your tables while an admin waits). `count`: the day's number; `gauge`: the value now, asked once a run.
   * @example ctx.admin.metric({ id: 'stories', label: 'Stories', kind: 'count', compute: ({ from, to }) => countStories(ctx.db, from, to) })
   */
  metric(metric: AdminMetric): void
  /**
   * A tile of the dashboard: a figure and a chart of your metrics (ids without your prefix) over the chosen period.
   * @example ctx.admin.tile({ id: 'stories', label: 'Stories per day', metrics: ['stories'], need: 'staff' })
   */
  tile(tile: AdminTile): void
  /** A page in the console's layout (its section navigation beside your content). */
  page(c: Context<AppEnv>, options: { title: string; status?: number }, body: ComponentChildren): Promise<Response>
}

// ---- The context

/** `optional`: the hook belongs to a plugin that may be off; when nobody declares it, `on` does nothing instead of failing. */
export type PluginHookOptions = HookOptions & { optional?: boolean }

export interface PluginHooksApi {
  /**
   * @example ctx.hooks.on('action:user.registered', async ({ user }) => log.info(user.username))
   * @example ctx.hooks.on('action:stories.replied', (reply) => remember(reply), { optional: true }) // with optionalDependsOn: ['stories']
   */
  on<K extends ActionName>(name: K, handler: ActionHandler<K>, options?: PluginHookOptions): void
  on<K extends FilterName>(name: K, handler: FilterHandler<K>, options?: PluginHookOptions): void
  emit<K extends ActionName>(name: K, payload: ActionPayload<K>): Promise<void>
  apply<K extends FilterName>(name: K, value: FilterValue<K>, context: FilterContext<K>): Promise<FilterValue<K>>
}

export interface PageOptions {
  title: string
  status?: 200 | 201 | 400 | 403 | 404 | 409 | 413 | 422 | 429
}

export interface PluginContext<S extends SettingsSchema = SettingsSchema> {
  /**
   * Run `fn` when Hearth closes (SIGTERM, SIGINT, tests): close sockets, stop timers and loops you started. Close
   * functions run newest first across plugins, after the job queue stopped and before the database closes; one
   * that throws is logged with your name, one slower than `timeoutMs` (default 5 s, at most 30 s) is left behind.
   * @example ctx.onClose(() => clearInterval(timer))
   */
  onClose(fn: () => void | Promise<void>, options?: { timeoutMs?: number }): void
  readonly plugins: {
    /**
     * Whether another plugin is loaded in this process. List it in `manifest.optionalDependsOn` so it loads first.
     * @example if (ctx.plugins.enabled('stories')) ctx.ui.slot('home.top', StoryReplies)
     */
    enabled(name: string): boolean
  }
  readonly name: string
  readonly manifest: PluginManifest<S>
  /** A logger whose lines carry `plugin: NAME`. */
  readonly log: Logger
  /**
   * The database. Read core tables; write only your own (prefixed with your name).
   * Type your tables with `ctx.db.withTables<MyTables>()`.
   */
  readonly db: Kysely<Database>
  /** Your routes (a Hono app mounted at the site root, after core's). */
  readonly routes: Hono<AppEnv>
  readonly hooks: PluginHooksApi
  readonly ui: {
    /**
     * A navigation item; shown to `audience` (default 'members'), in the "More" menu unless it asks for
     * `placement: 'primary'` with a `priority` (see "Navigation" in docs/plugins.md).
     */
    nav(item: Omit<NavItem, 'owner' | 'audience' | 'order'> & Partial<Pick<NavItem, 'audience' | 'order'>>): void
    slot<N extends SlotName>(name: N, render: SlotRenderer<SlotProps[N]>, options?: { order?: number }): void
    profileTab(tab: ProfileTab): void
    settingsPanel(panel: SettingsPanel): void
    /**
     * A kind of shared card (decision 030): how one of your things looks where it is shared (a message), as one
     * viewer may see it now; answer null when they may not (or it is gone). Kinds are unique across core and plugins.
     * @example ctx.ui.card('story', async (viewer, id) => ((await mayView(viewer, id)) ? { kind: 'story', ref: id, url: `/stories/${id}`, label: 'Story', title: 'ana' } : null))
     */
    card(kind: string, resolve: CardResolver): void
  }
  /** The operators' console: sections, dashboard metrics and tiles (see "The console" in docs/plugins.md). */
  readonly admin: PluginAdminApi
  readonly jobs: PluginJobsApi
  readonly settings: {
    get<K extends keyof S & string>(key: K): Promise<SettingsValues<S>[K]>
    all(): Promise<SettingsValues<S>>
    set<K extends keyof S & string>(key: K, value: SettingsValues<S>[K]): Promise<void>
  }
  /** Serve a folder of the plugin (relative to its folder) at /plugins/NAME/. */
  assets(folder: string): void
  /**
   * The plugin's own folder for files it writes (`DATA/plugins/NAME`, inside the operator's data directory, so it
   * moves with backups and the media). Not created for you: `register()` does no I/O; make it when you first write.
   * @example await mkdir(join(ctx.dataDir, 'streams', String(id)), { recursive: true })
   */
  readonly dataDir: string
  /** Child processes, started the one way core starts them: bound to the server, killed when it stops (decision 014). */
  readonly processes: PluginProcessesApi
  readonly realtime: {
    /** A WebSocket endpoint at /realtime/NAME/CHANNEL for logged-in members. */
    channel(channel: string, handlers: ChannelHandlers): void
    /** Push an event to every open page of a member (the core /realtime socket). */
    publish(userId: number, event: string, data: unknown): void
    /**
     * Whether the member has a page of this Hearth open (a /realtime socket), on whichever thread asks: the main thread
     * holds the sockets and the other threads mirror who is online (a change reaches them a moment later). On a LiteFS
     * replica, which holds no sockets, always false: ask it in code that runs on the primary.
     */
    isOnline(userId: number): boolean
    /**
     * Topics members join over their one /realtime socket: ids `NAME` and `NAME:…` (a conversation:
     * `messages:conv:12`). Declare the name and its events in `TopicEvents` by module augmentation. Page
     * scripts use `window.hearthTopic(id)`; see "Realtime topics" in docs/plugins.md.
     * @example
     * const typing = ctx.realtime.topic('hello:typing', {
     *   authorize: () => true,
     *   presence: true,
     *   accept: z.object({ typing: z.boolean() }),
     *   onMessage: (conn, topicId, { typing }) =>
     *     typing.publish(topicId, 'typing', { userId: conn.viewer.id, username: conn.viewer.username, typing }, { except: conn.viewer.id }),
     * })
     */
    topic<K extends TopicName, M = never>(name: K, definition: TopicDefinition<K, M>): Topic<K>
  }
  readonly core: {
    users: PluginUsersApi
    posts: PluginPostsApi
    social: PluginSocialApi
    media: PluginMediaApi
    /**
     * Your own private files (any type: a message's attachment, a voice note), which core never serves: stream one
     * in within a size limit, and send it from your route after your own access check (as a download, if need be).
     * @example const { key } = await ctx.core.files.receive(file.body, { maxBytes: 25 * 1024 * 1024 })
     */
    files: PluginFiles
    /** Send a member a notification (a type your plugin owns; see docs/plugins.md). */
    notifications: PluginNotificationsApi
    /** File a report into the one moderation queue. */
    reports: PluginReportsApi
    /**
     * Post scopes: spaces you keep (a group), whose posts core shows by the scope's rules on every path.
     * Ids are yours: "NAME:something". Post into one with `core.posts.create(author, input, { scope })`.
     * @example await ctx.core.scopes.define('groups:12', { public: false }); await ctx.core.scopes.setMember('groups:12', userId, true)
     */
    scopes: PluginScopesApi
    /** Rate limits and budgets on your members, kept across reconnects and restarts (decision 019). */
    limits: PluginLimitsApi
    /**
     * WebRTC for calls: the ICE servers (STUN, and TURN with expiring credentials) from the operator's `rtc.*`
     * settings, and the check a signal passes before you relay it to the other side (decision 024).
     * @example send(userId, { type: 'ring', iceServers: await ctx.core.rtc.iceServers(userId) })
     */
    rtc: PluginRtcApi
    /**
     * Categories of posts (core/curation): offer them on your forms, keep the id, show the name.
     * @example const categoryId = await ctx.core.categories.idFor(form.category)
     */
    categories: PluginCategoriesApi
    /**
     * The servers of a LiteFS cluster (docs/plugins.md, "Several servers"). `isPrimary()`: whether this server is the
     * one that writes (always, on a single server). `relayToPrimary(socket, port)`: for a TCP listener of your own
     * whose sessions keep state (an RTMP ingest), on a replica pipe the connection to `port` on the primary and answer
     * true; false on the primary, which serves it itself.
     * @example net.createServer((socket) => { if (!ctx.core.cluster.relayToPrimary(socket, port)) serve(socket) })
     */
    cluster: { isPrimary(): boolean; relayToPrimary(socket: Socket, port: number): boolean }
    /**
     * Shared cards (decision 030): a post, a profile or a plugin's thing as `viewer` may see it now, or null (draw it
     * with `SharedCardView`, which says "unavailable" for null). Resolve at read time, for each reader; never store one.
     * @example const card = await ctx.core.cards.resolve(viewer, 'post', 12)
     */
    cards: { resolve(viewer: Viewer | null, kind: string, ref: number): Promise<SharedCard | null>; has(kind: string): boolean }
    /**
     * Double-entry accounts and idempotent transfers in whole units: coins, earnings, holds (decision 033).
     * @example await ctx.core.ledger.transfer({ key: `grant:${ref}`, debit: { kind: 'world', name: 'manual', unit: 'coin' }, credit: { kind: 'member_coins', userId, unit: 'coin' }, amount: 500 })
     */
    ledger: PluginLedgerApi
    /**
     * The operator's rules on what members write (decision 038). Check before saving: throws 422
     * REFUSED_BY_POLICY with the rule's message; after saving, `flagSaved` logs the matches and files a report for
     * flagging rules. Your surfaces are named `NAME.thing` (a bare `thing` gets your name in front), and operators
     * choose them per rule.
     * @example const checked = { surface: 'message', authorId: me.id, text }
     * const verdict = await ctx.core.policy.enforce(checked)
     * const id = await save(text)
     * await ctx.core.policy.flagSaved(verdict, checked, { type: 'messages.message', id })
     */
    policy: Pick<PolicyService, 'enforce' | 'flagSaved'>
    /**
     * Write a staff action to the audit log (Admin → Audit log), stored as `NAME.action`. Pass `db: trx` to commit it
     * with the change it records. Never put secrets or a member's private details in `details`.
     * @example await ctx.core.audit({ actorId: admin.id, action: 'withdrawal.approved', targetType: 'coins.withdrawal', targetId: id, details: { amount } })
     */
    audit(entry: PluginAuditEntry, options?: { db?: Kysely<any> }): Promise<void>
  }
  /** Helpers for route handlers. */
  readonly http: {
    /** The member making the request, or null. */
    viewer(c: Context<AppEnv>): Viewer | null
    /** Middleware: only logged-in members pass; others are sent to log in (pages) or get UNAUTHENTICATED (API). */
    requireMember: MiddlewareHandler<AppEnv>
    /** Middleware: only staff pass: moderators and admins ('moderator'), or admins only ('admin'). */
    requireRole(role: 'moderator' | 'admin'): MiddlewareHandler<AppEnv>
    /** Render a page inside the active theme's layout. */
    page(c: Context<AppEnv>, options: PageOptions, body: ComponentChildren): Promise<Response>
    /**
     * Render a fragment (no layout) for an htmx swap. Check `c.req.header('hx-request')` to choose
     * between a fragment and a full page or redirect, so the route works without JavaScript too.
     */
    fragment(c: Context<AppEnv>, node: VNode, status?: 200 | 400 | 422): Promise<Response>
    /** Answer the JSON envelope of the API. */
    json(c: Context<AppEnv>, data: unknown, status?: 200 | 201): Response
    /** The CSRF token to put in a form as `_csrf`. */
    csrfToken(c: Context<AppEnv>): string
    /**
     * A one-line confirmation (or error) on the next page the member sees, whoever draws it: for a form that leads back
     * to a page of core or of another plugin, which knows nothing of your `?notice=` keys (see `Notice`).
     * @example ctx.http.flash(c, 'ok', 'You sent Rose to Ana.'); return c.redirect(`/p/${postId}`, 303)
     */
    flash(c: Context<AppEnv>, kind: 'ok' | 'error' | 'info', text: string): void
    /**
     * The reminder of the community rules that core shows above its compose and report forms, for your forms where
     * members post, write or report: render it just above the form. Null for guests, when the operator published no
     * rules, or once the member dismissed this version ("Got it", which brings them back to `next`: by default the
     * page asked for; give the form's page when a POST renders it again). `kind` picks the words: 'post' (the default),
     * 'message' (chats and conversations) or 'report'.
     * @example <NewStoryPage guidelines={await ctx.http.guidelines(c)} ... />
     */
    guidelines(c: Context<AppEnv>, options?: { kind?: GuidelineKind; next?: string }): Promise<VNode | null>
    /**
     * The request's JSON object body; anything else throws the API's `VALIDATION_FAILED` error. With `optional`, no
     * body at all is `{}`.
     * @example const input = parse(inviteInput, await ctx.http.jsonBody(c, { optional: true }))
     */
    jsonBody(c: Context<AppEnv>, options?: { optional?: boolean }): Promise<Record<string, unknown>>
    /**
     * The text fields of a urlencoded or multipart form (files left out).
     * @example const { name } = parse(groupInput, await ctx.http.form(c))
     */
    form(c: Context<AppEnv>): Promise<Record<string, string>>
    /**
     * Declare (in `register`) a form route that takes members' files, so its body may be as large as `files` of the
     * largest upload the operator allows instead of the 1 MiB of other routes. The path may hold `:name` segments
     * and must be under your prefixes. Read its body with `streamForm`, which keeps no file in memory.
     * @example ctx.http.acceptFiles('/groups/:id/posts', { files: 10 })
     */
    acceptFiles(path: string, options: { files: number }): void
    /**
     * Declare (in `register`) route paths of a `threads: 'any'` plugin that only the primary's main thread can answer,
     * even for GET: files you keep in `ctx.dataDir` (each server has its own disk) or state you keep in memory. On a
     * LiteFS replica such a request is forwarded to the primary (with the member's cookies and address, so your access
     * checks run there as usual), on several threads it goes to the main thread; on one server it changes nothing.
     * `:name` matches one segment, a trailing `/*` the path and everything below it; the path must be under your
     * prefixes. A plugin that keeps the default `threads: 'main'` needs none: all its paths are served there already.
     * @example ctx.http.primaryOnly('/clips/:id/files/*')
     */
    primaryOnly(path: string): void
    /**
     * A form's text fields (every value of each, in order), each chosen file (`name` is its input's) handed to `onFile` as it streams in
     * (pass its `body` to `ctx.core.media.uploadStream`). When `onFile` throws, the rest of the body is read and
     * dropped and the error thrown: remove the files you stored, and pass `fields` (filled as the form is read) to
     * show what was typed again. A urlencoded form gives its fields only.
     * @example const fields = await ctx.http.streamForm(c, async (file) => { ids.push((await ctx.core.media.uploadStream(me.id, file.body)).id) })
     */
    streamForm(c: Context<AppEnv>, onFile: (file: { name: string; filename: string | null; body: AsyncIterable<Uint8Array> }) => Promise<void>, fields?: Record<string, string[]>): Promise<Record<string, string[]>>
    /**
     * A numeric path parameter; not a whole number from 1 is 404 NOT_FOUND, like an id that names nothing.
     * @example const id = ctx.http.id(c) // /groups/:id
     */
    id(c: Context<AppEnv>, name?: string): number
    /**
     * The `?limit=` of a list: `fallback` (20) when absent, else a whole number from 1 to `max` (100), or VALIDATION_FAILED.
     * @example const limit = ctx.http.limit(c)
     */
    limit(c: Context<AppEnv>, options?: { fallback?: number; max?: number }): number
    /**
     * Answer a page in the API's list envelope (`data`, `pagination: { next_cursor, has_more }`).
     * @example return ctx.http.paginated(c, pageOf(rows, limit, (r) => ({ id: r.id })))
     */
    paginated<T>(c: Context<AppEnv>, page: Page<T>): Response
    error(status: AppError['status'], code: ErrorCode, message: string, details?: ErrorDetails): AppError
  }
}

export interface PluginDefinition<S extends SettingsSchema = SettingsSchema> {
  manifest: PluginManifest<S>
  /** Only registers routes, hooks, slots and jobs; does no I/O. May throw: the plugin is then disabled. */
  register(ctx: PluginContext<S>): void
}

/**
 * Define a plugin. The default export of `plugins/NAME/plugin.ts`.
 * @example
 * export default definePlugin({
 *   manifest: { name: 'hello', version: '1.0.0', description: 'Says hello' },
 *   register(ctx) { ctx.ui.nav({ id: 'hello', label: 'Hello', href: '/hello' }) },
 * })
 */
export function definePlugin<const S extends SettingsSchema = {}>(definition: PluginDefinition<S>): PluginDefinition<S> {
  return definition
}
