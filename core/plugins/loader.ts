// Finds plugins (folders under plugins/ and npm packages), orders them by dependency, migrates and registers them.
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Hono } from 'hono'
import type { ComponentChildren } from 'preact'
import { audit } from '../audit.js'
import { categoriesByIds, categoryIdFor, interestSlugs, listCategories } from '../categories/queries.js'
import { spawnBound } from '../children.js'
import type { Closers } from '../closers.js'
import { jsonBody } from '../http/json.js'
import { pluginLimits, type RateLimiter } from '../auth/rate-limit.js'
import type { Db } from '../db/connect.js'
import { migrateOwner, migrationStatus, type MigrationStatus } from '../db/migrate.js'
import { now } from '../db/schema.js'
import { AppError } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { HookName } from '../hooks/types.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { streamForm } from '../http/body.js'
import { flash } from '../http/flash.js'
import { formFields } from '../http/forms.js'
import { POST_FILES_MAX } from '../http/limits.js'
import { idParam } from '../http/params.js'
import { parseLimit } from '../pagination.js'
import { requireMember, requireRole } from '../http/middleware.js'
import type { AdminRegistry } from '../admin/registry.js'
import { serveFolder } from '../http/static.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Scheduler } from '../jobs/scheduler.js'
import type { Logger } from '../logger.js'
import { ffmpegPath } from '../media/ffmpeg.js'
import { ROOT } from '../paths.js'
import { checkSignal, iceProblems, iceServersFor } from '../rtc/ice.js'
import type { RealtimeHub } from '../realtime/hub.js'
import type { SettingsService } from '../settings/service.js'
import type { MediaService } from '../media/service.js'
import type { ModerationService } from '../moderation/service.js'
import type { NotificationsService } from '../notifications/service.js'
import type { PostsService } from '../posts/service.js'
import { createScopesService } from '../posts/scopes.js'
import type { SocialService } from '../social/service.js'
import type { SafetyService } from '../safety/service.js'
import type { UsersService } from '../users/service.js'
import type { VerificationService } from '../verification/service.js'
import type { Renderer } from '../views/render.js'
import type { UiRegistry } from '../views/ui.js'
import type { PluginContext, PluginDefinition, SettingsSchema } from './api.js'
import { prefixesOf, prefixProblem, overlap, routesOutside } from './prefixes.js'
import { pluginSettingsStore } from './settings.js'
import type { LedgerService } from '../ledger/service.js'
import { pluginLedger } from '../ledger/plugin.js'
import { NO_VERDICT, type PolicyService } from '../policy/service.js'
import type { Replication } from '../replication/litefs.js'
import { relayTcpToPrimary } from '../replication/sockets.js'

export const PLUGIN_NAME = /^[a-z][a-z0-9-]{1,39}$/

export interface FoundPlugin {
  /** The manifest's name when it loaded; else the folder or package name. */
  name: string
  source: 'folder' | 'npm'
  /** For npm plugins: the package name (may differ from the manifest's name). */
  package: string | null
  /** The plugin's folder: migrations and assets are relative to it. */
  dir: string
  definition: PluginDefinition | null
  /** Why it could not be imported, or null. */
  error: string | null
}

export interface PluginStatus {
  name: string
  version: string | null
  description: string
  source: 'folder' | 'npm'
  dependsOn: string[]
  enabled: boolean
  /** Registered in this process (a running server shows what is live). */
  loaded: boolean
  error: string | null
  settings: SettingsSchema
  dir: string
}

export interface LoadedPlugin {
  definition: PluginDefinition
  dir: string
  routes: Hono<AppEnv>
  settings: ReturnType<typeof pluginSettingsStore>
  /** The form routes that take files (`ctx.http.acceptFiles`): path to how many files at most. */
  uploads: Record<string, number>
  /** The route paths served by the main thread of the primary even for reads (`ctx.http.primaryOnly`). */
  primaryOnly: string[]
}

