// WebSockets on a LiteFS replica (decision 057, "Realtime across nodes"): every member socket is relayed, byte for
// byte, to the primary, which holds all of realtime's state (the hub's sockets and presence, topics and their
// handlers, random chat's matchmaker, live's ingest). The member's address crosses signed with the instance secret.
import type { IncomingMessage, Server } from 'node:http'
import { connect as connectTcp, isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { connect as connectTls } from 'node:tls'
import { clientAddress } from '../http/middleware.js'
import type { Logger } from '../logger.js'
import type { RealtimeHub } from '../realtime/hub.js'
import { PEER_HEADER, relayUpgrade, type PeerRequest } from '../http/relay.js'
import type { Replication } from './litefs.js'
import { CLIENT_HEADER, clientClaim, FORWARDED_HEADER } from './routing.js'

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** Headers a client may not send on: only this node says who the client is and that it forwarded. */
const DROP = new Set([CLIENT_HEADER, FORWARDED_HEADER, PEER_HEADER])

export interface SocketRelayOptions {
  replication: Replication
  secret: () => Promise<string>
  trustProxy: boolean
  hub: Pick<RealtimeHub, 'closeAll'>
  log: Logger
}

/** Answer an upgrade with an HTTP status and close (the page retries with its back-off). */
function refuse(socket: Duplex, status: 503, message: string): void {
  if (socket.destroyed) return
  socket.end(`HTTP/1.1 ${status} Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`)
}

/**
 * Take over `server`'s upgrades: served here while this node is the primary (or a single node), relayed to the
 * primary while it is a replica, refused with 503 while the primary is unknown. When the role or the primary
 * changes, the relayed sockets end (their pages reconnect to wherever realtime now lives), and so do the sockets
 * this node held if it stopped being the primary.
 * @example relaySocketsToPrimary(server, { replication: h.replication, secret: () => h.settings.secret(), trustProxy, hub: h.realtime, log })
 */
export function relaySocketsToPrimary(server: Server, options: SocketRelayOptions): { close(): void } {
  const { replication, log } = options
  const local = server.listeners('upgrade') as UpgradeListener[]
  server.removeAllListeners('upgrade')
  const relayed = new Set<Duplex>()
  const leave = replication.onChange((from) => {
    for (const socket of relayed) socket.destroy()
    relayed.clear()
    if (from.role === 'primary') options.hub.closeAll('This server is no longer the primary; reconnecting.')
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!replication.enabled || replication.role.role === 'primary') {
      for (const listener of local) listener.call(server, req, socket, head)
      return
    }
    // Relayed once already and the lease moved on the way: never bounced again (the loop guard of routing.ts).
    if (req.headers[FORWARDED_HEADER]) return refuse(socket, 503, 'This connection reached a node that is not the primary; try again in a moment.')
    const url = replication.primaryUrl()
    const role = replication.role
    // On Fly.io with no address for the primary: its proxy replays the upgrade on the primary's machine, as for HTTP.
    if (!url && role.role === 'replica' && replication.config.fly) return void socket.end(`HTTP/1.1 409 Conflict\r\nfly-replay: instance=${role.primary}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    if (!url) return refuse(socket, 503, 'The server that holds realtime connections cannot be reached just now; try again in a moment.')
    const target = new URL(url)
    const ip = clientAddress(req.headers['x-forwarded-for'] as string | undefined, (req as PeerRequest).hearthPeer, () => (socket as Socket).remoteAddress, options.trustProxy)
    void options
      .secret()
      .then((secret) => {
        if (socket.destroyed) return
        const tls = target.protocol === 'https:'
        const port = Number(target.port) || (tls ? 443 : 80)
        const upstream = tls ? connectTls({ host: target.hostname, port, servername: isIP(target.hostname) ? undefined : target.hostname }) : connectTcp(port, target.hostname)
        relayed.add(socket)
        socket.once('close', () => relayed.delete(socket))
        relayUpgrade(upstream, tls ? 'secureConnect' : 'connect', req, socket, head, { [FORWARDED_HEADER]: replication.config.nodeName, [CLIENT_HEADER]: clientClaim(secret, ip) }, DROP)
      })
      .catch((err) => {
        log.warn({ err }, 'replication: relaying a realtime connection to the primary failed')
        socket.destroy()
      })
  })
  return {
    close() {
      leave()
      for (const socket of relayed) socket.destroy()
      relayed.clear()
    },
  }
}

/**
 * A plugin's own TCP listener (live's RTMP ingest) on a replica: the connection is piped, as it is, to the same port
 * on the primary's host, where the state it feeds lives. True when relayed (or closed because the primary is
 * unknown: the client retries); false on the primary or a single node, which serve it themselves.
 */
export function relayTcpToPrimary(replication: Replication, socket: Socket, port: number): boolean {
  if (!replication.enabled || replication.role.role === 'primary') return false
  const url = replication.primaryUrl()
  if (!url) {
    socket.destroy()
    return true
  }
  const upstream = connectTcp(port, new URL(url).hostname)
  const end = () => {
    upstream.destroy()
    socket.destroy()
  }
  for (const s of [socket, upstream]) {
    s.on('error', end)
    s.on('close', end)
  }
  // Ends with the role, like a relayed WebSocket: the encoder reconnects and reaches the new primary.
  const leave = replication.onChange(end)
  socket.once('close', leave)
  upstream.once('connect', () => {
    upstream.setNoDelay(true)
    upstream.pipe(socket)
    socket.pipe(upstream)
  })
  return true
}
