// Starts the HTTP and WebSocket server for a Hearth instance, runs scheduled jobs, and stops cleanly.
import { rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { join } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import { WebSocketServer } from 'ws'
import type { Hearth } from './app.js'
import { childBinding } from './children.js'
import { startCheckpointer, type Checkpointer } from './db/checkpointer.js'
import { FANOUT_CHUNK } from './feed/service.js'
import { startFanoutThread, type FanoutThread } from './feed/fanout.js'
import { relaySocketsToPrimary, type SocketRelayOptions } from './replication/sockets.js'
import { startThreads, type MainThreadWiring, type Threads } from './workers/main.js'
import type { WorkerPool } from './workers/pool.js'

export interface RunningServer {
  port: number
  url: string
  /** The HTTP worker threads when serving on several (null on one). */
  threads: Pick<WorkerPool, 'threadIds' | 'end'> | null
  close(): Promise<void>
}

export const pidFile = (dataDir: string) => join(dataDir, 'hearth.pid')

/**
 * With `threads` (HEARTH_WORKERS above 1; the instance made with the same wiring), HTTP is served by that many
 * worker threads on the port, and this thread keeps the sockets, the jobs and the paths pinned to it (decision 051).
 */
export async function startServer(h: Hearth, options: { port?: number; host?: string; threads?: MainThreadWiring } = {}): Promise<RunningServer> {
  const port = options.port ?? h.config.port
  const host = options.host ?? h.config.host
  // Realtime JSON is capped at 64 KiB (the hub checks each text frame); the socket server takes frames up to the
  // largest binary cap a topic asked for (64 KiB when none did), so one socket cannot fill memory either way.
  const wss = new WebSocketServer({ noServer: true, maxPayload: h.realtime.maxFrameBytes() })
  const t = h.config.timeouts
  // Set deliberately (docs/operators.md, "Timeouts"): Node's defaults let a client that sends its headers
  // a byte at a time hold a socket for a minute, and only looked every 30 s. Checked each second here.
  const serverOptions = { headersTimeout: t.headers * 1000, requestTimeout: t.request * 1000, keepAliveTimeout: t.keepAlive * 1000, connectionsCheckingInterval: 1000 }
  // On several threads this listener only holds the port (reusePort; it picks one when asked for 0) until the
  // workers listen on it: it serves nothing, so that nothing answers before they do.
  const server: Server | NetServer = options.threads
    ? createNetServer((socket) => socket.destroy())
    : createAdaptorServer({ fetch: h.app.fetch, websocket: { server: wss }, serverOptions })
  // On a LiteFS replica, members' sockets go to the primary, which holds realtime's state (on several threads the
  // main thread's internal listener does this, core/workers/main.ts).
  const relay = options.threads ? null : relaySocketsToPrimary(server as Server, socketRelay(h))
  // A socket silent both ways this long is closed (a WebSocket clears this for itself once upgraded).
  if ('setTimeout' in server) server.setTimeout(t.idle * 1000)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use; choose another with --port.`) : err),
    )
    server.listen({ port, host, reusePort: options.threads ? true : undefined })
  })
  const actual = (server.address() as AddressInfo).port
  // What a crash left, before the job queue takes the interrupted jobs back (decision 014).
  if (!h.store.sqlite.readonly && h.primary.isPrimary()) await h.media.cleanupAfterCrash()
  const binding = childBinding()
  if (binding.how === 'none') h.log.warn(`Child processes (ffmpeg) are not bound to the server here (${binding.why}): if the server is killed with SIGKILL they keep running until they finish.`)
  // Work that writes on its own runs behind the primary-only gate (always open on a single node).
  let checkpointer: Checkpointer | null = null
  let fanout: FanoutThread | null = null
  const leavePrimary = h.primary.onPrimary(
    'background work',
    () => {
      // The threads first, so that the first jobs (those a previous run left) already hand their fan-outs over.
      checkpointer = h.store.sqlite.readonly ? null : startCheckpointer(h.store.sqlite, h.config.dbFile, h.log)
      fanout = h.store.sqlite.readonly ? null : startFanoutThread(h.config.dbFile, h.log, { cacheMb: h.config.dbCacheMb, chunk: FANOUT_CHUNK })
      if (fanout) h.feed.useThread(fanout)
      h.scheduler.start()
      h.queue.start()
    },
    async () => {
      h.scheduler.stop()
      // The queue before the fan-out thread: a fan-out job still running waits for the thread.
      await h.queue.stop()
      await checkpointer?.stop()
      h.feed.useThread(null)
      await fanout?.stop()
      checkpointer = fanout = null
    },
  )
  // Written before any worker answers: whoever sees the server answer finds the file (`hearth restore` refuses then).
  writeFileSync(pidFile(h.config.dataDir), JSON.stringify({ pid: process.pid, port: actual }))
  let threads: Threads | null = null
  if (options.threads) {
    const reserve = { port: actual, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
    try {
      threads = await startThreads(h, options.threads, { wss, relay: socketRelay(h), config: h.config, log: h.log, reserve, host, serverOptions })
    } catch (err) {
      rmSync(pidFile(h.config.dataDir), { force: true })
      await leavePrimary()
      throw err
    }
  }
  // Under LiteFS the role is read every second and the work above follows it.
  h.replication.start()
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host
  const url = h.config.publicUrl ?? `http://${shown}:${actual}`
  h.log.info({ port: actual, url, role: h.primary.role, workers: threads ? h.config.workers : 1, plugins: [...h.plugins.loaded.keys()] }, `Hearth is listening on ${url}`)
  await h.hooks.emit('action:server.started', { port: actual })

  let closed = false
  return {
    port: actual,
    url,
    threads: threads?.pool ?? null,
    async close() {
      if (closed) return
      closed = true
      // No scheduled run starts while connections close (the rest of the primary work stops after them).
      h.scheduler.stop()
      // The workers first: they hand this thread requests and sockets until they stop.
      await threads?.stop()
      h.replication.stop()
      relay?.close()
      for (const client of wss.clients) client.terminate()
      wss.close()
      if ('closeAllConnections' in server) server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(pidFile(h.config.dataDir), { force: true })
      await leavePrimary()
      await h.close()
    },
  }
}

/** What relaying a replica's sockets needs of an instance. */
export function socketRelay(h: Hearth): SocketRelayOptions {
  return { replication: h.replication, secret: () => h.settings.secret(), trustProxy: h.config.trustProxy, hub: h.realtime, log: h.log }
}