export interface PluginDeps {
  db: Db
  log: Logger
  hooks: HookRegistry
  ui: UiRegistry
  /** The console's sections, metrics and tiles (ctx.admin). */
  admin: AdminRegistry
  scheduler: Scheduler
  queue: JobQueue
  realtime: RealtimeHub
  settings: SettingsService
  users: UsersService
  posts: PostsService
  social: SocialService
  safety: SafetyService
  media: MediaService
  notifications: NotificationsService
  moderation: ModerationService
  ledger: LedgerService
  policy?: PolicyService
  render: Renderer
  /** Where plugins' onClose functions go; Hearth's close runs them. */
  closers: Closers
  limiter: RateLimiter
  /** The verified badge (ctx.core.users.verified). */
  verification: VerificationService
  /** Folders to scan; the first is ./plugins. */
  dirs: string[]
  /** The operator's data directory: each plugin's `ctx.dataDir` is `plugins/NAME` inside it. */
  dataDir: string
  /** Look, but change nothing in the database (for `hearth doctor`). */
  readonly?: boolean
  /** Under LiteFS, which server is the primary (ctx.core.cluster); absent, this is the only server. */
  replication?: Replication
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

function checkDefinition(value: unknown, expectedName: string | null): PluginDefinition {
  const def = value as PluginDefinition | undefined
  if (!def || typeof def !== 'object' || !def.manifest || typeof def.register !== 'function') {
    throw new Error('plugin.ts must `export default definePlugin({ manifest, register })`')
  }
  const m = def.manifest
  if (typeof m.name !== 'string' || !PLUGIN_NAME.test(m.name)) {
    throw new Error(`the manifest name "${String(m.name)}" must be 2-40 lowercase letters, digits or dashes, starting with a letter`)
  }
  if (expectedName !== null && m.name !== expectedName) {
    throw new Error(`the folder is "${expectedName}" but the manifest names "${m.name}"; make them the same`)
  }
  if (typeof m.version !== 'string' || !m.version) throw new Error('the manifest needs a version')
  if (typeof m.description !== 'string') throw new Error('the manifest needs a description')
  if (m.dependsOn && (!Array.isArray(m.dependsOn) || m.dependsOn.some((d) => typeof d !== 'string'))) {
    throw new Error('dependsOn must be a list of plugin names')
  }
  // Lifecycle: optional dependencies and route prefixes (docs/plugins.md).
  if (m.optionalDependsOn && (!Array.isArray(m.optionalDependsOn) || m.optionalDependsOn.some((d) => typeof d !== 'string'))) {
    throw new Error('optionalDependsOn must be a list of plugin names')
  }
  if (m.routePrefixes && (!Array.isArray(m.routePrefixes) || m.routePrefixes.some((d) => typeof d !== 'string'))) {
    throw new Error('routePrefixes must be a list of paths, like ["/meet"]')
  }
  if (m.threads !== undefined && m.threads !== 'any' && m.threads !== 'main') throw new Error('threads must be "any" or "main"')
  const prefixes = prefixProblem(m.name, prefixesOf(m.name, m.routePrefixes))
  if (prefixes) throw new Error(prefixes)
  return def
}

/**
 * Import every plugin folder under `dirs` and each npm package listed (with the plugin name it was
 * registered under, or null for a new one). Broken ones come back with `error`.
 */
export async function findPlugins(dirs: string[], npmPackages: { name: string | null; pkg: string }[]): Promise<FoundPlugin[]> {
  const found: FoundPlugin[] = []
  for (const dir of dirs) {
    if (!existsSync(dir)) continue
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue
      const pluginDir = join(dir, entry.name)
      const file = ['plugin.ts', 'plugin.tsx', 'plugin.js'].map((f) => join(pluginDir, f)).find(existsSync)
      if (!file) continue
      if (found.some((f) => f.name === entry.name)) continue // an earlier folder wins
      try {
        const mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
        found.push({ name: entry.name, source: 'folder', package: null, dir: pluginDir, definition: checkDefinition(mod.default, entry.name), error: null })
      } catch (err) {
        found.push({ name: entry.name, source: 'folder', package: null, dir: pluginDir, definition: null, error: message(err) })
      }
    }
  }
  const require = createRequire(join(ROOT, 'package.json'))
  for (const { name, pkg } of npmPackages) {
    try {
      const entryFile = require.resolve(pkg)
      const mod = (await import(pathToFileURL(entryFile).href)) as { default?: unknown }
      const def = checkDefinition(mod.default, null)
      if (name !== null && def.manifest.name !== name) throw new Error(`it now calls itself "${def.manifest.name}", not "${name}"`)
      if (found.some((f) => f.name === def.manifest.name)) throw new Error(`a plugin named "${def.manifest.name}" is already installed`)
      found.push({ name: def.manifest.name, source: 'npm', package: pkg, dir: dirname(entryFile), definition: def, error: null })
    } catch (err) {
      found.push({ name: name ?? pkg, source: 'npm', package: pkg, dir: ROOT, definition: null, error: `the npm package "${pkg}" could not be loaded: ${message(err)}` })
    }
  }
  return found
}

/**
 * Order plugins so each comes after what it depends on; report missing, disabled and circular dependencies.
 * Optional dependencies order a plugin after them when they are enabled, and are otherwise ignored (as is a
 * circle through one: the optional edge is dropped).
 */
