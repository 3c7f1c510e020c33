// How a worker thread hands the main thread what only it can serve: WebSocket upgrades and the paths whose state
// lives in its memory. Both go over loopback to the main thread's internal listener, with the client's address.
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { PEER_HEADER, relayUpgrade } from '../http/relay.js'


/** Hop-by-hop headers, which concern one connection and are not passed along. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', PEER_HEADER])

export interface MainThread {
  port: number
  secret: string
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

/** A WebSocket upgrade passed to the main thread byte for byte, with the client's address; `answer` adds to its answer. */
export function proxyUpgrade(main: MainThread, answer: Record<string, string> = {}) {
  const drop = new Set([PEER_HEADER])
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    relayUpgrade(connect(main.port, '127.0.0.1'), 'connect', req, socket, head, { [PEER_HEADER]: `${main.secret} ${(socket as Socket).remoteAddress ?? ''}` }, drop, answer)
}
