// Assembles one Hearth instance: database, services, themes, plugins and the HTTP app. Used by the server, CLI and tests.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Hono, type Context } from 'hono'
import { VERSION } from './version.js'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { adminPages } from './admin/pages.js'
import { usersApi } from './auth/api.js'
import { authPages } from './auth/pages.js'
import { RateLimiter } from './auth/rate-limit.js'
import { createAuthService } from './auth/service.js'
import { purgeExpiredSessions } from './auth/sessions.js'
import { Closers } from './closers.js'
import { resolveConfig, type Config, type ConfigInput } from './config.js'
import { openStore } from './db/connect.js'
import { CORE_MIGRATIONS, migrateOwner, migrationStatus } from './db/migrate.js'
import { AppError } from './errors.js'
import { homePages } from './home/pages.js'
import { HookRegistry } from './hooks/registry.js'
import type { AppEnv } from './http/env.js'
import { errorBody } from './http/envelope.js'
import { bodies } from './http/body.js'
import { BODY_LIMIT, uploadLimits } from './http/limits.js'
import { authenticate, csrf, requestContext } from './http/middleware.js'
import { serveFolder } from './http/static.js'
import { PrimaryGate } from './jobs/primary.js'
import { JobQueue } from './jobs/queue.js'
import { childBinding, killChildren } from './children.js'
import { Scheduler } from './jobs/scheduler.js'
import { mediaRoutes } from './media/routes.js'
import { createMediaService } from './media/service.js'
import { createFeedService } from './feed/service.js'
import { FANOUT_JOB, createPostsService } from './posts/service.js'
import { postsApi } from './posts/api.js'
import { postPages } from './posts/pages.js'
import { socialPages } from './social/pages.js'
import { socialApi } from './social/api.js'
import { createSocialService } from './social/service.js'
import { createSafetyService } from './safety/service.js'
import { safetyApi } from './safety/api.js'
import { actionLimits, requestLimits } from './safety/limits.js'
import { createEngagementService } from './engagement/service.js'
import { engagementApi } from './engagement/api.js'
import { engagementPages } from './engagement/pages.js'
import { createNotificationsService } from './notifications/service.js'
import { notificationsRoutes } from './notifications/routes.js'
import { wireNotifications } from './notifications/wire.js'
import { createSearchService } from './search/service.js'
import { searchRoutes } from './search/routes.js'
import { createModerationService } from './moderation/service.js'
import { moderationRoutes } from './moderation/routes.js'
import { createLogger, type Logger } from './logger.js'
import { PLUGINS_DIR, ROOT, THEMES_DIR } from './paths.js'
import { PluginManager } from './plugins/loader.js'
import { RealtimeHub } from './realtime/hub.js'
import type { Services } from './services.js'
import { createSettings } from './settings/service.js'
import { loadThemes } from './themes/loader.js'
import { createUsersService } from './users/service.js'
import { createRenderer } from './views/render.js'
import { UiRegistry } from './views/ui.js'

export { VERSION } from './version.js'

export { BODY_LIMIT } from './http/limits.js'

export interface Hearth extends Services {
  app: Hono<AppEnv>
  close(): Promise<void>
}

export interface CreateOptions {
  config?: Config
  configInput?: ConfigInput
  log?: Logger
  /** Load and register enabled plugins (default true). */
  plugins?: boolean
  /** Open the database read-only: no migrations, no writes (for `hearth doctor`). Core must be migrated. */
  readonly?: boolean
}

