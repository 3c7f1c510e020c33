// Relaying a connection as it is: a worker thread hands the main thread its sockets (core/workers), a LiteFS replica
// hands the primary its members' sockets (core/replication). Plain TCP, the request head written again.
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/** Header carrying `SECRET ADDRESS` from a worker to the main thread; trusted only with the process's secret. */
export const PEER_HEADER = 'x-hearth-peer'

/**
 * Relay a WebSocket upgrade to `upstream` (a thread's or another node's listener): the request head is written again
 * without the headers in `drop` and with `add`, once `upstream` emits `ready`, then both sockets are piped. `answer`
 * adds headers to the upstream's answer (a worker names itself to tests, as its HTTP answers do).
 */
export function relayUpgrade(
  upstream: Socket,
  ready: 'connect' | 'secureConnect',
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  add: Record<string, string>,
  drop: ReadonlySet<string>,
  answer: Record<string, string> = {},
): void {
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
    socket.pipe(upstream)
    const extra = Object.entries(answer).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    if (!extra) {
      upstream.pipe(socket)
      return
    }
    // The extra headers go right after the answer's status line; the rest passes as it is.
    let start = Buffer.alloc(0)
    const statusLine = (chunk: Buffer) => {
      start = Buffer.concat([start, chunk])
      const eol = start.indexOf('\r\n')
      if (eol < 0) return
      upstream.off('data', statusLine)
      upstream.pause()
      socket.write(Buffer.concat([start.subarray(0, eol + 2), Buffer.from(extra), start.subarray(eol + 2)]))
      upstream.pipe(socket)
    }
    upstream.on('data', statusLine)
  })
}

/** A request the main thread got from a worker, with the client's address (set by core/workers/main.ts). */
export type PeerRequest = IncomingMessage & { hearthPeer?: string }