export function orderByDependencies(
  plugins: { name: string; dependsOn: string[]; optionalDependsOn?: string[] }[],
): { order: string[]; problems: Map<string, string> } {
  const byName = new Map(plugins.map((p) => [p.name, p]))
  const problems = new Map<string, string>()
  const order: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (name: string, trail: string[]): boolean => {
    if (state.get(name) === 'done') return !problems.has(name)
    if (state.get(name) === 'visiting') {
      problems.set(name, `circular dependency: ${[...trail, name].join(' → ')}`)
      return false
    }
    state.set(name, 'visiting')
    const p = byName.get(name)!
    for (const dep of p.optionalDependsOn ?? []) if (byName.has(dep) && state.get(dep) !== 'visiting') visit(dep, [...trail, name])
    let okDeps = true
    for (const dep of p.dependsOn) {
      if (!byName.has(dep)) {
        problems.set(name, `it needs the plugin "${dep}", which is not enabled`)
        okDeps = false
      } else if (!visit(dep, [...trail, name])) {
        if (!problems.has(name)) problems.set(name, `it needs the plugin "${dep}", which could not be loaded`)
        okDeps = false
      }
    }
    state.set(name, 'done')
    if (okDeps) order.push(name)
    return okDeps
  }
  for (const p of [...plugins].sort((a, b) => a.name.localeCompare(b.name))) visit(p.name, [])
  return { order, problems }
}

/** A job kind of a plugin: `kind` or `NAME:kind`, stored as `NAME:kind`. Another plugin's prefix is refused. */
const JOB_KIND = /^[a-z][a-z0-9.-]{0,59}$/

/** ctx.jobs: cron jobs, and durable jobs on the persisted queue under the plugin's own kinds and keys. */
function pluginJobs(name: string, scheduler: Scheduler, queue: JobQueue): PluginContext['jobs'] {
  const kindOf = (kind: string) => {
    const short = kind.startsWith(`${name}:`) ? kind.slice(name.length + 1) : kind
    if (!JOB_KIND.test(short)) throw new Error(`Plugin ${name}'s job kind "${kind}" must be lowercase letters, digits, dots and dashes (at most 60), optionally after "${name}:".`)
    return `${name}:${short}`
  }
  const keyOf = (key: string | undefined) => {
    if (key === undefined) return undefined
    if (typeof key !== 'string' || !key) throw new Error(`Plugin ${name}'s job key must be a non-empty string.`)
    return `${name}:${key}`
  }
  return {
    every: (cron, jobName, fn) => scheduler.add(name, cron, jobName, fn),
    define: (kind, handler, options = {}) => {
      const { onFailed } = options
      queue.define(kindOf(kind), async (payload, job) => handler(payload as never, job), {
        maxAttempts: options.maxAttempts,
        // One at a time unless asked: a plugin's jobs share the queue's slots with media and fan-out.
        concurrency: options.concurrency ?? 1,
        onFailed: onFailed ? (payload, error) => onFailed(payload as never, error) : undefined,
      })
    },
    enqueue: async (kind, payload, options = {}) => {
      const full = kindOf(kind)
      if (!queue.has(full)) throw new Error(`Plugin ${name} has no job kind "${full}": define it with ctx.jobs.define in register().`)
      const { db, ...rest } = options
      const jobOptions = { ...rest, key: keyOf(options.key) }
      return db ? queue.enqueueIn(db, full, payload, jobOptions) : queue.enqueue(full, payload, jobOptions)
    },
    cancel: (key, options = {}) => queue.cancel(keyOf(key)!, options),
  }
}

export class PluginManager {
  found: FoundPlugin[] = []
  readonly loaded = new Map<string, LoadedPlugin>()

  constructor(private readonly deps: PluginDeps) {}

  private async npmPackages(): Promise<{ name: string; pkg: string }[]> {
    const rows = await this.deps.db.selectFrom('plugins').select(['name', 'package']).where('source', '=', 'npm').execute()
    return rows.map((r) => ({ name: r.name, pkg: r.package ?? r.name }))
  }

  /** Scan the plugin folders and registered npm packages; record newly found plugins in the database. */
  async discover(): Promise<FoundPlugin[]> {
    this.found = await findPlugins(this.deps.dirs, await this.npmPackages())
    const { db } = this.deps
    if (this.deps.readonly) return this.found
    const rows = new Map((await db.selectFrom('plugins').selectAll().execute()).map((r) => [r.name, r]))
    for (const f of this.found) {
      const row = rows.get(f.name)
      const version = f.definition?.manifest.version ?? null
      if (!row) {
        const enabled = f.definition?.manifest.enabledByDefault ? 1 : 0
        await db.insertInto('plugins').values({ name: f.name, enabled, source: f.source, package: f.package, version, error: f.error, updated_at: now() }).execute()
      } else if (row.version !== version || row.error !== f.error) {
        // Keep a registration error (from the last start) unless the plugin itself changed or failed to import.
        const error = f.error ?? (row.version !== version ? null : row.error)
        await db.updateTable('plugins').set({ version, error, updated_at: now() }).where('name', '=', f.name).execute()
      }
    }
    return this.found
  }