export async function createHearth(options: CreateOptions = {}): Promise<Hearth> {
  const config = options.config ?? resolveConfig(options.configInput)
  const log = options.log ?? createLogger({ level: config.logLevel, destination: config.logFile ?? undefined })
  const readonly = options.readonly ?? false
  if (!readonly) mkdirSync(config.mediaDir, { recursive: true })
  const store = openStore(config.dbFile, { readonly, cacheMb: config.dbCacheMb })
  const { db } = store
  try {
    if (readonly) {
      if ((await migrationStatus(db, 'core', CORE_MIGRATIONS)).some((m) => !m.executedAt)) throw new Error('The database has pending migrations; run `hearth migrate`.')
    } else await migrateOwner(db, 'core', CORE_MIGRATIONS)
  } catch (err) {
    await store.close()
    throw err
  }
  const hooks = new HookRegistry(log)
  const settings = createSettings(db, { dataVersion: store.dataVersion })
  const limiter = new RateLimiter({ sqlite: store.sqlite })
  const users = createUsersService(db, hooks, limiter)
  const auth = createAuthService({ db, users, settings, hooks, limiter })
  const { themes, problems: themeProblems } = await loadThemes([THEMES_DIR, ...config.themeDirs], log)
  const ui = new UiRegistry(log)
  const render = createRenderer({ settings, hooks, ui, themes })
  const realtime = new RealtimeHub(log)
  const scheduler = new Scheduler(log)
  // Media processing gets its own slots within the queue, so a long transcode never holds back fan-out.
  const mediaConcurrency = await settings.get('media.processing_concurrency')
  const queue = new JobQueue(db, log, { concurrency: mediaConcurrency + 2 })
  const primary = new PrimaryGate(log)
  const media = createMediaService({ db, config, queue, settings, hooks, log, processingConcurrency: mediaConcurrency })
  const limit = actionLimits(limiter, settings)
  const social = createSocialService({ db, hooks, limit })
  const safety = createSafetyService({ db, hooks, social })
  const posts = createPostsService({ db, hooks, queue, media, social, log, limit, mayMention: (a, b) => safety.canMention(a, b) })
  const feed = createFeedService({ db, sqlite: store.sqlite, settings, posts, hooks })
  const engagement = createEngagementService({ db, hooks, posts, safety, limit })
  const notifications = createNotificationsService({ db, hooks, realtime, posts, safety, log })
  const search = createSearchService({ db, posts, safety, social })
  const moderation = createModerationService({
    db,
    hooks,
    users,
    posts,
    media,
    removers: {
      async comment({ targetId, actor }) {
        const id = Number(targetId)
        if (!(await db.selectFrom('comments').select('id').where('id', '=', id).executeTakeFirst())) return // deleted already
        if (!actor) throw new AppError(409, 'CONFLICT', 'A comment is removed in the name of a moderator or admin; say who is acting.')
        await engagement.deleteComment(actor, id)
      },
    },
  })
  // Closed last (registered first): a child process still running (not a job's: the queue aborts those) is killed.
  const closers = new Closers(log)
  closers.add('core', () => killChildren())
  if (!readonly) childBinding() // decided at boot (it runs setpriv once), not in the first job that starts ffmpeg
  const plugins = new PluginManager({ db, log, hooks, ui, scheduler, queue, realtime, settings, users, posts, social, safety, media, notifications, moderation, render, closers, limiter, dirs: [PLUGINS_DIR, ...config.pluginDirs], readonly })

  const services: Services = { config, log, store, db, hooks, settings, users, auth, limiter, ui, themes, themeProblems, render, realtime, scheduler, queue, primary, media, social, safety, posts, feed, engagement, notifications, search, moderation, plugins }
  coreNavigation(ui)
  // An open page's sockets must not outlive the session rules they were opened under.
  const disconnect = ({ userId }: { userId: number }) => realtime.disconnectUser(userId)
  hooks.on('action:user.logged-out', disconnect)
  hooks.on('action:user.password-changed', disconnect)
  hooks.on('action:user.suspended', ({ user }) => disconnect({ userId: user.id }))
  hooks.on('action:user.role-changed', ({ user }) => disconnect({ userId: user.id }))
  wireSocial(services)
  wireNotifications(services)
  scheduler.add('core', '17 * * * *', 'purge-expired-sessions', async () => {
    const n = await purgeExpiredSessions(db)
    if (n) log.info({ removed: n }, 'expired sessions purged')
  })

  await plugins.discover()
  if (options.plugins !== false) await plugins.load()

  const app = buildApp(services)
  return {
    ...services,
    app,
    async close() {
      scheduler.stop()
      await queue.stop()
      // Plugins' onClose (newest first) while the database is still open; then the limiter's last counts.
      await closers.run()
      limiter.close()
      await store.close()
    },
  }
}

function coreNavigation(ui: UiRegistry): void {
  const core = (id: string, label: string, href: string, audience: 'everyone' | 'guests' | 'members' | 'staff' | 'admins', order: number) =>
    ui.addNav({ id, label, href, audience, order, owner: 'core' })
  core('home', 'Home', '/', 'everyone', 10)
  core('explore', 'Explore', '/explore', 'everyone', 20)
  core('search', 'Search', '/search', 'everyone', 25)
  core('compose', 'New post', '/compose', 'members', 30)
  core('saved', 'Saved', '/bookmarks', 'members', 60)
  core('settings', 'Settings', '/settings/account', 'members', 90)
  core('moderation', 'Moderation', '/moderation', 'staff', 94)
  core('admin', 'Admin', '/admin', 'admins', 95)
  core('login', 'Log in', '/login', 'guests', 90)
  core('register', 'Join', '/register', 'guests', 95)
}

const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  mediaSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
}

