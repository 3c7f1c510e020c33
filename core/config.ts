// Where an instance keeps its data and how it listens: flags, then environment, then defaults.
import { availableParallelism, hostname, totalmem } from 'node:os'
import { join, resolve } from 'node:path'

export interface Config {
  /** Folder holding the database and media. Default ./data, or HEARTH_DATA. */
  dataDir: string
  dbFile: string
  mediaDir: string
  port: number
  host: string
  /** Extra plugin folders to scan besides ./plugins (HEARTH_PLUGINS_DIRS, colon-separated). */
  pluginDirs: string[]
  /** Extra theme folders to scan besides ./themes (HEARTH_THEMES_DIRS, colon-separated). */
  themeDirs: string[]
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy (HEARTH_TRUST_PROXY=1). */
  trustProxy: boolean
  /** Public URL when known (HEARTH_PUBLIC_URL); used in setup links and absolute links. */
  publicUrl: string | null
  logLevel: string
  logFile: string | null
  /** SQLite's page cache of the server's connection, in MB (HEARTH_DB_CACHE_MB, default 256). */
  dbCacheMb: number
  /** How long the server waits on a client, in seconds (docs/operators.md, "Timeouts"). */
  timeouts: HttpTimeouts
  /**
   * Threads serving HTTP (HEARTH_WORKERS: a number, or `auto` for one per core that memory allows; default 1 here,
   * `auto` for `hearth start`). 1 is the single thread of old; more starts that many worker threads sharing the port,
   * the main thread keeping jobs and sockets (decisions 051, 061).
   */
  workers: number
  /** Replicas with LiteFS (HEARTH_LITEFS_DIR and friends): off on a single node. */
  replication: ReplicationConfig
}

/** The most HTTP worker threads: each holds its own copy of the app and its database connections. */
export const MAX_WORKERS = 64
/**
 * Memory `auto` gives each thread: a worker's copy of the app is about 150 MB at rest (measured: 249 MB idle with one
 * thread, 547 MB with two) and its page cache grows to HEARTH_DB_CACHE_MB under load, so a small machine keeps one.
 */
export const AUTO_BYTES_PER_THREAD = 2 * 1024 ** 3

/** `auto`: one thread per core, as many as the machine's memory gives room for (AUTO_BYTES_PER_THREAD each), at least one. */
export function autoWorkers(cores: number, memoryBytes: number): number {
  return Math.max(1, Math.min(cores, Math.floor(memoryBytes / AUTO_BYTES_PER_THREAD), MAX_WORKERS))
}

function resolveWorkers(raw: number | string | undefined): number {
  if (raw === undefined || raw === '') return 1
  if (raw === 'auto') return autoWorkers(availableParallelism(), totalmem())
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new Error(`HEARTH_WORKERS must be "auto" or a whole number from 1 to ${MAX_WORKERS}, not "${raw}".`)
  return n
}

export interface HttpTimeouts {
  /** To receive a request's headers (HEARTH_HEADERS_TIMEOUT, default 10): slow-header clients are cut off. */
  headers: number
  /** To receive a whole request, body included (HEARTH_REQUEST_TIMEOUT, default 600: a large video on a slow link). */
  request: number
  /** An idle kept-alive connection stays open (HEARTH_KEEPALIVE_TIMEOUT, default 5). */
  keepAlive: number
  /** A socket with no traffic either way is closed (HEARTH_IDLE_TIMEOUT, default 60). */
  idle: number
}

const TIMEOUT_DEFAULTS: HttpTimeouts = { headers: 10, request: 600, keepAlive: 5, idle: 60 }
const TIMEOUT_ENV: Record<keyof HttpTimeouts, string> = { headers: 'HEARTH_HEADERS_TIMEOUT', request: 'HEARTH_REQUEST_TIMEOUT', keepAlive: 'HEARTH_KEEPALIVE_TIMEOUT', idle: 'HEARTH_IDLE_TIMEOUT' }

function resolveTimeouts(input: Partial<HttpTimeouts>, env: NodeJS.ProcessEnv): HttpTimeouts {
  const out = { ...TIMEOUT_DEFAULTS }
  for (const key of Object.keys(TIMEOUT_DEFAULTS) as (keyof HttpTimeouts)[]) {
    const raw = input[key] ?? env[TIMEOUT_ENV[key]]
    if (raw === undefined || raw === '') continue
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > 86400) throw new Error(`${TIMEOUT_ENV[key]} must be a whole number of seconds from 1 to 86400, not "${raw}".`)
    out[key] = n
  }
  if (out.headers > out.request) throw new Error(`HEARTH_HEADERS_TIMEOUT (${out.headers} s) must not be longer than HEARTH_REQUEST_TIMEOUT (${out.request} s).`)
  return out
}

export interface ConfigInput {
  dataDir?: string
  port?: number | string
  host?: string
  pluginDirs?: string[]
  themeDirs?: string[]
  trustProxy?: boolean
  logLevel?: string
  logFile?: string | null
  dbCacheMb?: number | string
  timeouts?: Partial<HttpTimeouts>
  workers?: number | string
}

