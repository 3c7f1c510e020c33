// Assembles one Hearth instance: database, services, themes, plugins and the HTTP app. Used by the server, CLI and tests.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Hono, type Context } from 'hono'
import { VERSION } from './version.js'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { RateLimiter, type BucketStore } from './auth/rate-limit.js'
import { createAuthService } from './auth/service.js'
import { Closers } from './closers.js'
import { resolveConfig, type Config, type ConfigInput } from './config.js'
import { openStore } from './db/connect.js'
import { CORE_MIGRATIONS, migrateOwner, migrationStatus } from './db/migrate.js'
import { AppError } from './errors.js'
import { HookRegistry } from './hooks/registry.js'
import type { AppEnv } from './http/env.js'
import { errorBody } from './http/envelope.js'
import { bodies } from './http/body.js'
import { BODY_LIMIT, uploadLimits } from './http/limits.js'
import { authenticate, csrf, requestContext } from './http/middleware.js'
import { serveFolder } from './http/static.js'
import { PrimaryGate } from './jobs/primary.js'
import { readRole, Replication } from './replication/litefs.js'
import { mainThreadPaths, pinnedPath } from './plugins/pinned.js'
import { MediaFetcher, MEDIA_SOURCE_PATH, mediaSource } from './replication/media.js'
import { seesReplicationDetails } from './replication/health.js'
import { acceptForwarded, FORWARD_MAX_BYTES, routeWrites, type RoutingOptions } from './replication/routing.js'
import { JobQueue } from './jobs/queue.js'
import { childBinding, killChildren } from './children.js'
import { Scheduler } from './jobs/scheduler.js'
import { createMediaService } from './media/service.js'
import { createFeedService } from './feed/service.js'
import { createPostsService } from './posts/service.js'
import { createSocialService } from './social/service.js'
import { createSafetyService } from './safety/service.js'
import { actionLimits, requestLimits } from './safety/limits.js'
import { createEngagementService } from './engagement/service.js'
import { createNotificationsService } from './notifications/service.js'
import { createSearchService } from './search/service.js'
import { createModerationService } from './moderation/service.js'
import { createAppealsService } from './moderation/appeals.js'
import { createFiltersService } from './safety/filters.js'
import { createLedgerService } from './ledger/service.js'
import { ledgerModule } from './ledger/module.js'
import { createMailService } from './mail/service.js'
import { createAccountService } from './account/service.js'
import { accountModule } from './account/module.js'
import { createEmailPreferences } from './mail/digests.js'
import { mailModule } from './mail/module.js'
import { confirmedEmail } from './mail/gate.js'
import { createPushService } from './push/service.js'
import { createPolicyService } from './policy/service.js'
import { createAccessService } from './access/service.js'
import { createProofs } from './access/proof.js'
import { networkBlocks } from './access/middleware.js'
import { createLegalService } from './legal/service.js'
import { announcementsModule } from './announcements/module.js'
import { legalModule } from './legal/module.js'
import { onboardingModule } from './onboarding/module.js'
import { curationModule } from './curation/module.js'
import { pushModule } from './push/module.js'
import { createLogger, type Logger } from './logger.js'
import { PLUGINS_DIR, ROOT, THEMES_DIR } from './paths.js'
import { PluginManager } from './plugins/loader.js'
import { RealtimeHub, type HubPresence } from './realtime/hub.js'
import { InProcessBus, type RealtimeBus } from './realtime/bus.js'
import { acceptBus, BUS_PATH, nodeBus } from './replication/bus.js'
import type { Services } from './services.js'
import { createSettings } from './settings/service.js'
import { loadThemes } from './themes/loader.js'
import { createUsersService } from './users/service.js'
import { createVerificationService } from './verification/service.js'
import { createCurationService } from './curation/service.js'
import { createOnboardingService } from './onboarding/service.js'
import { verificationModule } from './verification/module.js'
import { createRenderer } from './views/render.js'
import { UiRegistry } from './views/ui.js'
import type { CoreModule } from './module.js'
import { adminModule } from './admin/module.js'
import { UsageCounter } from './admin/usage.js'
import { createBackups } from './admin/backups.js'
import { AdminRegistry } from './admin/registry.js'
import { appShellModule } from './app-shell/module.js'
import { authModule } from './auth/module.js'
import { engagementModule } from './engagement/module.js'
import { feedModule } from './feed/module.js'
import { homeModule } from './home/module.js'
import { mediaModule } from './media/module.js'
import { moderationModule } from './moderation/module.js'
import { notificationsModule } from './notifications/module.js'
import { postsModule } from './posts/module.js'
import { realtimeModule } from './realtime/module.js'
import { safetyModule } from './safety/module.js'
import { searchModule } from './search/module.js'
import { socialModule } from './social/module.js'

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
  /** How this instance shares state with the other threads of the process, when it runs on several (core/workers). */
  thread?: ThreadWiring
}

