// One HTTP worker thread: its own Hearth instance (its own database connections), listening on the shared port with
// reusePort. The main thread keeps the sockets, the jobs and the plugins whose state lives in memory (decision 051).
import { Agent, createServer } from 'node:http'
import { parentPort, threadId, workerData } from 'node:worker_threads'
import { getRequestListener } from '@hono/node-server'
import { createHearth } from '../app.js'
import type { Config } from '../config.js'
import { createLogger } from '../logger.js'
import { jobsChannel, presenceMirror, ThreadBus } from './channels.js'
import { proxyRequest, proxyUpgrade } from './proxy.js'
import { SharedBuckets, type SharedBucketsMemory } from './shared-buckets.js'
import { mainThreadPaths, pinnedPath } from '../plugins/pinned.js'

export interface HttpThreadData {
  config: Config
  port: number
  host: string
  token: string
  main: { port: number; secret: string }
  buckets: SharedBucketsMemory
  /** Answer each response with `x-hearth-thread` (tests tell the threads apart by it). */
  threadHeader: boolean
}

const data = workerData as HttpThreadData
const parent = parentPort!
const log = createLogger({ level: data.config.logLevel, destination: data.config.logFile ?? undefined }).child({ thread: threadId })
const bus = new ThreadBus(data.token)
const presence = presenceMirror(data.token)
const jobs = jobsChannel(data.token)
const h = await createHearth({ config: data.config, log, thread: { bus, presence, buckets: new SharedBuckets(data.buckets), onEnqueued: () => jobs.notify() } })

const pinned = pinnedPath(mainThreadPaths(h))
const GRANT = /[?&]grant=/
const agent = new Agent({ keepAlive: true })
const toMain = proxyRequest(data.main, agent)
const hono = getRequestListener(h.app.fetch)
const t = data.config.timeouts
const server = createServer(
  { headersTimeout: t.headers * 1000, requestTimeout: t.request * 1000, keepAliveTimeout: t.keepAlive * 1000, connectionsCheckingInterval: 1000 },
  (req, res) => {
    // Writes go to the main thread, where every plugin's in-memory state and every socket is: SQLite serialises them
    // anyway, and what a write's hooks touch in memory stays whole (a worker serves reads, as a replica will).
    // A one-time media grant (?grant=, a view-once story's file) lives in the memory of the thread that gave it: main.
    const main = (req.method !== 'GET' && req.method !== 'HEAD') || pinned(req.url ?? '/') || GRANT.test(req.url ?? '')
    if (data.threadHeader) res.setHeader('x-hearth-thread', main ? 'main' : String(threadId))
    if (main) toMain(req, res)
    else void hono(req, res)
  },
)
server.setTimeout(t.idle * 1000)
// Every WebSocket belongs to the main thread, which holds the realtime hub's sockets and the topics' state. The
// thread header names the worker that relayed it (the thread a socket dies with when its worker does).
server.on('upgrade', proxyUpgrade(data.main, data.threadHeader ? { 'x-hearth-thread': String(threadId) } : {}))
await new Promise<void>((resolve, reject) => {
  server.once('error', reject)
  server.listen({ port: data.port, host: data.host, reusePort: true }, () => resolve())
})

// The scheduler runs on the main thread only; each worker adds its own requests to the usage charts (the counts add up).
const usage = setInterval(() => {
  if (h.replication.state().role === 'replica') return // a LiteFS replica counts nothing it could not write
  void h.usage.flush(h.db).catch((err) => log.warn({ err }, 'the usage counts could not be written'))
}, 60_000)
usage.unref()
// Under LiteFS each thread follows the role itself: its connection's query_only and its routing of writes.
h.replication.start()

let stopping = false
parent.on('message', (m: unknown) => {
  if (m !== 'stop' || stopping) return
  stopping = true
  void (async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    agent.destroy()
    h.replication.stop()
    await h.close()
    bus.close()
    presence.close()
    jobs.close()
    parent.postMessage('stopped')
    parent.close()
  })()
})
parent.postMessage('ready')
