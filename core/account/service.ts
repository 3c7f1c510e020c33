// Member data rights (issue 19): exporting one's data as a zip built by a job, deleting one's account after a grace
// period (purged or anonymised as the operator chooses), and staff's ban and delete. Why it works this way: decision 048.
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import { audit } from '../audit.js'
import type { Config } from '../config.js'
import type { Db } from '../db/connect.js'
import { postsEngagedBy, recountEngagement } from '../db/engagement-counts.js'
import { now, type UserRow } from '../db/schema.js'
import { AppError, notFound, PrimaryOnlyRead } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { DeletionPolicy, ExportParts } from '../hooks/types.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { MailService } from '../mail/service.js'
import { parseVariants, type MediaService } from '../media/service.js'
import type { PostsService } from '../posts/service.js'
import type { RateLimiter } from '../auth/rate-limit.js'
import type { SettingsService } from '../settings/service.js'
import { shiftFollowCounts } from '../users/queries.js'
import type { UsersService } from '../users/service.js'
import { deleteUserSessions } from '../users/sessions.js'
import { DELETION_PENDING } from '../users/types.js'
import type { AccountExportRow } from './tables.js'
import { ZipWriter } from './zip.js'

export const EXPORT_JOB = 'account.export'
export const DELETE_JOB = 'account.delete'
/** Exports a member may ask for per day: each reads everything they have. */
export const EXPORT_LIMIT = { limit: 5, windowSeconds: 86_400 }

const DAY = 86_400_000
const day = (iso: string) => iso.slice(0, 10)

/** What stays after a deletion, as the member is told (by email) and the operator reads in docs/operators.md. */
export function whatStays(policy: DeletionPolicy): string[] {
  const always = [
    'A record that an account with this number existed, without your name, email or password.',
    'Coin and payment records, which the books must keep (without your name).',
    'The moderators’ records of reports and actions about the account, and the audit log.',
  ]
  return policy === 'anonymise'
    ? ['Your public posts and your comments, shown as by “Deleted member”, so conversations still read. Everything else you posted or uploaded is removed.', ...always]
    : ['Nothing you posted: your posts, comments, photos, videos and messages are removed.', ...always]
}

export type AccountService = ReturnType<typeof createAccountService>