/** What a thread of a multi-threaded server shares with the others; absent, the instance keeps everything to itself. */
export interface ThreadWiring {
  bus: RealtimeBus
  presence: HubPresence
  buckets: BucketStore
  /** A job enqueued here, for a queue running in another thread. */
  onEnqueued?: () => void
}

export async function createHearth(options: CreateOptions = {}): Promise<Hearth> {
  const config = options.config ?? resolveConfig(options.configInput)
  const log = options.log ?? createLogger({ level: config.logLevel, destination: config.logFile ?? undefined })
  const readonly = options.readonly ?? false
  if (!readonly) mkdirSync(config.mediaDir, { recursive: true })
  // A LiteFS replica may not write: the primary migrates, and this node refuses writes itself until it is promoted.
  const replica = !readonly && config.replication.mount !== null && readRole(config.replication.mount, config.replication.candidate).role !== 'primary'
  const store = openStore(config.dbFile, { readonly, cacheMb: config.dbCacheMb })
  const { db } = store
  try {
    if (replica) store.sqlite.pragma('query_only = 1')
    if (readonly || replica) {
      if ((await migrationStatus(db, 'core', CORE_MIGRATIONS)).some((m) => !m.executedAt)) throw new Error(replica ? 'This replica starts once the primary has run the database migrations; start the primary first.' : 'The database has pending migrations; run `hearth migrate`.')
    } else await migrateOwner(db, 'core', CORE_MIGRATIONS)
  } catch (err) {
    await store.close()
    throw err
  }
  const hooks = new HookRegistry(log)
  const settings = createSettings(db, { dataVersion: store.dataVersion })
  // Replicas sign what they forward with the instance secret, so the primary makes it before any replica needs it.
  if (config.replication.mount && !replica && !readonly) await settings.secret()
  const thread = options.thread
  const limiter = new RateLimiter({ sqlite: store.sqlite, buckets: thread?.buckets })
  const users = createUsersService(db, hooks, limiter)
  // Flags become reports by no member in the moderation queue, made further down.
  const policy = createPolicyService({ db, log, file: (r) => moderation.file({ reporterId: null, targetType: r.targetType, targetId: r.targetId, reason: 'other', note: r.note }) })
  const access = createAccessService({ db, log })
  const proofs = createProofs(settings)
  const legal = createLegalService({ db, dataVersion: store.dataVersion })
  const auth = createAuthService({ db, users, settings, hooks, limiter, policy, access, proofs, legal })
  const { themes, problems: themeProblems } = await loadThemes([THEMES_DIR, ...config.themeDirs], log)
  const ui = new UiRegistry(log)
  const render = createRenderer({ settings, hooks, ui, themes, config })
  const admin = new AdminRegistry(render)
  const usage = new UsageCounter()
  const primary = new PrimaryGate(log, { primary: !replica })
  const replication = new Replication(config.replication, config.dbFile, primary, log, (writable) => void store.sqlite.pragma(`query_only = ${writable ? 0 : 1}`), () => settings.secret())
  // On a LiteFS replica, what is published here goes to the primary, which holds every member's socket.
  const realtime = new RealtimeHub(log, nodeBus(thread?.bus ?? new InProcessBus(), { replication, secret: () => settings.secret(), log }), thread?.presence)
  const scheduler = new Scheduler(log)
  // Media processing gets its own slots within the queue, so a long transcode never holds back fan-out.
  const mediaConcurrency = await settings.get('media.processing_concurrency')
  const queue = new JobQueue(db, log, { concurrency: mediaConcurrency + 2, onEnqueued: thread?.onEnqueued })
  // What jobs write to the data folder (backups, members' exports) is on the primary's disk: replicas send reads of it there.
  const holdsFiles = () => replication.role.role === 'primary'
  // A LiteFS replica fetches a media file it lacks from the primary (unless the media folder is shared storage).
  const mediaFetcher = new MediaFetcher({
    replication,
    mediaDir: config.mediaDir,
    secret: () => settings.secret(),
    log,
    existing: async (ids) => new Set((await db.selectFrom('media').select('id').where('id', 'in', ids).execute()).map((r) => r.id)),
  })
  const media = createMediaService({ db, config, queue, settings, hooks, log, processingConcurrency: mediaConcurrency, fetchMissing: (path) => mediaFetcher.ensure(path), rangeOfMissing: (path, range, options) => mediaFetcher.range(path, range, options) })
  const limit = actionLimits(limiter, settings)
  const social = createSocialService({ db, hooks, limit, policy })
  const safety = createSafetyService({ db, hooks, social })
  const posts = createPostsService({ db, hooks, queue, media, social, log, limit, mayMention: (a, b) => safety.canMention(a, b), policy })
  const feed = createFeedService({ db, sqlite: store.sqlite, settings, posts, hooks })
  const engagement = createEngagementService({ db, hooks, posts, safety, limit, policy })
  const notifications = createNotificationsService({ db, hooks, realtime, posts, safety, social, log })
  const search = createSearchService({ db, posts, safety, social })
  const moderation = createModerationService({ db, hooks, users, posts, media, settings })
  const appeals = createAppealsService({ db, hooks, users, moderation, settings })
  const filters = createFiltersService(db)
  const ledger = createLedgerService(db)
  const mail = createMailService({ db, settings, queue, users, limiter, log, proofs })
  const emails = createEmailPreferences({ db, settings, queue, notifications, mail })
  const backups = createBackups({ db, settings, queue, dataDir: config.dataDir, dbFile: config.dbFile, isPrimary: holdsFiles })
  const push = createPushService({ db, settings, queue, notifications, log, publicUrl: config.publicUrl })
  const verification = createVerificationService({ db, hooks, settings })
  const onboarding = createOnboardingService({ db, settings, social })
  const curation = createCurationService({ db, posts, feed, onboarding })
  const account = createAccountService({ db, config, settings, hooks, queue, users, posts, media, mail, limiter, log, isPrimary: holdsFiles })
  // Closed last (registered first): a child process still running (not a job's: the queue aborts those) is killed.
  const closers = new Closers(log)
  closers.add('core', () => killChildren())
  if (!readonly) {
    mediaFetcher.start()
    closers.add('core', () => mediaFetcher.stop())
  }
  if (!readonly) childBinding() // decided at boot (it runs setpriv once), not in the first job that starts ffmpeg
  const plugins = new PluginManager({ db, log, hooks, ui, admin, scheduler, queue, realtime, settings, users, posts, social, safety, media, notifications, moderation, ledger, policy, render, closers, verification, limiter, dirs: [PLUGINS_DIR, ...config.pluginDirs], dataDir: config.dataDir, readonly: readonly || replica, replication })

  const services: Services = { config, log, store, db, hooks, settings, users, auth, limiter, ui, admin, usage, backups, themes, themeProblems, render, realtime, scheduler, queue, primary, replication, replicaMedia: mediaFetcher, media, social, safety, posts, feed, engagement, notifications, search, moderation, appeals, filters, ledger, mail, emails, push, policy, access, proofs, account, legal, plugins, verification, onboarding, curation }
  for (const m of CORE_MODULES) m.wire?.(services)

  await plugins.discover()
  if (options.plugins !== false) await plugins.load()

  const app = buildApp(services)
  return {
    ...services,
    app,
    async close() {
      scheduler.stop()
      await queue.stop()
      // The last minutes' counts, so a restart leaves no hole in the usage charts.
      if (!readonly && primary.isPrimary()) await usage.flush(db, { all: true }).catch((err) => log.warn({ err }, 'the usage counts could not be written'))
      // Plugins' onClose (newest first) while the database is still open; then the limiter's last counts.
      await closers.run()
      limiter.close()
      await store.close()
    },
  }
}