  async status(): Promise<PluginStatus[]> {
    const rows = new Map((await this.deps.db.selectFrom('plugins').selectAll().execute()).map((r) => [r.name, r]))
    return this.found.map((f) => {
      const row = rows.get(f.name)
      const m = f.definition?.manifest
      return {
        name: f.name,
        version: m?.version ?? row?.version ?? null,
        description: m?.description ?? '',
        source: f.source,
        dependsOn: m?.dependsOn ?? [],
        enabled: row?.enabled === 1,
        loaded: this.loaded.has(f.name),
        error: f.error ?? row?.error ?? null,
        settings: m?.settings ?? {},
        dir: f.dir,
      }
    })
  }

  private get(name: string): FoundPlugin {
    const f = this.found.find((p) => p.name === name)
    if (!f) throw new AppError(404, 'NOT_FOUND', `There is no plugin "${name}". See \`hearth plugin list\`.`)
    return f
  }

  /** Register an installed npm package as a plugin; it is known by its manifest's name from then on. */
  async addNpm(pkg: string): Promise<FoundPlugin> {
    const existing = this.found.find((p) => p.package === pkg)
    if (existing) return existing
    const [f] = await findPlugins([], [{ name: null, pkg }])
    if (!f || f.error || !f.definition) throw new AppError(400, 'VALIDATION_FAILED', f?.error ?? `The npm package "${pkg}" is not a Hearth plugin.`)
    if (this.found.some((p) => p.name === f.name)) throw new AppError(409, 'CONFLICT', `A plugin named "${f.name}" is already installed; "${pkg}" cannot use the same name.`)
    await this.deps.db
      .insertInto('plugins')
      .values({ name: f.name, enabled: 0, source: 'npm', package: pkg, version: f.definition.manifest.version, error: null, updated_at: now() })
      .execute()
    this.found.push(f)
    return f
  }

  /**
   * Turn a plugin on or off in the database. It takes effect at the next start; callers say so.
   * Enabling needs its dependencies enabled and runs its migrations (when one fails, the plugin stays
   * disabled and the error is thrown); disabling is refused while an enabled plugin depends on it.
   */
  async setEnabled(name: string, enabled: boolean, actorId: number | null): Promise<{ changed: boolean }> {
    const plugin = this.get(name)
    const statuses = await this.status()
    const current = statuses.find((s) => s.name === name)!
    if (current.enabled === enabled) return { changed: false }
    if (enabled) {
      if (!plugin.definition) throw new AppError(409, 'CONFLICT', `The plugin "${name}" cannot be enabled: ${plugin.error}`)
      const missing = (plugin.definition.manifest.dependsOn ?? []).filter((d) => !statuses.find((s) => s.name === d)?.enabled)
      if (missing.length) throw new AppError(409, 'CONFLICT', `The plugin "${name}" needs ${missing.map((m) => `"${m}"`).join(', ')}; enable ${missing.length > 1 ? 'them' : 'it'} first.`)
    } else {
      const dependents = statuses.filter((s) => s.enabled && s.dependsOn.includes(name)).map((s) => s.name)
      if (dependents.length) throw new AppError(409, 'CONFLICT', `${dependents.map((d) => `"${d}"`).join(', ')} ${dependents.length > 1 ? 'depend' : 'depends'} on "${name}"; disable ${dependents.length > 1 ? 'them' : 'it'} first.`)
    }
    if (enabled) {
      try {
        const dir = this.migrationsDir(plugin)
        if (dir) await migrateOwner(this.deps.db, name, dir)
      } catch (err) {
        await this.deps.db.updateTable('plugins').set({ error: message(err), updated_at: now() }).where('name', '=', name).execute()
        throw new AppError(409, 'CONFLICT', `The plugin "${name}" was not enabled: ${message(err)}`)
      }
    }
    await this.deps.db.updateTable('plugins').set({ enabled: enabled ? 1 : 0, error: null, updated_at: now() }).where('name', '=', name).execute()
    await audit(this.deps.db, { actorId, action: enabled ? 'plugin.enable' : 'plugin.disable', targetType: 'plugin', targetId: name })
    return { changed: true }
  }