export function buildApp(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { config, log } = s

  app.use('*', requestId())
  app.use('*', requestContext(log, config.trustProxy))
  app.use('*', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin', crossOriginEmbedderPolicy: false }))

  // Public, stateless routes answer before sessions are looked up.
  app.get('/healthz', async (c) => {
    let database = 'ok'
    try {
      s.store.sqlite.prepare('select 1').get()
    } catch {
      database = 'unavailable'
    }
    return c.json({ status: database === 'ok' ? 'ok' : 'degraded', version: VERSION, database, role: s.primary.role }, database === 'ok' ? 200 : 503)
  })
  app.get('/static/htmx.min.js', serveFolder(join(ROOT, 'node_modules/htmx.org/dist'), '/static/', { maxAge: 86400 }))
  app.get('/static/hearth.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/compose.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/notifications.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  // Browsers ask for /favicon.ico whatever the page declares.
  app.get('/favicon.ico', (c) => c.redirect('/theme/default/assets/icon.svg', 301))
  app.get('/theme/:name/*', async (c, next) => {
    const theme = s.themes.get(c.req.param('name'))
    if (!theme) throw new AppError(404, 'NOT_FOUND', 'There is no such theme.')
    return serveFolder(theme.dir, `/theme/${theme.definition.name}/`)(c, next)
  })

  app.use('*', authenticate(s.db))
  app.use('*', requestLimits(s.limiter, s.settings))
  // Every body is sized (and, for members on upload routes, given its larger limit) before anything reads it.
  app.use('*', bodies({ limit: BODY_LIMIT, uploads: uploadLimits(s.settings) }))
  app.use('*', csrf())

  const sockets = s.realtime.routes()
  app.get('/realtime', sockets.core)
  app.get('/realtime/:owner/:channel', sockets.channel)

  app.route('/', homePages(s))
  app.route('/', socialPages(s))
  app.route('/', postPages(s))
  app.route('/', engagementPages(s))
  app.route('/', authPages(s))
  app.route('/', adminPages(s))
  app.route('/api/v1', usersApi(s))
  app.route('/api/v1', socialApi(s))
  app.route('/api/v1', postsApi(s))
  // Safety and engagement first: /users/me/blocks and friends must not be read as /users/:id.
  app.route('/api/v1', safetyApi(s))
  app.route('/api/v1', engagementApi(s))
  app.route('/', notificationsRoutes(s))
  app.route('/', searchRoutes(s))
  app.route('/', moderationRoutes(s))
  app.route('/', mediaRoutes(s, async (viewer, m) => {
    const viewerId = viewer?.id ?? null
    return s.hooks.apply('filter:media.viewable', await s.posts.canViewMedia(viewerId, m), { viewerId, mediaId: m.id, ownerId: m.owner_id })
  }))
  for (const plugin of s.plugins.loaded.values()) app.route('/', plugin.routes)

  app.all('/api/*', () => {
    throw new AppError(404, 'NOT_FOUND', 'There is no such API route.')
  })
  app.notFound((c) => respondWithError(c, new AppError(404, 'NOT_FOUND', 'That page does not exist.'), s))
  app.onError((err, c) => respondWithError(c as Context<AppEnv>, err, s))
  return app
}

/** The one place errors become responses: the JSON envelope under /api, the theme's error page elsewhere. */
async function respondWithError(c: Context<AppEnv>, err: unknown, s: Services): Promise<Response> {
  let e: AppError
  if (err instanceof AppError) e = err
  else if (err instanceof HTTPException && err.status < 500) e = new AppError(err.status as 400, 'INVALID_REQUEST', err.message || 'The request could not be read.')
  else {
    s.log.error({ err, req_id: c.get('requestId'), path: c.req.path }, 'unhandled error')
    e = new AppError(500, 'INTERNAL', 'Something went wrong on our side. Try again; if it keeps happening, tell an admin the reference.')
  }
  if (e.code === 'RATE_LIMITED' && typeof e.details.retry_after === 'number' && e.details.retry_after > 0) c.header('Retry-After', String(e.details.retry_after))
  const wantsJson = c.req.path.startsWith('/api/') || c.req.path.startsWith('/realtime') || (c.req.header('accept') ?? '').startsWith('application/json')
  if (wantsJson) return c.json(errorBody(e, c.get('requestId')), e.status)
  try {
    return await s.render.error(c, { status: e.status, code: e.code, message: e.message, requestId: c.get('requestId') ?? null })
  } catch (renderErr) {
    s.log.error({ err: renderErr }, 'error page failed to render')
    return c.text(e.message, e.status)
  }
}

/** The social core's background work: fan-out jobs, feed upkeep on follows, scheduled posts, failed media. */
function wireSocial(s: Services): void {
  const { queue, feed, posts, hooks, scheduler, realtime, log } = s
  queue.define<{ postId: number }>(FANOUT_JOB, async ({ postId }) => {
    const n = await feed.fanOut(postId)
    log.debug({ postId, feeds: n }, 'post fanned out')
  })
  hooks.on('action:user.followed', ({ followerId, followeeId }) => feed.backfill(followerId, followeeId))
  hooks.on('action:user.unfollowed', ({ followerId, followeeId }) => feed.removeAuthor(followerId, followeeId))
  // The author hears at once when a file of theirs could not be processed.
  hooks.on('action:media.processed', ({ mediaId, ownerId, status, error }) => {
    if (status === 'failed') realtime.publish(ownerId, 'media.failed', { mediaId, error })
  })
  scheduler.add('core', '*/15 * * * * *', 'publish-scheduled-posts', async () => {
    const n = await posts.publishDue()
    if (n) log.info({ published: n }, 'scheduled posts published')
  })
}