export function createAccountService(deps: {
  db: Db
  config: Config
  settings: SettingsService
  hooks: HookRegistry
  queue: JobQueue
  users: UsersService
  posts: PostsService
  media: MediaService
  mail: MailService
  limiter: RateLimiter
  log: Logger
  /** Whether this node holds the exports (made by a job, so on the LiteFS primary, in its data folder). Default: always. */
  isPrimary?: () => boolean
}) {
  const { db, config, settings, hooks, queue, users, posts, media, mail, limiter, log } = deps
  const exportsDir = resolve(config.dataDir, 'exports')

  const memberRow = async (id: number): Promise<UserRow> => {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row || row.deleted_at) throw notFound('That member')
    return row
  }

  /** Admins other than `id` who may still act (not suspended, not leaving). */
  const otherAdmins = async (id: number) =>
    Number(
      (await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('suspended_at', 'is', null).where('deletion_due_at', 'is', null).where('id', '!=', id).executeTakeFirstOrThrow()).n,
    )

  // ---- Export

  /** Core's own sections: what the member wrote and chose, never another member's private content. */
  async function coreParts(userId: number): Promise<ExportParts> {
    const u = await memberRow(userId)
    const active = (col: 'follows.follower_id' | 'follows.followee_id') =>
      db.selectFrom('follows').innerJoin('users', 'users.id', col).select(['users.username', 'follows.created_at']).where('users.suspended_at', 'is', null).where('users.deleted_at', 'is', null)
    const [postRows, attached, comments, reactions, bookmarks, followers, following, blocks, mutes, owned, passkeys] = await Promise.all([
      db.selectFrom('posts').select(['id', 'text', 'visibility', 'status', 'scope', 'repost_of', 'quote_of', 'publish_at', 'published_at', 'edited_at', 'created_at']).where('author_id', '=', userId).orderBy('id').execute(),
      db.selectFrom('post_media').innerJoin('posts', 'posts.id', 'post_media.post_id').select(['post_media.post_id', 'post_media.media_id', 'post_media.alt']).where('posts.author_id', '=', userId).orderBy('post_media.position').execute(),
      db.selectFrom('comments').select(['id', 'post_id', 'parent_id', 'text', 'edited_at', 'created_at']).where('author_id', '=', userId).orderBy('id').execute(),
      db.selectFrom('reactions').select(['post_id', 'kind', 'created_at']).where('user_id', '=', userId).orderBy('created_at').execute(),
      // Only ids: a bookmarked post is someone else's, and may not be theirs to take away.
      db.selectFrom('bookmarks').select(['post_id', 'created_at']).where('user_id', '=', userId).orderBy('created_at').execute(),
      active('follows.follower_id').where('follows.followee_id', '=', userId).orderBy('follows.created_at').execute(),
      active('follows.followee_id').where('follows.follower_id', '=', userId).orderBy('follows.created_at').execute(),
      db.selectFrom('blocks').innerJoin('users', 'users.id', 'blocks.blocked_id').select(['users.username']).where('blocks.blocker_id', '=', userId).execute(),
      db.selectFrom('mutes').innerJoin('users', 'users.id', 'mutes.muted_id').select(['users.username']).where('mutes.muter_id', '=', userId).execute(),
      db.selectFrom('media').select(['id', 'kind', 'mime', 'variants', 'created_at']).where('owner_id', '=', userId).where('status', '=', 'ready').orderBy('id').execute(),
      // What they are called and when used: never the public key or credential id (of no use to them, and a tracker).
      db.selectFrom('passkeys').select(['name', 'device_type', 'created_at', 'last_used_at']).where('user_id', '=', userId).orderBy('id').execute(),
    ])
    const files: ExportParts['files'] = []
    const mediaNames = new Map<number, string>()
    for (const m of owned) {
      const v = parseVariants(m.variants)
      // The cleaned original (no EXIF or GPS), or the processed video: never the raw upload.
      const rel = m.kind === 'video' ? v.video : v.original
      if (!rel) continue
      const name = `media/${m.id}${rel.slice(rel.lastIndexOf('.'))}`
      mediaNames.set(m.id, name)
      files.push({ name, path: join(config.mediaDir, rel) })
    }
    const mediaOf = new Map<number, { file: string | null; alt: string }[]>()
    for (const a of attached) mediaOf.set(a.post_id, [...(mediaOf.get(a.post_id) ?? []), { file: mediaNames.get(a.media_id) ?? null, alt: a.alt }])
    return {
      sections: {
        profile: {
          id: u.id,
          username: u.username,
          display_name: u.display_name,
          email: u.email,
          email_verified: u.email_verified_at !== null,
          bio: u.bio,
          links: JSON.parse(u.links) as unknown,
          avatar: u.avatar_media_id ? (mediaNames.get(u.avatar_media_id) ?? null) : null,
          private_account: u.is_private === 1,
          account_type: u.account_type,
          role: u.role,
          two_factor_enabled: u.totp_enabled_at !== null,
          joined: u.created_at,
        },
        posts: postRows.map((p) => ({ ...p, media: mediaOf.get(p.id) ?? [] })),
        comments,
        reactions,
        bookmarks,
        followers,
        following,
        blocked: blocks.map((b) => b.username),
        muted: mutes.map((m) => m.username),
        passkeys: passkeys.map((p) => ({ name: p.name, synced: p.device_type === 'multiDevice', added: p.created_at, last_used: p.last_used_at })),
      },
      files,
    }
  }

  /** Build an export's zip (the job): core's sections, then every plugin's through `filter:user.export`. */
  async function build(exportId: number, origin: string | null): Promise<void> {
    const row = await db.selectFrom('account_exports').selectAll().where('id', '=', exportId).executeTakeFirst()
    if (!row || row.status === 'ready') return
    await db.updateTable('account_exports').set({ status: 'building' }).where('id', '=', exportId).execute()
    const base = await coreParts(row.user_id)
    const parts = await hooks.apply('filter:user.export', base, { userId: row.user_id })
    await mkdir(exportsDir, { recursive: true })
    const file = `${row.user_id}-${exportId}-${randomBytes(9).toString('base64url')}.zip`
    const path = join(exportsDir, file)
    const zip = new ZipWriter(path)
    try {
      const index = { exported_at: now(), site: await settings.get('site.name'), member: row.user_id, sections: Object.keys(parts.sections).map((k) => `${k}.json`), files: parts.files.length }
      await zip.add('README.txt', readme(index.site))
      await zip.add('export.json', JSON.stringify(index, null, 2))
      for (const [name, value] of Object.entries(parts.sections)) await zip.add(`${name}.json`, JSON.stringify(value, null, 2))
      const root = resolve(config.dataDir) + sep
      for (const f of parts.files) {
        // Only files of this instance's data folder: a plugin's mistake cannot put /etc/passwd in a zip.
        const abs = resolve(f.path)
        if (!abs.startsWith(root)) throw new Error(`An export file is outside the data folder: ${f.name}`)
        try {
          await zip.addFile(f.name, abs)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') log.warn({ file: f.name, exportId }, 'a file of an export is missing; left out')
          else throw err
        }
      }
      await zip.close()
    } catch (err) {
      zip.abort()
      await rm(path, { force: true })
      throw err
    }
    const bytes = (await stat(path)).size
    const hours = await settings.get('account.export_hours')
    const expires = new Date(Date.now() + hours * 3_600_000).toISOString()
    await db.updateTable('account_exports').set({ status: 'ready', file, bytes, ready_at: now(), expires_at: expires, error: null }).where('id', '=', exportId).execute()
    await hooks.emit('action:user.export-ready', { userId: row.user_id, exportId })
    const u = await memberRow(row.user_id)
    await mail.notify(u.email, {
      subject: `Your data from ${await settings.get('site.name')} is ready`,
      greeting: `Hi @${u.username},`,
      paragraphs: [`The copy of your data you asked for is ready: a zip file of ${Math.max(1, Math.round(bytes / 1024))} KB. Download it from your settings, signed in, before ${expires.replace('T', ' ').slice(0, 16)} UTC; then it is removed.`],
      ...(origin ? { action: { label: 'Download my data', url: `${origin}/settings/data` } } : {}),
      footer: 'If you did not ask for this, change your password: someone signed in as you.',
    })
  }

  const readme = (site: string) =>
    [
      `Your data from ${site}.`,
      '',
      'export.json    what this archive holds and when it was made',
      'profile.json   your account and profile',
      'posts.json     your posts (every audience), with the files of their photos and videos under media/',
      'comments.json  your comments; reactions.json and bookmarks.json the posts you reacted to or saved',
      'followers.json and following.json, blocked and muted accounts in profile order',
      'Other files are the features of this community (messages, stories, groups, coins) that hold something of yours.',
      '',
    ].join('\n')

  async function removeExport(row: Pick<AccountExportRow, 'id' | 'file'>): Promise<void> {
    if (row.file) await rm(join(exportsDir, row.file), { force: true })
    await db.deleteFrom('account_exports').where('id', '=', row.id).execute()
  }

  // ---- Deletion

  /**
   * Hide an account while its deletion waits, as a suspension does (out of every count and list, its posts unseen),
   * or show it again (`on` false) when the member takes the deletion back. Only the hiding this file did is undone.
   */
  async function hide(userId: number, on: boolean): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const r = on
        ? await trx.updateTable('users').set({ suspended_at: now(), suspended_reason: DELETION_PENDING, updated_at: now() }).where('id', '=', userId).where('suspended_at', 'is', null).executeTakeFirst()
        : await trx.updateTable('users').set({ suspended_at: null, suspended_reason: null, updated_at: now() }).where('id', '=', userId).where('suspended_reason', '=', DELETION_PENDING).executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) return
      await shiftFollowCounts(trx, userId, on ? -1 : 1)
      await recountEngagement(trx, postsEngagedBy(userId))
    })
  }

  /**
   * Delete an account now: the row becomes a nameless tombstone (never removed, so the ledger and the audit chain
   * keep their references), plugins purge their rows (`action:user.deleted`), then core's rows and every media file
   * the member owns go. With `anonymise`, public posts and comments stay under "Deleted member".
   */
  async function erase(userId: number, actorId: number | null): Promise<void> {
    const u = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
    if (!u) return
    // A run that failed part way (a disk error) is taken up again by the job's next attempt: each step below is
    // safe to repeat, and only a finished deletion (its audit row) or the renaming is not done twice.
    const resumed = u.deleted_at !== null
    if (resumed && (await db.selectFrom('audit_log').select('id').where('action', '=', 'user.delete.done').where('target_type', '=', 'user').where('target_id', '=', String(userId)).executeTakeFirst())) return
    const policy = (await settings.get('account.deletion_policy')) as DeletionPolicy
    const told = u.email
    const name = u.username
    // Out of everyone's counts first, as a suspension does, so removing their follows and likes moves no count twice.
    const engaged = (await sql<{ post_id: number }>`${postsEngagedBy(userId)}`.execute(db)).rows.map((r) => r.post_id)
    const likedComments = (await db.selectFrom('comment_likes').select('comment_id').where('user_id', '=', userId).execute()).map((r) => r.comment_id)
    // The row stays, nameless: no way in, nothing of them shown; the name and address are free again.
    const tombstone = {
      username: `deleted-${userId}`,
      email: `deleted-${userId}@deleted.invalid`,
      display_name: policy === 'anonymise' ? 'Deleted member' : '',
      password_hash: '!',
      totp_secret: null,
      totp_pending_secret: null,
      totp_enabled_at: null,
      totp_last_step: null,
      bio: '',
      links: '[]',
      avatar_media_id: null,
      signup_reason: null,
      is_private: 0,
      followers_count: 0,
      following_count: 0,
      staff_role_id: null,
      verified_at: null,
      verified_by: null,
      role: 'member' as const,
      deletion_due_at: null,
      deleted_at: now(),
      suspended_at: now(),
      suspended_reason: 'deleted',
      suspended_until: null,
      updated_at: now(),
    }
    await db.transaction().execute(async (trx) => {
      if (!resumed && u.suspended_at === null) await shiftFollowCounts(trx, userId, -1)
      if (!resumed) await trx.updateTable('users').set(tombstone).where('id', '=', userId).execute()
      for (const [table, col] of PERSONAL) await trx.deleteFrom(table as 'sessions').where(col as 'user_id', '=', userId).execute()
      if (likedComments.length) await trx.updateTable('comments').set((eb) => ({ likes_count: sql`max(0, ${eb.ref('likes_count')} - 1)` })).where('id', 'in', likedComments).execute()
      await trx.deleteFrom('comment_likes').where('user_id', '=', userId).execute()
      await trx.deleteFrom('reactions').where('user_id', '=', userId).execute()
    })
    await hooks.emit('action:user.deleted', { userId, policy, actorId })

    // Posts: all of them when purging; when anonymising, those no one could read any more (their followers are gone).
    const viewer = { id: userId, username: `deleted-${userId}`, display_name: '', role: 'member' as const }
    let goneQuery = db.selectFrom('posts').select('id').where('author_id', '=', userId).where('repost_of', 'is', null)
    if (policy === 'anonymise') goneQuery = goneQuery.where((eb) => eb.or([eb('visibility', '!=', 'public'), eb('status', '!=', 'published')]))
    const gone = await goneQuery.execute()
    for (const p of gone) await posts.remove(viewer, p.id).catch((err: unknown) => log.warn({ err, postId: p.id }, 'a post of a deleted member could not be removed'))
    // Plain reposts are the member's act, not content: removed either way.
    await db.deleteFrom('posts').where('author_id', '=', userId).where('repost_of', 'is not', null).execute()
    if (policy === 'purge') {
      const comments = await db.selectFrom('comments').select(['id', 'post_id', 'parent_id']).where('author_id', '=', userId).execute()
      await db.transaction().execute(async (trx) => {
        for (const c of comments) if (c.parent_id) await trx.updateTable('comments').set((eb) => ({ replies_count: sql`max(0, ${eb.ref('replies_count')} - 1)` })).where('id', '=', c.parent_id).execute()
        await trx.deleteFrom('comments').where('author_id', '=', userId).execute()
      })
      await db.updateTable('users').set({ posts_count: 0 }).where('id', '=', userId).execute()
    } else {
      // Kept posts and comments show again: the tombstone is not suspended, only nameless and unreachable.
      await db.updateTable('users').set({ suspended_at: null, suspended_reason: null }).where('id', '=', userId).execute()
    }
    await db.transaction().execute(async (trx) => {
      await recountEngagement(trx, sql<number>`select value from json_each(${JSON.stringify(engaged)})`)
    })
    // Every file of theirs, except (anonymising) those of the posts that stay.
    const keep = policy === 'anonymise' ? db.selectFrom('post_media').innerJoin('posts', 'posts.id', 'post_media.post_id').select('post_media.media_id').where('posts.author_id', '=', userId) : null
    let q = db.selectFrom('media').select('id').where('owner_id', '=', userId)
    if (keep) q = q.where('id', 'not in', keep)
    for (const m of await q.execute()) await media.remove(m.id)
    for (const e of await db.selectFrom('account_exports').select(['id', 'file']).where('user_id', '=', userId).execute()) await removeExport(e)
    await audit(db, { actorId, action: 'user.delete.done', targetType: 'user', targetId: userId, details: { policy, ...(actorId === null ? { automatic: true } : {}) } })
    // A resumed run no longer knows the address (the first run wiped it with the rest).
    if (!resumed) {
      await mail.notify(told, {
        subject: `Your account on ${await settings.get('site.name')} is deleted`,
        greeting: `Hi @${name},`,
        paragraphs: ['Your account is deleted. You cannot sign in to it any more, and your username and email address can be used for a new account.', 'What stays:', ...whatStays(policy).map((s) => `• ${s}`)],
        footer: 'This is the last email you get from us.',
      })
    }
    log.info({ userId, policy }, 'account deleted')
  }

  const service = {
    // ---- Export

    /** Ask for an export: one at a time; a new one replaces the last ready one. The job builds it. */
    async requestExport(userId: number, origin: string | null): Promise<AccountExportRow> {
      await memberRow(userId)
      const open = await db.selectFrom('account_exports').select('id').where('user_id', '=', userId).where('status', 'in', ['pending', 'building']).executeTakeFirst()
      if (open) throw new AppError(409, 'CONFLICT', 'Your export is being made; we tell you when it is ready.')
      limiter.hit(`export:user:${userId}`, EXPORT_LIMIT.limit, EXPORT_LIMIT.windowSeconds, 'exports')
      for (const old of await db.selectFrom('account_exports').select(['id', 'file']).where('user_id', '=', userId).execute()) await removeExport(old)
      const row = await db.transaction().execute(async (trx) => {
        const r = await trx.insertInto('account_exports').values({ user_id: userId, status: 'pending', created_at: now() }).returningAll().executeTakeFirstOrThrow()
        await queue.enqueueIn(trx, EXPORT_JOB, { exportId: r.id, origin }, { key: `${EXPORT_JOB}:${userId}` })
        return r
      })
      await audit(db, { actorId: userId, action: 'user.export.request', targetType: 'user', targetId: userId })
      return row
    },

    build,

    /** The job gave up: the member sees it failed and may ask again. */
    async exportFailed(exportId: number, error: string): Promise<void> {
      await db.updateTable('account_exports').set({ status: 'failed', error: error.slice(0, 500) }).where('id', '=', exportId).execute()
    },

    /** The member's latest export (any state), or null; an expired one is gone already. */
    async latestExport(userId: number): Promise<AccountExportRow | null> {
      return (await db.selectFrom('account_exports').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').executeTakeFirst()) ?? null
    },

    /** A ready export of this member as a download, or NOT_FOUND (someone else's looks the same as none). */
    async download(userId: number, exportId: number): Promise<{ stream: ReadableStream; bytes: number; name: string }> {
      const row = await db.selectFrom('account_exports').selectAll().where('id', '=', exportId).where('user_id', '=', userId).where('status', '=', 'ready').where('expires_at', '>', now()).executeTakeFirst()
      if (!row?.file) throw notFound('That export')
      // The zip is in the data folder of the primary that built it: a replica has the row, not the file.
      if (deps.isPrimary && !deps.isPrimary()) throw new PrimaryOnlyRead()
      const u = await memberRow(userId)
      return { stream: Readable.toWeb(createReadStream(join(exportsDir, row.file))) as ReadableStream, bytes: row.bytes ?? 0, name: `${u.username}-data-${day(row.ready_at ?? now())}.zip` }
    },

    /** Remove exports whose time is up (core's schedule). */
    async expireExports(at = new Date()): Promise<number> {
      const due = await db.selectFrom('account_exports').select(['id', 'file']).where('expires_at', '<=', at.toISOString()).execute()
      for (const row of due) await removeExport(row)
      return due.length
    },

    // ---- Deletion

    /**
     * The member asks to delete their account: it happens after the grace period (`account.deletion_grace_days`).
     * Meanwhile the account is hidden as a suspended one is and they are signed out everywhere; signing in cancels.
     */
    async requestDeletion(userId: number, password: string | undefined): Promise<{ due_at: string }> {
      const u = await memberRow(userId)
      await users.checkPassword(userId, password)
      if (u.role === 'admin' && (await otherAdmins(userId)) === 0) throw new AppError(409, 'CONFLICT', 'You are the last admin: make another member admin before deleting your account.')
      const grace = await settings.get('account.deletion_grace_days')
      const due = new Date(Date.now() + grace * DAY).toISOString()
      await db.updateTable('users').set({ deletion_due_at: due, updated_at: now() }).where('id', '=', userId).execute()
      await hide(userId, true)
      await deleteUserSessions(db, userId)
      await audit(db, { actorId: userId, action: 'user.delete.request', targetType: 'user', targetId: userId, details: { due_at: due } })
      const policy = (await settings.get('account.deletion_policy')) as DeletionPolicy
      await mail.notify(u.email, {
        subject: `Your account on ${await settings.get('site.name')} will be deleted on ${day(due)}`,
        greeting: `Hi @${u.username},`,
        paragraphs: [
          `You asked us to delete your account. It is hidden from everyone now, and will be deleted on ${due.replace('T', ' ').slice(0, 16)} UTC. If you change your mind before then, just sign in: the deletion is cancelled and everything is as it was.`,
          'What stays after the deletion:',
          ...whatStays(policy).map((s) => `• ${s}`),
        ],
        footer: 'If you did not ask for this, sign in now and change your password.',
      })
      return { due_at: due }
    },

    /** Cancel a pending deletion (the member signed in, or staff stopped it). False when none was pending. */
    async cancelDeletion(userId: number, actorId: number | null, why: 'signed-in' | 'staff'): Promise<boolean> {
      const r = await db.updateTable('users').set({ deletion_due_at: null, updated_at: now() }).where('id', '=', userId).where('deletion_due_at', 'is not', null).where('deleted_at', 'is', null).executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) return false
      await hide(userId, false)
      await audit(db, { actorId, action: 'user.delete.cancel', targetType: 'user', targetId: userId, details: { why } })
      const u = await memberRow(userId)
      await mail.notify(u.email, {
        subject: `Your account on ${await settings.get('site.name')} will not be deleted`,
        greeting: `Hi @${u.username},`,
        paragraphs: [why === 'signed-in' ? 'You signed in, so the deletion you asked for is cancelled. Your account stays as it was.' : 'The deletion of your account was cancelled by the staff. Your account stays as it was.'],
        footer: 'If that was not you signing in, change your password.',
      })
      return true
    },

    /** Queue the deletion of every account whose grace period has ended (core's schedule; tests pass a later `at`). */
    async queueDueDeletions(at = new Date()): Promise<number> {
      const due = await db.selectFrom('users').select('id').where('deletion_due_at', '<=', at.toISOString()).where('deleted_at', 'is', null).execute()
      for (const u of due) await queue.enqueue(DELETE_JOB, { userId: u.id, actorId: null, dueBy: at.toISOString() }, { key: `${DELETE_JOB}:${u.id}` })
      return due.length
    },

    /** The deletion job: a member's own (only if still due: signing in may have cancelled it) or staff's. */
    async runDeletion(payload: { userId: number; actorId: number | null; dueBy?: string }): Promise<void> {
      if (payload.actorId === null) {
        const u = await db.selectFrom('users').select(['deletion_due_at', 'deleted_at']).where('id', '=', payload.userId).executeTakeFirst()
        // Still due (signing in may have cancelled it), or begun by an attempt that failed part way.
        if (!u || (!u.deleted_at && (!u.deletion_due_at || u.deletion_due_at > (payload.dueBy ?? now())))) return
      }
      await erase(payload.userId, payload.actorId)
    },

    /**
     * Staff delete a member now (no grace period): audited; the deletion job does the rest, or this call itself with
     * `inline` (the CLI, whose process runs no queue).
     */
    async deleteByStaff(actorId: number | null, userId: number, reason: string, options: { inline?: boolean } = {}): Promise<{ queued: boolean }> {
      const u = await memberRow(userId)
      const text = reason.trim()
      if (!text) throw new AppError(422, 'VALIDATION_FAILED', 'Say why the account is deleted; it goes in the audit log.', { fields: { reason: 'Say why the account is deleted; it goes in the audit log.' } })
      if (actorId !== null && actorId === userId) throw new AppError(409, 'CONFLICT', 'Delete your own account from your settings.')
      if (u.role !== 'member') throw new AppError(409, 'CONFLICT', 'Staff accounts are not deleted from here: make them a member first.')
      await deleteUserSessions(db, userId)
      await audit(db, { actorId, action: 'user.delete', targetType: 'user', targetId: userId, details: { reason: text.slice(0, 500), username: u.username } })
      if (options.inline) {
        await erase(userId, actorId)
        return { queued: false }
      }
      await queue.enqueue(DELETE_JOB, { userId, actorId }, { key: `${DELETE_JOB}:${userId}` })
      return { queued: true }
    },

    /** Ban: suspended until lifted (they cannot sign in, and their address cannot sign up again), audited as a ban. */
    async ban(actorId: number | null, userId: number, reason: string): Promise<{ banned: true }> {
      await memberRow(userId)
      await users.suspend(userId, reason, actorId, { until: null })
      await audit(db, { actorId, action: 'user.ban', targetType: 'user', targetId: userId, details: { reason: reason.trim() } })
      return { banned: true }
    },

    erase,
  }
  return service
}

