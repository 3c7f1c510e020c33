// The replication tests' stand-in for LiteFS: real Hearth servers on loopback, each with a folder playing LiteFS's
// mount. The tests write `.primary` and `-pos` there as LiteFS would, and copy the primary's database into a replica's
// with SQLite's backup API where LiteFS would stream it. What this cannot prove: FUSE, LiteFS's own streaming and its
// lease handoff, and Fly's replay (each needs LiteFS itself, which cannot be installed here).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHearth, type Hearth } from '../core/app.js'
import { resolveConfig } from '../core/config.js'
import { createLogger } from '../core/logger.js'
import { startServer, type RunningServer } from '../core/server.js'
import { mainThreadWiring } from '../core/workers/main.js'

/** What to say in a test's output: what loopback cannot show. */
export const NOT_PROVEN = 'not proven here (LiteFS cannot be installed): FUSE, LiteFS’s streaming and lease handoff, Fly’s replay'

export interface LoopbackNode {
  name: string
  h: Hearth
  server: RunningServer
  mount: string
  url: string
}

/** A `-pos` file's text for a transaction id, as LiteFS writes it. */
export const pos = (txid: number) => `${txid.toString(16).padStart(16, '0')}/${'0'.repeat(15)}1\n`

/** A node's folders under `root`: the mount made now, the server started by `bootNode`. */
export function loopbackNode(root: string, name: string): LoopbackNode {
  const mount = join(root, name, 'litefs')
  mkdirSync(mount, { recursive: true })
  return { name, mount } as LoopbackNode
}

/**
 * Start Hearth for a node, its data folder beside its mount, with HEARTH_LITEFS_DIR and HEARTH_NODE_NAME set; `env` as
 * the operator would set it (HEARTH_PRIMARY_URLS, HEARTH_WORKERS above 1 for worker threads, decision 051), and
 * `pluginDirs` to scan besides plugins/ (which are enabled is in the database, set up on the primary).
 */
export async function bootNode(n: LoopbackNode, root: string, name: string, env: Record<string, string>, pluginDirs: string[] = []): Promise<void> {
  const config = resolveConfig({ dataDir: join(root, name, 'data'), port: 0, host: '127.0.0.1', pluginDirs, logLevel: 'silent' }, { HEARTH_LITEFS_DIR: n.mount, HEARTH_NODE_NAME: name, ...env })
  const log = createLogger({ level: 'silent' })
  const threads = config.workers > 1 ? mainThreadWiring() : undefined
  n.h = await createHearth({ config, log, thread: threads })
  n.server = await startServer(n.h, { port: 0, host: '127.0.0.1', threads })
  n.url = n.server.url
}

/** What LiteFS does after a write on the primary: the replica's copy brought up to date, at position `txid`. */
export async function replicateTo(primary: LoopbackNode, replica: LoopbackNode, txid: number): Promise<void> {
  await primary.h.store.sqlite.backup(join(replica.mount, 'hearth.db'))
  writeFileSync(join(replica.mount, 'hearth.db-pos'), pos(txid))
}

export interface CallInit {
  json?: unknown
  body?: BodyInit
  cookie?: string
  token?: string
  headers?: Record<string, string>
}

/** A request to a node as a member's client makes it (a bearer token, JSON or any body), redirects not followed. */
export function callNode(n: LoopbackNode, method: string, path: string, init: CallInit = {}): Promise<Response> {
  return fetch(`${n.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.cookie ? { cookie: init.cookie } : {}), ...init.headers },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  })
}

/** Wait until `check` holds (checked every 20 ms), failing after `ms`: tests wait for conditions, never fixed times. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}.`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The same, keeping the cluster's position: `commit` moves the primary's on, `replicate` brings a replica to it. */
export function cluster(root: string) {
  let txid = 1
  return {
    get txid() {
      return txid
    },
    /** A node's mount folder, before it boots (a database may be prepared in it). */
    node: (name: string): LoopbackNode => loopbackNode(root, name),
    boot: (n: LoopbackNode, env: Record<string, string> = {}, pluginDirs?: string[]) => bootNode(n, root, n.name, env, pluginDirs),
    /** The primary commits: its position moves on (a replica's does not until `replicate`). */
    commit(primary: LoopbackNode): void {
      txid++
      writeFileSync(join(primary.mount, 'hearth.db-pos'), pos(txid))
    },
    replicate: (primary: LoopbackNode, replica: LoopbackNode) => replicateTo(primary, replica, txid),
    /**
     * Start a primary on the database prepared in its mount, then a replica of it brought up to date, which forwards
     * to it (`replicaEnv` adds to the replica's environment; `pluginDirs` for both).
     */
    async startPair(primary: LoopbackNode, replica: LoopbackNode, options: { replicaEnv?: Record<string, string>; pluginDirs?: string[] } = {}): Promise<void> {
      await bootNode(primary, root, primary.name, {}, options.pluginDirs)
      writeFileSync(join(primary.mount, 'hearth.db-pos'), pos(txid))
      writeFileSync(join(replica.mount, '.primary'), `${primary.name}\n`)
      await replicateTo(primary, replica, txid)
      await bootNode(replica, root, replica.name, { HEARTH_PRIMARY_URLS: `${primary.name}=${primary.url}`, ...options.replicaEnv }, options.pluginDirs)
    },
  }
}