  /** The policy engine with a plugin's surfaces named after it; without an engine (a bare manager), nothing is checked. */
  private policyFor(name: string): Pick<PolicyService, 'enforce' | 'flagSaved'> {
    const own = <T extends { surface: string }>(input: T): T => ({ ...input, surface: input.surface.startsWith(`${name}.`) ? input.surface : `${name}.${input.surface}` })
    const policy = this.deps.policy
    return {
      enforce: async (input) => (policy ? policy.enforce(own(input)) : NO_VERDICT),
      flagSaved: async (verdict, input, target) => policy?.flagSaved(verdict, own(input), target),
    }
  }

  private migrationsDir(f: FoundPlugin): string | null {
    const rel = f.definition?.manifest.migrations
    return rel ? resolve(f.dir, rel) : null
  }

  /** Run pending migrations of enabled plugins (or one plugin). */
  async migrate(only?: string): Promise<{ plugin: string; applied: string[] }[]> {
    const out: { plugin: string; applied: string[] }[] = []
    for (const s of await this.status()) {
      if ((only && s.name !== only) || (!only && !s.enabled)) continue
      const f = this.get(s.name)
      const dir = this.migrationsDir(f)
      if (dir) out.push({ plugin: s.name, applied: await migrateOwner(this.deps.db, s.name, dir) })
    }
    return out
  }

  async migrationStatus(): Promise<MigrationStatus[]> {
    const out: MigrationStatus[] = []
    for (const s of await this.status()) {
      const f = this.get(s.name)
      const dir = this.migrationsDir(f)
      if (dir && (s.enabled || this.loaded.has(s.name))) out.push(...(await migrationStatus(this.deps.db, s.name, dir)))
    }
    return out
  }

  /**
   * Load every enabled plugin in dependency order: migrate, then register. A plugin whose import,
   * migration or register() fails is disabled with its error recorded and logged; the rest load.
   * In read-only mode (doctor) nothing is migrated or written: failures are only returned.
   */
  async load(): Promise<{ name: string; error: string }[]> {
    this.failures = []
    const statuses = await this.status()
    const enabled = statuses.filter((s) => s.enabled)
    const { order, problems } = orderByDependencies(enabled.map((s) => ({ name: s.name, dependsOn: s.dependsOn, optionalDependsOn: this.get(s.name).definition?.manifest.optionalDependsOn ?? [] })))
    for (const [name, problem] of problems) await this.fail(name, `not loaded: ${problem}`, false)
    for (const name of order) {
      const f = this.get(name)
      if (!f.definition) {
        await this.fail(name, `could not be imported: ${f.error}`, true)
        continue
      }
      const deps = f.definition.manifest.dependsOn ?? []
      if (deps.some((d) => !this.loaded.has(d))) {
        await this.fail(name, `not loaded: a plugin it depends on (${deps.join(', ')}) failed to load`, false)
        continue
      }
      try {
        const dir = this.migrationsDir(f)
        if (dir && !this.deps.readonly) await migrateOwner(this.deps.db, name, dir)
      } catch (err) {
        await this.fail(name, message(err), true)
        continue
      }
      await this.register(f)
    }
    return this.failures
  }

  private failures: { name: string; error: string }[] = []

  private async fail(name: string, error: string, disable: boolean): Promise<void> {
    this.failures.push({ name, error })
    if (this.deps.readonly) return
    this.deps.log.error({ plugin: name }, `plugin ${name} ${disable ? 'was disabled' : 'was skipped'}: ${error}`)
    await this.deps.db
      .updateTable('plugins')
      .set({ error, ...(disable ? { enabled: 0 } : {}), updated_at: now() })
      .where('name', '=', name)
      .execute()
  }

  /** Call register(ctx). If it throws, everything it registered is removed and the plugin is disabled. */
  async register(f: FoundPlugin): Promise<boolean> {
    const def = f.definition!
    const name = def.manifest.name
    const { ctx, routes, settings, uploads, primaryOnly } = this.context(def, f.dir)
    try {
      if (def.manifest.hooks) this.deps.hooks.declare(def.manifest.hooks, name)
      const result = def.register(ctx) as unknown
      if (result instanceof Promise) throw new Error('register() must not be async: register routes and hooks only, and do I/O in them')
    } catch (err) {
      this.unregister(name)
      await this.fail(name, `register() threw: ${message(err)}`, true)
      return false
    }
    try {
      this.checkRoutes(def, routes, uploads, primaryOnly)
    } catch (err) {
      this.unregister(name)
      await this.fail(name, `refused: ${message(err)}`, true)
      return false
    }
    this.loaded.set(name, { definition: def, dir: f.dir, routes, settings, uploads, primaryOnly })
    if (!this.deps.readonly) await this.deps.db.updateTable('plugins').set({ error: null }).where('name', '=', name).execute()
    this.deps.log.info({ plugin: name, version: def.manifest.version }, `plugin ${name} loaded`)
    return true
  }

