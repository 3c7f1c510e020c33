// Nodes of a LiteFS cluster on loopback for tests: each a real server with a folder standing in for LiteFS's mount,
// where the test writes `.primary` and `-pos` as LiteFS would and copies the primary's database into a replica's with
// SQLite's backup API where LiteFS would stream it.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHearth, type Hearth } from '../app.js'
import { resolveConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { startServer, type RunningServer } from '../server.js'
import { mainThreadWiring } from '../workers/main.js'

export interface ClusterNode {
  name: string
  /** The folder standing in for LiteFS's mount: the database and `.primary` live here. */
  mount: string
  h: Hearth
  server: RunningServer
  url: string
}

/** What to say in a test's output: what loopback cannot show. */
export const NOT_PROVEN = 'not proven here (LiteFS cannot be installed): FUSE, LiteFS’s streaming and lease handoff, Fly’s replay'

/** A `-pos` file's text for a transaction id. */
export const pos = (txid: number) => `${txid.toString(16).padStart(16, '0')}/${'0'.repeat(15)}1\n`

export function cluster(root: string) {
  let txid = 1
  return {
    get txid() {
      return txid
    },
    /** A node's mount folder, before it boots (a database may be prepared in it). */
    node(name: string): ClusterNode {
      const mount = join(root, name, 'litefs')
      mkdirSync(mount, { recursive: true })
      return { name, mount } as ClusterNode
    },
    /** Start a node's real server on loopback; `env` as the operator would set it (HEARTH_PRIMARY_URLS, …). */
    async boot(n: ClusterNode, env: Record<string, string> = {}): Promise<void> {
      const config = resolveConfig({ dataDir: join(root, n.name, 'data'), port: 0, host: '127.0.0.1', pluginDirs: [], logLevel: 'silent' }, { HEARTH_LITEFS_DIR: n.mount, HEARTH_NODE_NAME: n.name, ...env })
      // HEARTH_WORKERS above 1: HTTP on worker threads, sockets and writes on the main thread (decision 051).
      const threads = config.workers > 1 ? mainThreadWiring() : undefined
      n.h = await createHearth({ config, log: createLogger({ level: 'silent' }), thread: threads })
      n.server = await startServer(n.h, { port: 0, host: '127.0.0.1', threads })
      n.url = n.server.url
    },
    /** The primary commits: its position moves on (a replica's does not until `replicate`). */
    commit(primary: ClusterNode): void {
      txid++
      writeFileSync(join(primary.mount, 'hearth.db-pos'), pos(txid))
    },
    /** What LiteFS does after a write on the primary: the replica's copy brought up to date, its position moved on. */
    async replicate(primary: ClusterNode, replica: ClusterNode): Promise<void> {
      await primary.h.store.sqlite.backup(join(replica.mount, 'hearth.db'))
      writeFileSync(join(replica.mount, 'hearth.db-pos'), pos(txid))
    },
  }
}
