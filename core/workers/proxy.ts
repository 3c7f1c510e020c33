// How a worker thread hands the main thread what only it can serve: WebSocket upgrades and the paths whose state
// lives in its memory. Both go over loopback to the main thread's internal listener, with the client's address.
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { under } from '../plugins/prefixes.js'

/** Header carrying `SECRET ADDRESS` from a worker to the main thread; trusted only with the process's secret. */
export const PEER_HEADER = 'x-hearth-peer'

/** Hop-by-hop headers, which concern one connection and are not passed along. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', PEER_HEADER])

export interface MainThread {
  port: number
  secret: string
}

/** Whether a request path is served by the main thread (a prefix or below it; the query is ignored). */
export function pinnedPath(prefixes: readonly string[]): (url: string) => boolean {
  return (url) => {
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    return prefixes.some((p) => under(path, p))
  }
}

/** An HTTP request passed to the main thread as it is, streamed both ways. */
export function proxyRequest(main: MainThread, agent: Agent) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const headers: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v
    headers[PEER_HEADER] = `${main.secret} ${req.socket.remoteAddress ?? ''}`
    const out = request({ host: '127.0.0.1', port: main.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      const raw: string[] = []
      for (let i = 0; i < answer.rawHeaders.length; i += 2) if (!HOP.has(answer.rawHeaders[i]!.toLowerCase())) raw.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!)
      res.writeHead(answer.statusCode ?? 502, raw)
      answer.pipe(res)
    })
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end('The server is restarting; try again in a moment.')
      else res.destroy()
    })
    req.on('aborted', () => out.destroy())
    req.pipe(out)
  }
}

/** A WebSocket upgrade passed to the main thread byte for byte, with the client's address. */
export function proxyUpgrade(main: MainThread) {
  const drop = new Set([PEER_HEADER])
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    relayUpgrade(connect(main.port, '127.0.0.1'), 'connect', req, socket, head, { [PEER_HEADER]: `${main.secret} ${(socket as Socket).remoteAddress ?? ''}` }, drop)
}

/**
 * Relay a WebSocket upgrade to `upstream` (a thread's or another node's listener): the request head is written again
 * without the headers in `drop` and with `add`, once `upstream` emits `ready`, then both sockets are piped.
 */
export function relayUpgrade(upstream: Socket, ready: 'connect' | 'secureConnect', req: IncomingMessage, socket: Duplex, head: Buffer, add: Record<string, string>, drop: ReadonlySet<string>): void {
  const lines = [`${req.method} ${req.url} HTTP/1.1`]
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (!drop.has(req.rawHeaders[i]!.toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
  for (const [k, v] of Object.entries(add)) lines.push(`${k}: ${v}`)
  const end = () => {
    upstream.destroy()
    socket.destroy()
  }
  ;(socket as Socket).setTimeout?.(0)
  socket.on('error', end)
  upstream.on('error', end)
  socket.on('close', end)
  upstream.on('close', end)
  upstream.once(ready, () => {
    upstream.setNoDelay(true)
    upstream.write(lines.join('\r\n') + '\r\n\r\n')
    if (head.length) upstream.write(head)
    upstream.pipe(socket)
    socket.pipe(upstream)
  })
}

/** A request the main thread got from a worker, with the client's address (set by core/workers/main.ts). */
export type PeerRequest = IncomingMessage & { hearthPeer?: string }