  /**
   * A plugin's routes stay under its prefixes (prefixesOf), and no two loaded plugins claim overlapping ones: the
   * later one is refused, naming both. Checked after register(), on the routes Hono lists.
   */
  private checkRoutes(def: PluginDefinition, routes: Hono<AppEnv>, uploads: Record<string, number>, primaryOnly: readonly string[]): void {
    const name = def.manifest.name
    const prefixes = prefixesOf(name, def.manifest.routePrefixes)
    const declared = [...Object.keys(uploads).map((path) => ({ method: 'POST', path })), ...primaryOnly.map((path) => ({ method: 'GET', path }))]
    const outside = routesOutside([...routes.routes, ...declared], prefixes)
    if (outside.length) throw new Error(`its routes must stay under its prefixes (${prefixes.join(', ')}; declare others in manifest.routePrefixes), but it mounts ${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ` and ${outside.length - 3} more` : ''}`)
    for (const [other, plugin] of this.loaded) {
      if (other === name) continue
      for (const mine of prefixes) {
        const theirs = prefixesOf(other, plugin.definition.manifest.routePrefixes).find((p) => overlap(p, mine))
        if (theirs) throw new Error(`plugins ${other} and ${name} both claim ${theirs === mine ? mine : `${theirs} and ${mine}`}; disable one of them`)
      }
    }
  }

  /** Remove everything a plugin registered in this process. */
  unregister(name: string): void {
    this.deps.closers.removeOwner(name)
    this.deps.notifications.removeOwner(name)
    this.deps.hooks.removeOwner(name)
    this.deps.ui.removeOwner(name)
    this.deps.admin.removeOwner(name)
    this.deps.moderation.removeKinds(`${name}.`)
    this.deps.scheduler.removeOwner(name)
    this.deps.queue.undefine(`${name}:`)
    this.deps.realtime.removeOwner(name)
    this.deps.moderation.removeOwner(name)
    this.loaded.delete(name)
  }

