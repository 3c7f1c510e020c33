// A member's /realtime socket for tests (or another of the server's sockets, such as Meet's): opens it over a real
// WebSocket, records every frame, and waits for the ones a test expects.
import type { IncomingHttpHeaders } from 'node:http'
import WebSocket from 'ws'

/** A JSON frame as the server sends it: core events, topic events and topic control answers. */
export interface Frame {
  event?: string
  data?: any
  topic?: string
  seq?: number
  op?: string
  code?: string
  message?: string
  reason?: string
  userId?: number
  online?: boolean
  present?: number[]
  presentCount?: number
  /** What a plugin's own socket names its messages by (random chat's `{ type: 'matched', … }`). */
  type?: string
  session?: string
}

export interface TestSocket {
  ws: WebSocket
  /** The headers of the server's answer to the upgrade. */
  headers: IncomingHttpHeaders
  /** Every JSON frame received so far, in order (nothing is taken out). */
  frames: Frame[]
  /** Every binary frame received so far. */
  binary: Buffer[]
  /** The first matching frame not already returned by `next` (waiting for it if need be), or a timeout. */
  next(match: (f: Frame) => boolean, ms?: number): Promise<Frame>
  send(frame: object | string): void
  /** Resolves with the close code. */
  closed: Promise<number>
  close(): Promise<void>
}

export interface SocketOptions {
  /** Another socket than `/realtime`, such as `/realtime/random-chat/meet`. */
  path?: string
  /** The frame saying the socket is ready: core's `{ event: 'hello' }` unless told. */
  hello?: (f: Frame) => boolean
}

/** Open `/realtime` (or `options.path`) as the member holding `token`; resolves once the server said hello. */
export function openSocket(port: number, token: string, options: SocketOptions = {}): Promise<TestSocket> {
  const hello = options.hello ?? ((f: Frame) => f.event === 'hello')
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/realtime'}`, { headers: { authorization: `Bearer ${token}` } })
    const frames: Frame[] = []
    const binary: Buffer[] = []
    const taken = new Set<number>()
    const waiting = new Set<() => void>()
    const closed = new Promise<number>((res) => ws.once('close', (code) => res(code)))
    const socket: TestSocket = {
      ws,
      headers: {},
      frames,
      binary,
      next(match, ms = 3000) {
        return new Promise((res, rej) => {
          const look = () => {
            for (let i = 0; i < frames.length; i++) {
              if (!taken.has(i) && match(frames[i]!)) {
                taken.add(i)
                waiting.delete(look)
                clearTimeout(timer)
                res(frames[i]!)
                return
              }
            }
          }
          const timer = setTimeout(() => {
            waiting.delete(look)
            rej(new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(frames.filter((_, i) => !taken.has(i)))}`))
          }, ms)
          waiting.add(look)
          look()
        })
      },
      send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
      closed,
      async close() {
        ws.close()
        await closed
      },
    }
    ws.on('message', (raw, isBinary) => {
      if (isBinary) binary.push(raw as Buffer)
      else {
        const text = String(raw)
        if (text === 'pong') frames.push({ event: 'pong' })
        else frames.push(JSON.parse(text) as Frame)
      }
      for (const look of [...waiting]) look()
      const last = frames.at(-1)
      if (!isBinary && last && hello(last)) resolve(socket)
    })
    ws.once('upgrade', (res) => (socket.headers = res.headers))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}
