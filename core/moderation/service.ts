// Reports and the moderation queue: one queue core and plugins file into, resolved by moderators and admins.
import { sql } from 'kysely'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now, type UserRow } from '../db/schema.js'
import { AppError, forbidden, notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import type { MediaInfo, MediaService } from '../media/service.js'
import type { PostsService } from '../posts/service.js'
import { blockedEitherWay } from '../safety/queries.js'
import type { UsersService } from '../users/service.js'
import type { SettingsService } from '../settings/service.js'
import type { Viewer } from '../users/types.js'
import { parse } from '../validation.js'
import { CORE_TARGETS, pluginReportInput, REASON_LABELS, reportInput, resolveInput, type ReportReason } from './inputs.js'
import type { ReportOutcome, ReportRow, ReportStatus, ResolutionRow, WarningRow } from './tables.js'
import { displayName } from '../users/display-name.js'

/** What a plugin may do: file a report about something of its own (or a member). */
export interface PluginReportsApi {
  /**
   * File a report into the moderation queue. `targetType` is 'user', 'post', 'comment' or your own type
   * named after your plugin ('random-chat.session'); for your own types pass a `snapshot` (JSON) of what was
   * reported, since Hearth cannot read it later, and `targetUserId`, the member responsible, so moderators can
   * warn or suspend them. `reporterId` null files as the system (an automatic flag). A member's second open
   * report on the same target returns the first one's id. The queue reads from the snapshot a short line naming what
   * it is about (`summary`), a staff page about it (`href`, a path on this site) and `files: [{ label, url, image? }]`
   * (paths on this site that answer staff only), listed under it with images drawn.
   * @example await ctx.core.reports.file({ reporterId: me.id, targetType: 'random-chat.session', targetId: session.id, targetUserId: partner.id, reason: 'harassment', snapshot: { transcript } })
   */
  file(input: { reporterId: number | null; targetType: string; targetId: string | number; targetUserId?: number | null; reason: string; note?: string; snapshot?: Record<string, unknown> }): Promise<{ id: number }>
  /**
   * Describe a kind of your content members may report themselves (from `/report?type=NAME.kind&id=…` and
   * `POST /api/v1/reports`), and how staff see and remove it. Its target type is `NAME.kind`. Put the files it shows
   * in the snapshot as `media_ids` and the queue draws them for staff whatever their audience; a `transcript`
   * (`[{ at, from, text, media_ids? }]`) is drawn as a conversation.
   * @example ctx.core.reports.kind('story', { label: 'story', locate: async (viewerId, id) => ..., current: async (id) => ..., remove: ({ targetId }) => deleteStory(ctx.db, Number(targetId)) })
   */
  kind(kind: string, definition: ReportableKind): void
  /**
   * Teach the queue what "remove" does to one of your own types (`NAME.thing`), so staff can take it down from the
   * report: it runs after the decision is recorded, with the staff member deciding (null from the command line).
   * Removing something already gone should just return. Without one, "remove" is not offered for the type.
   * @example ctx.core.reports.remover('live.stream', ({ targetId }) => live.endFor(Number(targetId), 'staff'))
   */
  remover(targetType: string, remove: Remover): void
}

/** A plugin's reportable content (see `PluginReportsApi.kind`). */
export interface ReportableKind {
  /** What members call one ("story", "live stream"): "Report a story by @ana". */
  label: string
  /**
   * The thing as `reporterId` may see it now: the member responsible, what it is (the snapshot staff see as
   * reported), and where the reporter goes back to; null when it does not exist or they may not see it (answered
   * exactly as missing). `reporterId` null: the system filing, existence only.
   */
  locate(reporterId: number | null, id: string): Promise<{ authorId: number; snapshot: Record<string, unknown>; back: string } | null>
  /** The thing as it is now, for staff (no audience rules): null when gone. Without it staff see the snapshot only. */
  current?(id: string): Promise<Record<string, unknown> | null>
  /** Carries out "remove" (deleting it). Without it staff can dismiss, warn or suspend only. */
  remove?: Remover
}

/**
 * How to carry out the outcome "remove" for one target type. `reason` is the text a suspended member is
 * shown (for 'user', where removing is suspending). Removing something already gone should just return.
 * @example removers: { comment: ({ targetId, actor }) => comments.remove(actor!, Number(targetId)) }
 */
export type Remover = (input: { targetId: string; actor: Viewer | null; reason: string }) => Promise<void>

export interface MemberRef {
  id: number
  username: string
  display_name: string
}

export interface ResolutionView {
  id: number
  target_type: string
  target_id: string
  target_user: MemberRef | null
  outcome: ReportOutcome
  note: string
  /** Null when resolved from the command line. */
  actor: MemberRef | null
  reports_count: number
  created_at: string
}

/** A report as staff see it. Members never get this shape: it names the reporter. */
export interface ReportView {
  id: number
  status: ReportStatus
  target_type: string
  target_id: string
  target_user: MemberRef | null
  reason: ReportReason
  note: string
  reporter: MemberRef | null
  created_at: string
  resolved_at: string | null
  resolution: ResolutionView | null
  /** What was reported, as it was then (left out of lists). */
  snapshot?: Record<string, unknown>
}

/** What the reporter gets back: their own report, nothing about anyone else's. */
export interface FiledReport {
  id: number
  target_type: string
  target_id: string
  reason: ReportReason
  status: ReportStatus
  created_at: string
  /** True when this repeated an open report of theirs on the same target (that one is returned). */
  merged: boolean
}

/** One line of the queue: every open report on one target. */
export interface QueueItem {
  target_type: string
  target_id: string
  target_user: MemberRef | null
  /** Distinct reporters (each system report counts once). */
  reporters: number
  reports: number
  reasons: Partial<Record<ReportReason, number>>
  first_at: string
  last_at: string
  /** The newest open report, the one to inspect. */
  latest_report_id: number
  /** The newest report's snapshot, for a one-line summary. */
  snapshot: Record<string, unknown>
}

export interface WarningView {
  id: number
  reason: string
  note: string
  actor: MemberRef | null
  resolution_id: number | null
  created_at: string
}

/** Everything the inspect page shows about one report. */
export interface Inspection {
  report: ReportView & { snapshot: Record<string, unknown> }
  /** The target as it is now: null when it is gone, undefined when Hearth cannot read it (plugin types). */
  current: Record<string, unknown> | null | undefined
  /** Every report on the same target, newest first, open and resolved. */
  reports: ReportView[]
  /** Earlier and later decisions on the same target, newest first. */
  history: ResolutionView[]
  member: (MemberRef & { role: string; suspended: boolean; suspended_reason: string | null }) | null
  warnings: WarningView[]
  /** Whether "remove" can be carried out for this target type. */
  removable: boolean
  /** The files the snapshot and the current state name, with one-time URLs for the staff member looking (null: deleted). */
  media: Record<number, MediaInfo | null>
}

export type QueueSort = 'newest' | 'most'

/** A snapshot is kept whole, but within reason: a chat transcript fits, a dump of the database does not. */
const SNAPSHOT_MAX_BYTES = 256 * 1024

export const defaultSuspendReason = (reason: string) =>
  `Your account was suspended by the moderators after reports of ${(REASON_LABELS[reason as ReportReason] ?? reason).toLowerCase()}.`

const ref = (u: Pick<UserRow, 'id' | 'username' | 'display_name'>): MemberRef => ({ id: u.id, username: u.username, display_name: displayName(u) })

export type ModerationService = ReturnType<typeof createModerationService>

/** How long a moderator's one-time grants to a report's files last: time to look, not to keep. */
const REVIEW_GRANT_SECONDS = 10 * 60

/** Core's targets that "remove" takes down and keeps (seen by their author only) while the removal can be appealed. */
export const KEPT_FOR_APPEAL: ReadonlySet<string> = new Set(['post', 'comment'])

/** Core's targets a hold applies to (held_at on their table), and what holds a sign-up. */
const HOLDABLE = { post: 'posts', comment: 'comments' } as const

export function createModerationService(deps: { db: Db; hooks: HookRegistry; users: UsersService; posts: PostsService; media?: MediaService; settings?: Pick<SettingsService, 'get'>; removers?: Record<string, Remover> }) {
  const { db, hooks, users, posts, media, settings } = deps
  /** Plugins' reportable kinds, by target type (`stories.story`). */
  const kinds = new Map<string, ReportableKind>()

  /** Hold a post or comment (`reports`: hidden after reports; `removed`: taken down, kept for an appeal). */
  async function hold(type: string, id: string, reason: 'reports' | 'removed'): Promise<boolean> {
    const table = HOLDABLE[type as keyof typeof HOLDABLE]
    if (!table || !/^\d+$/.test(id)) return false
    const changed = await db
      .updateTable(table)
      .set({ held_at: now(), held_reason: reason })
      .where('id', '=', Number(id))
      .where((eb) => (reason === 'removed' ? eb.or([eb('held_reason', 'is', null), eb('held_reason', '!=', 'removed')]) : eb('held_at', 'is', null)))
      .executeTakeFirst()
    const held = Number(changed.numUpdatedRows) > 0
    if (held && type === 'comment') await commentChanged('action:comment.held', Number(id))
    return held
  }

  /** Tell core/engagement a comment was held or released, so its counts (and a first release's notifications) follow. */
  async function commentChanged(hook: 'action:comment.held' | 'action:comment.released', commentId: number): Promise<void> {
    const c = await db.selectFrom('comments').select('post_id').where('id', '=', commentId).executeTakeFirst()
    if (c) await hooks.emit(hook, { commentId, postId: c.post_id })
  }

  /** Let held writing show again (a rule's hold or a hide after reports; `removed` too when a removal is overturned), or let a held sign-up in. */
  async function release(type: string, id: string, options: { removed?: boolean } = {}): Promise<void> {
    if (!/^\d+$/.test(id)) return
    const table = HOLDABLE[type as keyof typeof HOLDABLE]
    if (table) {
      const reasons = options.removed ? ['review', 'reports', 'removed'] : ['review', 'reports']
      const r = await db.updateTable(table).set({ held_at: null, held_reason: null }).where('id', '=', Number(id)).where('held_reason', 'in', reasons as ('review' | 'reports' | 'removed')[]).executeTakeFirst()
      if (Number(r.numUpdatedRows) > 0 && type === 'comment') await commentChanged('action:comment.released', Number(id))
    } else if (type === 'user') {
      await db.updateTable('users').set({ approval: null, suspended_at: null, suspended_reason: null }).where('id', '=', Number(id)).where('approval', '=', 'pending').execute()
    }
  }

  /** The operator's auto-hide: enough distinct members reported a post or comment, so it waits hidden for staff. */
  async function autoHide(row: ReportRow): Promise<void> {
    const threshold = settings ? await settings.get('moderation.auto_hide_reports') : 0
    if (!threshold || !(row.target_type in HOLDABLE)) return
    const voices = await db
      .selectFrom('reports')
      .select(sql<number>`count(distinct coalesce(reporter_id, -id))`.as('n'))
      .where('target_type', '=', row.target_type)
      .where('target_id', '=', row.target_id)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow()
    if (Number(voices.n) < threshold) return
    if (await hold(row.target_type, row.target_id, 'reports')) {
      await audit(db, { actorId: null, action: 'report.auto-hide', targetType: row.target_type, targetId: row.target_id, details: { reports: Number(voices.n), threshold, automatic: true } })
    }
  }

  const removers: Record<string, Remover> = {
    async post({ targetId, actor }) {
      const id = Number(targetId)
      if (!(await db.selectFrom('posts').select('id').where('id', '=', id).executeTakeFirst())) return // its author deleted it already
      if (!actor) throw new AppError(409, 'CONFLICT', 'A post is removed in the name of a moderator or admin; say who is acting.')
      await posts.remove(actor, id)
    },
    async user({ targetId, actor, reason }) {
      await users.suspend(Number(targetId), reason, actor?.id ?? null)
    },
    ...deps.removers,
  }

  // ---- Snapshots: the same shape for "as reported" and "now", so the inspect page can compare them.

  async function postSnapshot(id: number): Promise<{ snapshot: Record<string, unknown>; authorId: number } | null> {
    const post = await db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst()
    if (!post) return null
    const [author, media] = await Promise.all([
      db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', '=', post.author_id).executeTakeFirstOrThrow(),
      db.selectFrom('post_media').select('media_id').where('post_id', '=', id).orderBy('position').execute(),
    ])
    return {
      authorId: post.author_id,
      snapshot: {
        text: post.text,
        author: ref(author),
        visibility: post.visibility,
        status: post.status,
        media_ids: media.map((m) => m.media_id),
        published_at: post.published_at,
        edited_at: post.edited_at,
        created_at: post.created_at,
      },
    }
  }

  async function commentSnapshot(id: number): Promise<{ snapshot: Record<string, unknown>; authorId: number; postId: number } | null> {
    const comment = await db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst()
    if (!comment) return null
    const author = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', '=', comment.author_id).executeTakeFirstOrThrow()
    return {
      authorId: comment.author_id,
      postId: comment.post_id,
      snapshot: { text: comment.text, author: ref(author), post_id: comment.post_id, parent_id: comment.parent_id, edited_at: comment.edited_at, created_at: comment.created_at },
    }
  }

  function userSnapshot(u: UserRow): Record<string, unknown> {
    let links: unknown = []
    try {
      links = JSON.parse(u.links)
    } catch {
      // an unreadable value is shown as none
    }
    return {
      username: u.username,
      display_name: u.display_name,
      bio: u.bio,
      links,
      avatar_media_id: u.avatar_media_id,
      is_private: u.is_private === 1,
      account_type: u.account_type,
      role: u.role,
      suspended: u.suspended_at !== null,
      created_at: u.created_at,
    }
  }

  /** The target as it is now, for staff (no visibility rules): null when gone, undefined for plugin types. */
  async function current(type: string, targetId: string): Promise<Record<string, unknown> | null | undefined> {
    const id = Number(targetId)
    if (type === 'post') return (await postSnapshot(id))?.snapshot ?? null
    if (type === 'comment') return (await commentSnapshot(id))?.snapshot ?? null
    if (type === 'user') {
      const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      return u ? { ...userSnapshot(u), suspended_reason: u.suspended_reason } : null
    }
    const kind = kinds.get(type)
    return kind?.current ? kind.current(targetId) : undefined
  }

  /**
   * A core target as the reporter may see it, with its snapshot and the member behind it. What the reporter
   * cannot see answers NOT_FOUND exactly as what does not exist. `reporterId` null (a plugin filing as the
   * system) checks existence only.
   */
  async function locate(reporterId: number | null, type: string, id: number | string): Promise<{ targetUserId: number; snapshot: Record<string, unknown>; back: string }> {
    const kind = kinds.get(type)
    if (kind) {
      const found = await kind.locate(reporterId, String(id))
      if (!found) throw notFound(`That ${kind.label}`)
      return { targetUserId: found.authorId, snapshot: found.snapshot, back: found.back }
    }
    id = Number(id)
    if (type === 'post') {
      if (reporterId !== null && !(await posts.get(reporterId, id))) throw notFound('That post')
      const found = await postSnapshot(id)
      if (!found) throw notFound('That post')
      return { targetUserId: found.authorId, snapshot: found.snapshot, back: `/p/${id}` }
    }
    if (type === 'comment') {
      const found = await commentSnapshot(id)
      // A comment is seen with its post, and never across a block.
      if (!found || (reporterId !== null && (!(await posts.get(reporterId, found.postId)) || (await blockedEitherWay(db, reporterId, found.authorId))))) {
        throw notFound('That comment')
      }
      return { targetUserId: found.authorId, snapshot: found.snapshot, back: `/p/${found.postId}` }
    }
    // Members are reportable by id across a block either way (harassment is often followed by a block), but
    // not once suspended: their profile is NOT_FOUND to members then, and the account is already actioned.
    const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    if (!u || (reporterId !== null && u.suspended_at !== null)) throw notFound('That member')
    return { targetUserId: u.id, snapshot: userSnapshot(u), back: `/u/${u.username}` }
  }

  /** The files a snapshot names: a post's media, a member's picture. */
  const mediaIdsOf = (snapshot: Record<string, unknown> | null | undefined): number[] =>
    !snapshot
      ? []
      : [...(Array.isArray(snapshot.media_ids) ? snapshot.media_ids : []), snapshot.avatar_media_id].filter((m): m is number => Number.isInteger(m) && (m as number) > 0)

  /** Whether the staff member could see a core target by the rules every member has (audience, blocks, suspension). */
  async function seenByRules(staffId: number, type: string, targetId: string): Promise<boolean> {
    const id = Number(targetId)
    if (type === 'post') return !!(await posts.get(staffId, id))
    if (type === 'comment') {
      const found = await commentSnapshot(id)
      return !!found && !!(await posts.get(staffId, found.postId)) && !(await blockedEitherWay(db, staffId, found.authorId))
    }
    if (type === 'user') {
      const u = await db.selectFrom('users').select(['id', 'suspended_at']).where('id', '=', id).executeTakeFirst()
      return !!u && u.suspended_at === null && !(await blockedEitherWay(db, staffId, u.id))
    }
    return true
  }

  async function members(ids: (number | null)[]): Promise<Map<number, MemberRef>> {
    const wanted = [...new Set(ids.filter((i): i is number => i !== null))]
    if (!wanted.length) return new Map()
    const rows = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', wanted).execute()
    return new Map(rows.map((r) => [r.id, ref(r)]))
  }

  async function resolutionViews(rows: ResolutionRow[]): Promise<ResolutionView[]> {
    const who = await members(rows.flatMap((r) => [r.actor_id, r.target_user_id]))
    return rows.map((r) => ({
      id: r.id,
      target_type: r.target_type,
      target_id: r.target_id,
      target_user: r.target_user_id !== null ? (who.get(r.target_user_id) ?? null) : null,
      outcome: r.outcome,
      note: r.note,
      actor: r.actor_id !== null ? (who.get(r.actor_id) ?? null) : null,
      reports_count: r.reports_count,
      created_at: r.created_at,
    }))
  }

  /** Report rows → staff views, in a handful of queries. */
  async function reportViews(rows: ReportRow[], withSnapshot: boolean): Promise<ReportView[]> {
    if (!rows.length) return []
    const resolutionIds = [...new Set(rows.map((r) => r.resolution_id).filter((i): i is number => i !== null))]
    const [who, resolutions] = await Promise.all([
      members(rows.flatMap((r) => [r.reporter_id, r.target_user_id])),
      resolutionIds.length ? db.selectFrom('report_resolutions').selectAll().where('id', 'in', resolutionIds).execute().then(resolutionViews) : Promise.resolve([]),
    ])
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      target_type: r.target_type,
      target_id: r.target_id,
      target_user: r.target_user_id !== null ? (who.get(r.target_user_id) ?? null) : null,
      reason: r.reason as ReportReason,
      note: r.note,
      reporter: r.reporter_id !== null ? (who.get(r.reporter_id) ?? null) : null,
      created_at: r.created_at,
      resolved_at: r.resolved_at,
      resolution: resolutions.find((x) => x.id === r.resolution_id) ?? null,
      ...(withSnapshot ? { snapshot: JSON.parse(r.snapshot) as Record<string, unknown> } : {}),
    }))
  }

  /** A member's target: a core one by a numeric id, or a registered kind (what is not either names nothing). */
  function checkedTarget<T extends { target_type: string; target_id: string }>(data: T): T {
    if ((CORE_TARGETS as readonly string[]).includes(data.target_type)) {
      if (!/^[1-9]\d{0,15}$/.test(data.target_id)) throw validationFailed({ target_id: 'Give the id of what you report.' })
    } else if (!kinds.has(data.target_type)) {
      throw validationFailed({ target_type: 'You can report a user, a post, a comment, or what a plugin lets you report.' })
    }
    return data
  }

  const labelOf = (type: string) => kinds.get(type)?.label ?? (type === 'user' ? 'member' : type)

  async function reportRow(id: number): Promise<ReportRow> {
    const row = Number.isInteger(id) && id > 0 ? await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst() : undefined
    if (!row) throw notFound('That report')
    return row
  }

  /**
   * Store a report, or find the reporter's open one on the same target (merged, not duplicated: a double
   * click or a second attempt is not a second voice). Emits action:report.filed for new reports only.
   */
  async function store(input: { reporterId: number | null; targetType: string; targetId: string; targetUserId: number | null; reason: ReportReason; note: string; snapshot: Record<string, unknown> }): Promise<{ row: ReportRow; merged: boolean }> {
    if (input.reporterId !== null && input.reporterId === input.targetUserId) {
      throw new AppError(409, 'CONFLICT', 'You cannot report yourself or your own posts and comments.')
    }
    const snapshot = JSON.stringify(input.snapshot)
    if (Buffer.byteLength(snapshot) > SNAPSHOT_MAX_BYTES) throw validationFailed({ snapshot: `Keep the snapshot under ${SNAPSHOT_MAX_BYTES / 1024} KiB of JSON.` })
    const existing = () =>
      input.reporterId === null
        ? Promise.resolve(undefined)
        : db.selectFrom('reports').selectAll().where('reporter_id', '=', input.reporterId).where('target_type', '=', input.targetType).where('target_id', '=', input.targetId).where('status', '=', 'open').executeTakeFirst()
    const before = await existing()
    if (before) return { row: before, merged: true }
    let row: ReportRow
    try {
      row = await db
        .insertInto('reports')
        .values({ reporter_id: input.reporterId, target_type: input.targetType, target_id: input.targetId, target_user_id: input.targetUserId, reason: input.reason, note: input.note, snapshot })
        .returningAll()
        .executeTakeFirstOrThrow()
    } catch (err) {
      // Two submissions raced past the check; the unique index kept one.
      const raced = String(err).includes('UNIQUE') ? await existing() : undefined
      if (raced) return { row: raced, merged: true }
      throw err
    }
    await autoHide(row)
    await hooks.emit('action:report.filed', { reportId: row.id, targetType: row.target_type, targetId: row.target_id, reporterId: row.reporter_id })
    return { row, merged: false }
  }

  const toFiled = (row: ReportRow, merged: boolean): FiledReport => ({
    id: row.id,
    target_type: row.target_type,
    target_id: row.target_id,
    reason: row.reason as ReportReason,
    status: row.status,
    created_at: row.created_at,
    merged,
  })

  const service = {
    /**
     * A member reports a user, post or comment: `{ target_type, target_id, reason, note }`. NOT_FOUND when it
     * does not exist or they may not see it; CONFLICT for themselves; VALIDATION_FAILED for a bad reason or note.
     */
    async report(reporterId: number, input: unknown): Promise<FiledReport> {
      const data = checkedTarget(parse(reportInput, input))
      const target = await locate(reporterId, data.target_type, data.target_id)
      const { row, merged } = await store({ reporterId, targetType: data.target_type, targetId: data.target_id, targetUserId: target.targetUserId, reason: data.reason, note: data.note, snapshot: target.snapshot })
      return toFiled(row, merged)
    },

    /**
     * What a member is about to report, for the report page: a summary, where to go back to, and whether it is
     * their own (which they cannot report: the page says so). Throws as `report` would for NOT_FOUND.
     */
    async target(reporterId: number, type: unknown, id: unknown): Promise<{ type: string; label: string; id: string; snapshot: Record<string, unknown>; back: string; own: boolean }> {
      const data = checkedTarget(parse(reportInput.pick({ target_type: true, target_id: true }), { target_type: type, target_id: id }))
      const found = await locate(reporterId, data.target_type, data.target_id)
      return { type: data.target_type, label: labelOf(data.target_type), id: data.target_id, snapshot: found.snapshot, back: found.back, own: found.targetUserId === reporterId }
    },

    /**
     * A plugin's reportable kind (ctx.core.reports.kind): registered under `PLUGIN.kind`, with its remover.
     * @example moderation.addKind('stories.story', { label: 'story', locate, current, remove })
     */
    addKind(type: string, definition: ReportableKind): void {
      kinds.set(type, definition)
      if (definition.remove) removers[type] = definition.remove
    },

    /** Forget a plugin's kinds (it unloaded). */
    removeKinds(prefix: string): void {
      for (const type of [...kinds.keys()]) if (type.startsWith(prefix)) {
        kinds.delete(type)
        delete removers[type]
      }
    },

    /** For plugins (ctx.core.reports.file); see PluginReportsApi. */
    async file(input: Parameters<PluginReportsApi['file']>[0]): Promise<{ id: number; merged: boolean }> {
      const data = parse(pluginReportInput, input)
      if (data.reporterId !== null && !(await db.selectFrom('users').select('id').where('id', '=', data.reporterId).executeTakeFirst())) throw notFound('The reporting member')
      let targetUserId = data.targetUserId ?? null
      let snapshot = data.snapshot ?? {}
      if (data.targetType === 'user' || data.targetType === 'post' || data.targetType === 'comment') {
        if (!/^[1-9]\d{0,15}$/.test(data.targetId)) throw notFound(`That ${data.targetType === 'user' ? 'member' : data.targetType}`)
        const found = await locate(data.reporterId, data.targetType, Number(data.targetId))
        targetUserId = found.targetUserId
        // Core reads its own content; what the plugin adds is kept beside it.
        snapshot = data.snapshot ? { ...found.snapshot, context: data.snapshot } : found.snapshot
      } else if (targetUserId !== null && !(await db.selectFrom('users').select('id').where('id', '=', targetUserId).executeTakeFirst())) {
        throw notFound('That member')
      }
      const { row, merged } = await store({ reporterId: data.reporterId, targetType: data.targetType, targetId: data.targetId, targetUserId, reason: data.reason, note: data.note, snapshot })
      return { id: row.id, merged }
    },

    /** Reports by status, newest first (staff only: they name reporters). Snapshots are left out. */
    async list(options: { status?: ReportStatus | 'all'; cursor?: string | null; limit?: number } = {}): Promise<Page<ReportView>> {
      const limit = options.limit ?? 50
      const after = decodeCursor(options.cursor, { id: 'id' })
      let q = db.selectFrom('reports').selectAll().orderBy('id', 'desc').limit(limit + 1)
      if (options.status && options.status !== 'all') q = q.where('status', '=', options.status)
      if (after) q = q.where('id', '<', Number(after.id))
      const page = pageOf(await q.execute(), limit, (r) => ({ id: r.id }))
      return { items: await reportViews(page.items, false), nextCursor: page.nextCursor }
    },

    /** One report with its snapshot (staff only). */
    async get(id: number): Promise<ReportView & { snapshot: Record<string, unknown> }> {
      return (await reportViews([await reportRow(id)], true))[0] as ReportView & { snapshot: Record<string, unknown> }
    },

    /**
     * The open queue, one item per target with its count of reporters: newest activity first, or most
     * reporters first (ties: newest).
     */
    async queue(options: { sort?: QueueSort; cursor?: string | null; limit?: number } = {}): Promise<Page<QueueItem>> {
      const limit = options.limit ?? 50
      const most = options.sort === 'most'
      // The 'most' order's cursor also holds the reporters count it stopped at.
      const after = decodeCursor(options.cursor, { id: 'id' })
      const afterCount = most ? decodeCursor(options.cursor, { id: 'id', n: 'count' }) : null
      const latest = sql<number>`max(reports.id)`
      // Each system report (no reporter) counts as its own voice.
      const reporters = sql<number>`count(distinct coalesce(reports.reporter_id, -reports.id))`
      let q = db
        .selectFrom('reports')
        .select([
          'reports.target_type',
          'reports.target_id',
          latest.as('latest_id'),
          reporters.as('reporters'),
          sql<number>`count(*)`.as('reports'),
          sql<string>`group_concat(reports.reason)`.as('reasons'),
          sql<string>`min(reports.created_at)`.as('first_at'),
          sql<string>`max(reports.created_at)`.as('last_at'),
        ])
        .where('reports.status', '=', 'open')
        .groupBy(['reports.target_type', 'reports.target_id'])
        .limit(limit + 1)
      if (most) {
        q = q.orderBy(reporters, 'desc').orderBy(latest, 'desc')
        if (afterCount) q = q.having((eb) => eb.or([eb(reporters, '<', afterCount.n), eb.and([eb(reporters, '=', afterCount.n), eb(latest, '<', afterCount.id)])]))
      } else {
        q = q.orderBy(latest, 'desc')
        if (after) q = q.having(latest, '<', after.id)
      }
      const { items: page, nextCursor } = pageOf(await q.execute(), limit, (last): Record<string, number> => (most ? { id: Number(last.latest_id), n: Number(last.reporters) } : { id: Number(last.latest_id) }))
      const latestRows = page.length ? await db.selectFrom('reports').selectAll().where('id', 'in', page.map((r) => Number(r.latest_id))).execute() : []
      const who = await members(latestRows.map((r) => r.target_user_id))
      const items = page.map((g): QueueItem => {
        const newest = latestRows.find((r) => r.id === Number(g.latest_id))!
        const reasons: Partial<Record<ReportReason, number>> = {}
        for (const r of String(g.reasons).split(',')) reasons[r as ReportReason] = (reasons[r as ReportReason] ?? 0) + 1
        return {
          target_type: g.target_type,
          target_id: g.target_id,
          target_user: newest.target_user_id !== null ? (who.get(newest.target_user_id) ?? null) : null,
          reporters: Number(g.reporters),
          reports: Number(g.reports),
          reasons,
          first_at: g.first_at,
          last_at: g.last_at,
          latest_report_id: newest.id,
          snapshot: JSON.parse(newest.snapshot) as Record<string, unknown>,
        }
      })
      return { items, nextCursor }
    },

    /** How many targets wait in the open queue (for a badge). */
    async openCount(): Promise<number> {
      const r = await db.selectFrom('reports').select(sql<number>`count(distinct target_type || ':' || target_id)`.as('n')).where('status', '=', 'open').executeTakeFirstOrThrow()
      return Number(r.n)
    },

    /**
     * Everything a moderator needs to decide on one report (staff only). With `staff`, the files of what was
     * reported come with one-time grants to them, whatever their audience; when the target or a file is one the
     * staff member could not see as a member, the look is written to the audit log (`report.review-hidden`).
     */
    async inspect(id: number, staff?: Viewer): Promise<Inspection> {
      const row = await reportRow(id)
      const [report, siblings, history, currentState, member] = await Promise.all([
        service.get(id),
        db.selectFrom('reports').selectAll().where('target_type', '=', row.target_type).where('target_id', '=', row.target_id).orderBy('id', 'desc').limit(200).execute(),
        db.selectFrom('report_resolutions').selectAll().where('target_type', '=', row.target_type).where('target_id', '=', row.target_id).orderBy('id', 'desc').limit(100).execute(),
        current(row.target_type, row.target_id),
        row.target_user_id !== null ? db.selectFrom('users').selectAll().where('id', '=', row.target_user_id).executeTakeFirst() : Promise.resolve(undefined),
      ])
      const files: Record<number, MediaInfo | null> = {}
      if (staff && media) {
        const ids = [...new Set([...mediaIdsOf(report.snapshot), ...mediaIdsOf(currentState)])]
        const hiddenFiles: number[] = []
        for (const mediaId of ids) {
          const m = await media.get(mediaId)
          files[mediaId] = m ? media.grant(m, staff.id, REVIEW_GRANT_SECONDS) : null
          if (m && !(await posts.canViewMedia(staff.id, m))) hiddenFiles.push(mediaId)
        }
        const hiddenTarget = currentState !== null && !(await seenByRules(staff.id, row.target_type, row.target_id))
        if (hiddenTarget || hiddenFiles.length) {
          await audit(db, { actorId: staff.id, action: 'report.review-hidden', targetType: row.target_type, targetId: row.target_id, details: { report_id: row.id, hidden_target: hiddenTarget, media_ids: hiddenFiles } })
        }
      }
      return {
        report,
        current: currentState,
        media: files,
        reports: await reportViews(siblings, false),
        history: await resolutionViews(history),
        member: member ? { ...ref(member), role: member.role, suspended: member.suspended_at !== null, suspended_reason: member.suspended_reason } : null,
        warnings: member ? await service.warnings(member.id) : [],
        removable: row.target_type in removers,
      }
    },

    /** The warnings recorded on a member, newest first. */
    async warnings(userId: number): Promise<WarningView[]> {
      const rows: WarningRow[] = await db.selectFrom('member_warnings').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').execute()
      const who = await members(rows.map((r) => r.actor_id))
      return rows.map((r) => ({ id: r.id, reason: r.reason, note: r.note, actor: r.actor_id !== null ? (who.get(r.actor_id) ?? null) : null, resolution_id: r.resolution_id, created_at: r.created_at }))
    },

    /** Recent decisions, newest first. */
    async history(options: { cursor?: string | null; limit?: number } = {}): Promise<Page<ResolutionView>> {
      const limit = options.limit ?? 50
      const after = decodeCursor(options.cursor, { id: 'id' })
      let q = db.selectFrom('report_resolutions').selectAll().orderBy('id', 'desc').limit(limit + 1)
      if (after) q = q.where('id', '<', Number(after.id))
      const page = pageOf(await q.execute(), limit, (r) => ({ id: r.id }))
      return { items: await resolutionViews(page.items), nextCursor: page.nextCursor }
    },

    /**
     * Teach the queue how to remove one more target type (the folder that owns the type registers it, so
     * its rules stay with it). A later registration for the same type replaces the earlier one.
     * @example moderation.addRemover('comment', ({ targetId, actor }) => comments.remove(actor!, Number(targetId)))
     */
    addRemover(type: string, remover: Remover): void {
      removers[type] = remover
    },

    hold,
    release,

    /** The remover of a target type (what deletes it for good), if any. */
    removerOf(type: string): Remover | undefined {
      return removers[type]
    },

    /** Forget the removers of a plugin's own types (`NAME.*`), when it is unloaded. */
    removeOwner(name: string): void {
      for (const type of Object.keys(removers)) if (type.startsWith(`${name}.`)) delete removers[type]
    },

    /** Whether "remove" can be carried out for a target type. */
    canRemove(type: string): boolean {
      return type in removers
    },

    /**
     * Decide on a report: `{ outcome: 'dismiss' | 'remove' | 'warn' | 'suspend', note?, reason? }`. Closes every
     * open report on the same target, carries the outcome out (remove: through the target's remover; for a
     * member, suspend; warn: a warning on the member; suspend: the member responsible, shown `reason`),
     * writes the audit log and emits action:report.resolved per report. `actor` null is the command line.
     */
    async resolve(actor: Viewer | null, reportId: number, input: unknown): Promise<ResolutionView> {
      if (actor && actor.role !== 'moderator' && actor.role !== 'admin') throw forbidden('Only moderators and admins resolve reports.')
      const data = parse(resolveInput, input)
      const report = await reportRow(reportId)
      if (report.status !== 'open') throw new AppError(409, 'CONFLICT', `Report ${report.id} is already resolved.`)
      const member = report.target_user_id !== null ? await db.selectFrom('users').selectAll().where('id', '=', report.target_user_id).executeTakeFirst() : undefined
      if (actor && member?.id === actor.id) throw forbidden('You cannot decide on a report about yourself; leave it to another moderator.')
      const suspends = data.outcome === 'suspend' || (data.outcome === 'remove' && report.target_type === 'user')
      if ((suspends || data.outcome === 'warn') && !member) throw new AppError(409, 'CONFLICT', `This report names no member to ${data.outcome === 'warn' ? 'warn' : 'suspend'}.`)
      if (suspends && actor?.role === 'moderator' && member!.role !== 'member') throw forbidden('Only an admin can suspend a moderator or admin.')
      const remover = removers[report.target_type]
      if (data.outcome === 'remove' && !remover) throw new AppError(409, 'CONFLICT', `Hearth cannot remove a ${report.target_type}; dismiss the report, or warn or suspend the member.`)
      if (data.outcome === 'sensitive' && report.target_type !== 'post') throw new AppError(409, 'CONFLICT', 'Only a post’s photos and videos can be marked sensitive; remove it, or warn the member.')
      const reason = data.reason ?? defaultSuspendReason(report.reason)
      const target = { type: report.target_type, id: report.target_id }

      // Claim the target's open reports first, so two moderators deciding at once cannot both act.
      const claim = await db.transaction().execute(async (trx) => {
        const open = await trx.selectFrom('reports').select('id').where('target_type', '=', target.type).where('target_id', '=', target.id).where('status', '=', 'open').execute()
        if (!open.some((r) => r.id === report.id)) return null
        const resolution = await trx
          .insertInto('report_resolutions')
          .values({ target_type: target.type, target_id: target.id, target_user_id: report.target_user_id, outcome: data.outcome, note: data.note, actor_id: actor?.id ?? null, reports_count: open.length })
          .returningAll()
          .executeTakeFirstOrThrow()
        const ids = open.map((r) => r.id)
        await trx.updateTable('reports').set({ status: 'resolved', resolution_id: resolution.id, resolved_at: now() }).where('id', 'in', ids).execute()
        const warning =
          data.outcome === 'warn'
            ? await trx.insertInto('member_warnings').values({ user_id: member!.id, resolution_id: resolution.id, reason: report.reason, note: data.note, actor_id: actor?.id ?? null }).returning('id').executeTakeFirstOrThrow()
            : null
        return { resolution, ids, warningId: warning?.id ?? null }
      })
      if (!claim) throw new AppError(409, 'CONFLICT', `Report ${report.id} is already resolved.`)

      try {
        // Posts and comments are taken down and kept while the removal can be appealed (deleted later by the
        // purge job); other targets are removed at once.
        if (data.outcome === 'remove' && KEPT_FOR_APPEAL.has(target.type)) await hold(target.type, target.id, 'removed')
        else if (data.outcome === 'remove') await remover!({ targetId: target.id, actor, reason })
        else if (data.outcome === 'suspend') await users.suspend(member!.id, reason, actor?.id ?? null, { until: data.days ? new Date(Date.now() + data.days * 86_400_000).toISOString() : null })
        else if (data.outcome === 'sensitive') await db.updateTable('posts').set({ sensitive: 1 }).where('id', '=', Number(target.id)).execute()
        else if (data.outcome === 'dismiss') await release(target.type, target.id)
      } catch (err) {
        // The outcome could not be carried out: the reports stay open for another try.
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('reports').set({ status: 'open', resolution_id: null, resolved_at: null }).where('resolution_id', '=', claim.resolution.id).execute()
          await trx.deleteFrom('member_warnings').where('resolution_id', '=', claim.resolution.id).execute()
          await trx.deleteFrom('report_resolutions').where('id', '=', claim.resolution.id).execute()
        })
        throw err
      }

      await audit(db, {
        actorId: actor?.id ?? null,
        action: 'report.resolve',
        targetType: target.type,
        targetId: target.id,
        details: {
          outcome: data.outcome,
          report_id: report.id,
          report_ids: claim.ids,
          resolution_id: claim.resolution.id,
          member_id: member?.id ?? null,
          ...(data.note ? { note: data.note } : {}),
          ...(suspends ? { reason } : {}),
        },
      })
      for (const id of claim.ids) await hooks.emit('action:report.resolved', { reportId: id, outcome: data.outcome, actorId: actor?.id ?? null })
      // Reporters are told the outcome (core's notifications), the member what was done to their content.
      const reporters = await db.selectFrom('reports').select('reporter_id').distinct().where('resolution_id', '=', claim.resolution.id).where('reporter_id', 'is not', null).execute()
      await hooks.emit('action:report.decided', {
        resolutionId: claim.resolution.id,
        outcome: data.outcome,
        targetType: target.type,
        targetId: target.id,
        targetUserId: member?.id ?? null,
        reporterIds: reporters.map((r) => r.reporter_id!),
        actorId: actor?.id ?? null,
      })
      // A warning is for the member to read: core's notifications tell them, with the moderator's note.
      if (claim.warningId !== null) await hooks.emit('action:member.warned', { userId: member!.id, warningId: claim.warningId, reason: report.reason, note: data.note, actorId: actor?.id ?? null })
      return (await resolutionViews([claim.resolution]))[0]!
    },
  }
  return service
}