/**
 * Core's feature folders, each wired and mounted in this order (pages of all, then the API of all). The order
 * is not load-bearing for routing: overlapping patterns fall through or are disjoint (core/routes.test.ts).
 */
export const CORE_MODULES: readonly CoreModule[] = [
  realtimeModule,
  authModule,
  // Before the console's warning gate: a staff member viewing as a member sees what that member would.
  accountModule,
  homeModule,
  feedModule,
  socialModule,
  postsModule,
  engagementModule,
  safetyModule,
  adminModule,
  notificationsModule,
  searchModule,
  moderationModule,
  mediaModule,
  appShellModule,
  ledgerModule,
  mailModule,
  pushModule,
  announcementsModule,
  legalModule,
  onboardingModule,
  verificationModule,
  curationModule,
]

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

export function buildApp(s: Services, modules: readonly CoreModule[] = CORE_MODULES): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { config, log } = s

  app.use('*', requestId())
  app.use('*', s.usage.middleware())
  app.use('*', requestContext(log, config.trustProxy))
  const routing: RoutingOptions = { replication: s.replication, secret: () => s.settings.secret(), maxBodyBytes: FORWARD_MAX_BYTES, pinned: pinnedPath(mainThreadPaths(s)) }
  app.use('*', acceptForwarded(routing))
  // Addresses the operator keeps out entirely are refused before anything else (health checks excepted).
  app.use('*', networkBlocks(s.access))
  // On a LiteFS replica: writes to the primary, reads after the member's last write (core/replication).
  app.use('*', routeWrites(routing))
  app.use('*', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin', crossOriginEmbedderPolicy: false }))

  // Public, stateless routes answer before sessions are looked up.
  app.get('/healthz', async (c) => {
    let database = 'ok'
    try {
      s.store.sqlite.prepare('select 1').get()
    } catch {
      database = 'unavailable'
    }
    // One node: the gate says whether this process runs jobs (HEARTH_PRIMARY). With LiteFS: the lease does, and its
    // position and lag come along for the operator's side (the primary's hostname is not the public's business).
    const replication = s.replication.state()
    const details = replication.mode === 'litefs' && (await seesReplicationDetails(c, { everyone: config.replication.healthzPublic, secret: () => s.settings.secret() }))
    const body = replication.mode === 'single' ? { role: s.primary.role } : { role: replication.role, ...(details ? { replication } : {}) }
    return c.json({ status: database === 'ok' ? 'ok' : 'degraded', version: VERSION, database, ...body }, database === 'ok' ? 200 : 503)
  })
  // Under LiteFS the primary takes what replicas publish (core/replication/bus.ts), signed, before sessions.
  if (s.replication.enabled) app.post(BUS_PATH, acceptBus(() => s.realtime.bus, () => s.settings.secret()))
  // The primary hands media files to replicas that lack them (signed requests from nodes only; with LiteFS only).
  app.get(`${MEDIA_SOURCE_PATH}*`, mediaSource({ replication: s.replication, mediaDir: config.mediaDir, secret: () => s.settings.secret(), log }))
  app.get('/static/htmx.min.js', serveFolder(join(ROOT, 'node_modules/htmx.org/dist'), '/static/', { maxAge: 86400 }))
  app.get('/static/hearth.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/compose.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/notifications.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/carousel.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/app-shell.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/post.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/typeahead.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  // The console's charts: uPlot from the project's own copy (never a CDN), and the script that draws them.
  app.get('/static/admin-charts.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  app.get('/static/uplot/*', serveFolder(join(ROOT, 'node_modules/uplot/dist'), '/static/uplot/', { maxAge: 86400 }))
  // The browser side of peer-to-peer calls (Meet, calls between friends), loaded only by pages that call.
  app.get('/static/rtc.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  // Turning web push on or off, loaded only by Settings → Email and push.
  app.get('/static/push.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  // The anti-spam proof of work, loaded only by the sign-up and password-reset forms when it is on.
  app.get('/static/proof.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
  // Passkeys (WebAuthn) on the login, two-factor and security settings pages: our own glue, no CDN.
  app.get('/static/passkeys.js', serveFolder(join(ROOT, 'core/client'), '/static/'))
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
  app.use('*', bodies({ limit: BODY_LIMIT, uploads: uploadLimits(s.settings, Object.assign({}, ...[...s.plugins.loaded.values()].map((p) => p.uploads))) }))
  app.use('*', csrf())
  app.use('*', confirmedEmail(s.mail))
  for (const m of modules) if (m.middleware) app.use('*', m.middleware(s))

  for (const m of modules) if (m.pages) app.route('/', m.pages(s))
  for (const m of modules) if (m.api) app.route('/api/v1', m.api(s))
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
  if ((e.code === 'RATE_LIMITED' || e.code === 'PRIMARY_UNAVAILABLE') && typeof e.details.retry_after === 'number' && e.details.retry_after > 0) c.header('Retry-After', String(e.details.retry_after))
  const wantsJson = c.req.path.startsWith('/api/') || c.req.path.startsWith('/realtime') || (c.req.header('accept') ?? '').startsWith('application/json')
  if (wantsJson) return c.json(errorBody(e, c.get('requestId')), e.status)
  try {
    return await s.render.error(c, { status: e.status, code: e.code, message: e.message, requestId: c.get('requestId') ?? null })
  } catch (renderErr) {
    s.log.error({ err: renderErr }, 'error page failed to render')
    return c.text(e.message, e.status)
  }
}