  private context(def: PluginDefinition, dir: string): { ctx: PluginContext; routes: Hono<AppEnv>; settings: ReturnType<typeof pluginSettingsStore>; uploads: Record<string, number>; primaryOnly: string[] } {
    const uploads: Record<string, number> = {}
    const primaryOnly: string[] = []
    const { hooks, ui, scheduler, realtime, users, posts, social, safety, media, notifications, moderation, render, db } = this.deps
    const scopes = createScopesService(db)
    const name = def.manifest.name
    const routes = new Hono<AppEnv>()
    const settings = pluginSettingsStore(this.deps.settings, name, def.manifest.settings ?? {})
    const ctx: PluginContext = {
      // Lifecycle: close functions, and which other plugins are loaded (for optional dependencies).
      onClose: (fn, options) => this.deps.closers.add(name, fn, options),
      plugins: { enabled: (other) => this.loaded.has(other) || other === name },
      name,
      manifest: def.manifest,
      log: this.deps.log.child({ plugin: name }),
      db,
      routes,
      hooks: {
        on: (hook: HookName, handler: any, options?: { priority?: number; optional?: boolean }) => {
          // An optional listener to a hook nobody declared (its plugin is off) does nothing.
          if (options?.optional && !hooks.declaredBy(hook)) return
          hooks.on(hook, handler, options, name)
        },
        emit: (hook, payload) => {
          // A plugin fires only the hooks it declared; core's are fired by core after its own changes.
          if (hooks.declaredBy(hook) !== name) throw new Error(`Plugin ${name} may only emit hooks it declares; "${hook}" belongs to ${hooks.declaredBy(hook) ?? 'nobody'}.`)
          return hooks.emit(hook, payload)
        },
        apply: (hook, value, context) => hooks.apply(hook, value, context),
      },
      ui: {
        nav: (item) => ui.addNav({ audience: 'members', order: 50, ...item, owner: name }),
        slot: (slot, renderFn, options) => ui.addSlot(slot, name, renderFn, options?.order),
        profileTab: (tab) => ui.addProfileTab(name, tab),
        settingsPanel: (panel) => ui.addSettingsPanel(name, panel),
        card: (kind, resolve) => ui.addCard(name, kind, resolve),
      },
      admin: {
        section: (section) => this.deps.admin.addSection(name, section),
        metric: (metric) => this.deps.admin.addMetric(name, metric),
        tile: (tile) => this.deps.admin.addTile(name, tile),
        page: (c, options, body) => this.deps.admin.page(c, options, body),
      },
      jobs: pluginJobs(name, scheduler, this.deps.queue),
      settings: settings as PluginContext['settings'],
      assets: (folder) => {
        const root = resolve(dir, folder)
        if (!root.startsWith(dir + sep)) throw new Error('assets() takes a folder inside the plugin')
        routes.get(`/plugins/${name}/*`, serveFolder(root, `/plugins/${name}/`))
      },
      dataDir: join(this.deps.dataDir, 'plugins', name),
      processes: { spawn: (command, args, options) => spawnBound(command, args, options), ffmpeg: () => ffmpegPath() },
      realtime: {
        channel: (channel, handlers) => {
          realtime.addChannel(name, channel, handlers)
        },
        publish: (userId, event, data) => realtime.publish(userId, `${name}:${event}`, data),
        isOnline: (userId) => realtime.isOnline(userId),
        topic: (topic, definition) => realtime.addTopic(name, topic, definition),
      },
      core: {
        users: { find: (idOrUsername) => users.find(idOrUsername), verified: (ids) => this.deps.verification.verifiedIds(ids) },
        posts: {
          create: async (authorId, input, options) => {
            if (options?.scope && !options.scope.startsWith(`${name}:`)) throw new AppError(400, 'VALIDATION_FAILED', `Plugin ${name} posts only into its own "${name}:*" scopes.`)
            return posts.create(authorId, input, options)
          },
          inScope: async (viewerId, scope, options) => {
            if (!scope.startsWith(`${name}:`)) throw new AppError(400, 'VALIDATION_FAILED', `Plugin ${name} lists only its own "${name}:*" scopes.`)
            return posts.inScope(viewerId, scope, options)
          },
          get: (viewerId, id) => posts.get(viewerId, id),
          visible: (viewerId, id) => posts.visibleRow(viewerId, id),
          timeline: (viewerId, authorId, options) => posts.timeline(viewerId, authorId, options),
          remove: (actor, id) => posts.remove(actor, id),
          removeInScope: async (actor, id, scope) => {
            if (!scope.startsWith(`${name}:`)) throw new AppError(400, 'VALIDATION_FAILED', `Plugin ${name} removes posts only from its own "${name}:*" scopes.`)
            return posts.removeInScope(actor, id, scope)
          },
        },
        social: {
          profile: (viewerId, who) => social.profile(viewerId, who),
          isFollowing: (a, b) => social.isFollowing(a, b),
          follow: (a, who) => social.follow(a, who),
          unfollow: (a, who) => social.unfollow(a, who),
          block: (a, who) => safety.block(a, who),
          blockedEitherWay: (a, b) => safety.blockedEitherWay(a, b),
          blockedIds: (id) => safety.blockedIds(id),
          canMessage: (a, b) => safety.canMessage(a, b),
          avatars: (viewerId, ids) => social.avatars(viewerId, ids),
          privacy: async (id) => {
            const p = await safety.privacy(id)
            return { who_can_message: p.who_can_message, show_last_seen: p.show_last_seen }
          },
        },
        media: {
          upload: (ownerId, file) => media.upload(ownerId, file),
          uploadStream: (ownerId, source) => media.uploadStream(ownerId, source),
          info: async (id) => {
            const row = await media.get(id)
            return row ? media.info(row) : null
          },
          grant: async (id, viewerId, seconds) => {
            const row = await media.get(id)
            return row ? media.grant(row, viewerId, seconds) : null
          },
          remove: (id) => media.remove(id),
          ffmpeg: (args, options) => media.ffmpeg(args, options),
        },
        files: media.files(name),
        notifications: notifications.forPlugin(name),
        scopes: {
          define: (id, options) => scopes.define(name, id, options),
          setMember: async (id, userId, member) => {
            if (!id.startsWith(`${name}:`)) throw new AppError(400, 'VALIDATION_FAILED', `Plugin ${name} changes only its own scopes.`)
            await scopes.setMember(id, userId, member)
          },
          isMember: (id, userId) => scopes.isMember(id, userId),
          remove: async (id) => {
            if (!id.startsWith(`${name}:`)) throw new AppError(400, 'VALIDATION_FAILED', `Plugin ${name} removes only its own scopes.`)
            await scopes.remove(id)
          },
        },
        limits: pluginLimits(this.deps.limiter, name),
        ledger: pluginLedger(this.deps.ledger, name),
        categories: {
          list: () => listCategories(this.deps.db),
          idFor: (slug) => categoryIdFor(this.deps.db, slug),
          byIds: (ids) => categoriesByIds(this.deps.db, ids),
          interestsOf: (userId) => interestSlugs(this.deps.db, userId),
        },
        policy: {
          enforce: (input) => this.policyFor(name).enforce(input),
          flagSaved: (verdict, input, target) => this.policyFor(name).flagSaved(verdict, input, target),
        },
        audit: (entry, options) => audit((options?.db as Db | undefined) ?? this.deps.db, { ...entry, action: `${name}.${entry.action}` }),
        cluster: {
          isPrimary: () => !this.deps.replication?.enabled || this.deps.replication.role.role === 'primary',
          relayToPrimary: (socket, port) => (this.deps.replication ? relayTcpToPrimary(this.deps.replication, socket, port) : false),
        },
        rtc: {
          iceServers: async (userId) => {
            const core = this.deps.settings
            const [stun, turn, secret, minutes] = await Promise.all([core.get('rtc.stun_urls'), core.get('rtc.turn_urls'), core.get('rtc.turn_secret'), core.get('rtc.turn_ttl_minutes')])
            return iceServersFor({ stun, turn, secret, ttlSeconds: minutes * 60 }, userId)
          },
          checkSignal,
          problems: async () => {
            const core = this.deps.settings
            return iceProblems({ stun: await core.get('rtc.stun_urls'), turn: await core.get('rtc.turn_urls'), secret: await core.get('rtc.turn_secret') })
          },
        },
        cards: { resolve: (viewer, kind, ref) => ui.resolveCard(viewer, kind, ref), has: (kind) => ui.hasCard(kind) },
        reports: {
          file: async (input) => {
            if (!['post', 'comment', 'user'].includes(input.targetType) && !input.targetType.startsWith(`${name}.`)) {
              throw new AppError(400, 'VALIDATION_FAILED', `Plugin ${name} files reports about posts, comments, members, or its own "${name}.*" types.`)
            }
            return moderation.file(input)
          },
          kind: (kind, definition) => {
            if (!/^[a-z0-9_-]+$/.test(kind)) throw new Error(`Report kind "${kind}" must be lowercase letters, digits, dashes and underscores.`)
            moderation.addKind(`${name}.${kind}`, definition)
          },
          remover: (type, remove) => {
            if (!type.startsWith(`${name}.`)) throw new Error(`Plugin ${name} may teach the queue to remove only its own "${name}.*" types, not "${type}".`)
            moderation.addRemover(type, remove)
          },
        },
      },
      http: {
        viewer: (c) => c.get('viewer'),
        requireMember,
        requireRole,
        page: (c, options, body: ComponentChildren) => render.page(c, options, body),
        fragment: (c, node, status) => render.partial(c, node, status),
        json: (c, data, status) => ok(c, data, status),
        csrfToken: (c) => c.get('csrfToken'),
        flash,
        guidelines: async (c, options = {}) => {
          const viewer = c.get('viewer')
          if (!viewer) return null
          const path = options.next ?? (c.req.method === 'GET' ? c.req.path : '/')
          return (await ui.renderSlot('form.guidelines', { viewer, csrfToken: c.get('csrfToken'), path, kind: options.kind ?? 'post' }))[0] ?? null
        },
        jsonBody: (c, options) => jsonBody(c, options),
        form: (c) => formFields(c),
        acceptFiles: (path, options) => {
          if (!/^\/[a-z0-9/:_-]*$/.test(path) || !Number.isInteger(options.files) || options.files < 1 || options.files > POST_FILES_MAX) {
            throw new Error(`acceptFiles("${path}", { files: ${options.files} }): give a route path like "/${name}/:id/photos" and from 1 to ${POST_FILES_MAX} files`)
          }
          uploads[path] = options.files
        },
        primaryOnly: (path) => {
          if (!/^\/[a-z0-9/:_.~-]*[a-z0-9_.~-](\/\*)?$/.test(path) || path.includes('//')) {
            throw new Error(`primaryOnly("${path}"): give a route path like "/${name}/:id/files/*" (\`:name\` for one segment, a trailing \`/*\` for everything below)`)
          }
          primaryOnly.push(path)
        },
        streamForm: (c, onFile, fields) => streamForm(c, onFile, fields),
        id: (c, param) => idParam(c, param),
        limit: (c, options) => parseLimit(c.req.query('limit'), options?.fallback, options?.max),
        paginated: (c, page) => paginated(c, page),
        error: (status, code, msg, details) => new AppError(status, code, msg, details),
      },
    }
    return { ctx, routes, settings, uploads, primaryOnly }
  }
}