export function resolveConfig(input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(input.dataDir ?? env.HEARTH_DATA ?? 'data')
  const rawPort = input.port ?? env.HEARTH_PORT ?? env.PORT ?? 3000
  const port = Number(rawPort)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`The port must be a whole number from 0 to 65535, not "${rawPort}".`)
  }
  const rawCache = input.dbCacheMb ?? env.HEARTH_DB_CACHE_MB ?? 256
  const dbCacheMb = Number(rawCache)
  if (!Number.isInteger(dbCacheMb) || dbCacheMb < 2 || dbCacheMb > 65536) {
    throw new Error(`HEARTH_DB_CACHE_MB must be a whole number of megabytes from 2 to 65536, not "${rawCache}".`)
  }
  const dirs = input.pluginDirs ?? (env.HEARTH_PLUGINS_DIRS ? env.HEARTH_PLUGINS_DIRS.split(':').filter(Boolean) : [])
  const themeDirs = input.themeDirs ?? (env.HEARTH_THEMES_DIRS ? env.HEARTH_THEMES_DIRS.split(':').filter(Boolean) : [])
  const replication = replicationConfig(env)
  return {
    dataDir,
    // Under LiteFS the database lives at the root of its mount; media stays in the data folder.
    dbFile: join(replication.mount ?? dataDir, 'hearth.db'),
    mediaDir: join(dataDir, 'media'),
    port,
    host: input.host ?? env.HEARTH_HOST ?? '0.0.0.0',
    pluginDirs: dirs.map((d) => resolve(d)),
    themeDirs: themeDirs.map((d) => resolve(d)),
    trustProxy: input.trustProxy ?? env.HEARTH_TRUST_PROXY === '1',
    publicUrl: env.HEARTH_PUBLIC_URL?.replace(/\/$/, '') ?? null,
    logLevel: input.logLevel ?? env.HEARTH_LOG_LEVEL ?? 'info',
    logFile: input.logFile ?? env.HEARTH_LOG_FILE ?? null,
    dbCacheMb,
    timeouts: resolveTimeouts(input.timeouts ?? {}, env),
    workers: resolveWorkers(input.workers ?? env.HEARTH_WORKERS),
    replication,
  }
}

/** Replicas with LiteFS (docs/operators.md, "Replicas with LiteFS"; core/replication reads the role and routes). */
export interface ReplicationConfig {
  /** LiteFS's FUSE mount (HEARTH_LITEFS_DIR); null on a single node. The database is `hearth.db` in it. */
  mount: string | null
  /** The primary's hostname (as `.primary` names it) to the URL it answers on inside the network (HEARTH_PRIMARY_URLS). */
  primaryUrls: Map<string, string>
  /** This node's name for the loop guard and the logs (HEARTH_NODE_NAME, default the hostname). */
  nodeName: string
  /** Whether this node may hold the lease (HEARTH_LITEFS_CANDIDATE, default 1): if not, no `.primary` means "unknown". */
  candidate: boolean
  /** On Fly.io (FLY_APP_NAME): a write with no URL for the primary is answered with `fly-replay`. */
  fly: boolean
  /**
   * The media folder is storage every node shares (HEARTH_MEDIA_SHARED=1). Otherwise a replica fetches a file it lacks
   * from the primary on first use and keeps it (core/replication/media.ts).
   */
  mediaShared: boolean
  /**
   * Anyone may read `/healthz`'s replication details (HEARTH_HEALTHZ_PUBLIC=1). By default only this machine, the
   * internal network and the other nodes do (core/replication/health.ts); the public sees the role.
   */
  healthzPublic: boolean
}

export function replicationConfig(env: NodeJS.ProcessEnv): ReplicationConfig {
  const primaryUrls = new Map<string, string>()
  for (const pair of (env.HEARTH_PRIMARY_URLS ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=')
    const url = at > 0 ? pair.slice(at + 1).trim().replace(/\/$/, '') : ''
    if (at <= 0 || !/^https?:\/\/[^/\s]+$/.test(url)) throw new Error(`HEARTH_PRIMARY_URLS takes host=http://address:port pairs separated by commas, not "${pair}".`)
    primaryUrls.set(pair.slice(0, at).trim(), url)
  }
  const candidate = env.HEARTH_LITEFS_CANDIDATE ?? '1'
  if (candidate !== '1' && candidate !== '0') throw new Error(`HEARTH_LITEFS_CANDIDATE must be 1 or 0, not "${candidate}".`)
  const shared = env.HEARTH_MEDIA_SHARED || '0'
  if (shared !== '1' && shared !== '0') throw new Error(`HEARTH_MEDIA_SHARED must be 1 or 0, not "${shared}".`)
  const healthz = env.HEARTH_HEALTHZ_PUBLIC || '0'
  if (healthz !== '1' && healthz !== '0') throw new Error(`HEARTH_HEALTHZ_PUBLIC must be 1 or 0, not "${healthz}".`)
  return { mount: env.HEARTH_LITEFS_DIR || null, primaryUrls, nodeName: env.HEARTH_NODE_NAME || hostname(), candidate: candidate === '1', fly: !!env.FLY_APP_NAME, mediaShared: shared === '1', healthzPublic: healthz === '1' }
}
