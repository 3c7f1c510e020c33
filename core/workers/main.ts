// The main thread's side of a server on several threads: what it shares with the HTTP worker threads, and its
// internal listener, where they hand it sockets and the paths it keeps (decision 051).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { WebSocketServer } from 'ws'
import type { Hearth, ThreadWiring } from '../app.js'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { relaySocketsToPrimary, type SocketRelayOptions } from '../replication/sockets.js'
import { jobsChannel, presenceOwner, ThreadBus } from './channels.js'
import { startWorkerPool, type WorkerPool } from './pool.js'
import { PEER_HEADER, type PeerRequest } from '../http/relay.js'
import { sharedBucketsMemory, SharedBuckets, type SharedBucketsMemory } from './shared-buckets.js'

/** The main thread's wiring: handed to createHearth, then to startServer. */
export interface MainThreadWiring extends ThreadWiring {
  token: string
  secret: string
  memory: SharedBucketsMemory
  /** Answer the workers' presence questions from this hub (called once the instance exists). */
  bind(h: Pick<Hearth, 'realtime'>): void
  close(): void
}

/**
 * Shared memory for rate limits, the realtime bus between threads and the presence the workers mirror.
 * @example const thread = mainThreadWiring(); const h = await createHearth({ config, thread }); await startServer(h, { thread })
 */
export function mainThreadWiring(): MainThreadWiring {
  const token = randomBytes(8).toString('hex')
  const memory = sharedBucketsMemory()
  const bus = new ThreadBus(token)
  let online: () => number[] = () => []
  const presence = presenceOwner(token, () => online())
  return {
    token,
    secret: randomBytes(24).toString('base64url'),
    memory,
    bus,
    presence,
    buckets: new SharedBuckets(memory),
    bind: (h) => {
      online = () => h.realtime.onlineMembers()
    },
    close: () => {
      bus.close()
      presence.close()
    },
  }
}

/** Whether a header value is `SECRET ADDRESS` with this process's secret; the address when it is. */
function peerOf(value: unknown, secret: Buffer): string | null {
  if (typeof value !== 'string') return null
  const space = value.indexOf(' ')
  if (space < 0) return null
  const given = Buffer.from(value.slice(0, space))
  return given.length === secret.length && timingSafeEqual(given, secret) ? value.slice(space + 1) : null
}

export interface Threads {
  pool: WorkerPool
  stop(): Promise<void>
}

/**
 * The internal listener (loopback, a port of its own) serving the whole app with the realtime sockets, then the
 * worker threads on the public port. `reserve` holds the public port (and picks it when 0) until they listen.
 */
export async function startThreads(
  h: Hearth,
  wiring: MainThreadWiring,
  options: { wss: WebSocketServer; relay: SocketRelayOptions; config: Config; log: Logger; reserve: { port: number; close(): Promise<void> }; host: string; serverOptions: object },
): Promise<Threads> {
  const { wss, log } = options
  wiring.bind(h)
  const secret = Buffer.from(wiring.secret)
  const internal = createAdaptorServer({ fetch: h.app.fetch, websocket: { server: wss }, serverOptions: options.serverOptions }) as Server
  // Before the address is marked (prepended below), so a socket relayed to a LiteFS primary keeps the client's address.
  const relay = relaySocketsToPrimary(internal, options.relay)
  const mark = (req: PeerRequest) => {
    const peer = peerOf(req.headers[PEER_HEADER], secret)
    if (peer !== null) req.hearthPeer = peer
  }
  internal.prependListener('request', mark)
  internal.prependListener('upgrade', mark)
  await new Promise<void>((resolve, reject) => {
    internal.once('error', reject)
    internal.listen(0, '127.0.0.1', () => resolve())
  })
  const jobs = jobsChannel(wiring.token)
  // A job enqueued in a worker's transaction may be looked for before it commits: a second look shortly after.
  jobs.onNotify(() => {
    h.queue.wake()
    setTimeout(() => h.queue.wake(), 100).unref()
  })
  let pool: WorkerPool
  try {
    pool = await startWorkerPool({
      config: options.config,
      log,
      port: options.reserve.port,
      host: options.host,
      token: wiring.token,
      main: { port: (internal.address() as AddressInfo).port, secret: wiring.secret },
      buckets: wiring.memory,
    })
  } catch (err) {
    jobs.close()
    relay.close()
    internal.close()
    throw err
  } finally {
    await options.reserve.close()
  }
  return {
    pool,
    async stop() {
      await pool.stop()
      jobs.close()
      relay.close()
      if ('closeAllConnections' in internal) internal.closeAllConnections()
      await new Promise<void>((resolve) => internal.close(() => resolve()))
      wiring.close()
    },
  }
}