/** Core's rows of a member that go with any deletion (posts, comments and media are handled apart). */
const PERSONAL = [
  ['sessions', 'user_id'],
  ['login_challenges', 'user_id'],
  ['recovery_codes', 'user_id'],
  ['email_tokens', 'user_id'],
  ['push_subscriptions', 'user_id'],
  ['follows', 'follower_id'],
  ['follows', 'followee_id'],
  ['follow_requests', 'requester_id'],
  ['follow_requests', 'target_id'],
  ['avatar_audience', 'user_id'],
  ['avatar_audience', 'member_id'],
  ['blocks', 'blocker_id'],
  ['blocks', 'blocked_id'],
  ['mutes', 'muter_id'],
  ['mutes', 'muted_id'],
  ['user_preferences', 'user_id'],
  ['bookmarks', 'user_id'],
  ['collections', 'owner_id'],
  ['notifications', 'user_id'],
  ['notifications', 'actor_id'],
  ['post_mentions', 'user_id'],
  ['comment_mentions', 'user_id'],
  ['post_hidden_from', 'user_id'],
  ['post_scope_members', 'user_id'],
  ['pins', 'user_id'],
  ['feed_horizons', 'user_id'],
  ['feed_items', 'user_id'],
  ['member_days', 'user_id'],
  ['verification_requests', 'user_id'],
  ['passkeys', 'user_id'],
  ['passkey_handles', 'user_id'],
  ['passkey_challenges', 'user_id'],
] as const
