// The realtime bus of a LiteFS replica (decision 057, "Realtime across nodes"): members' sockets live on the primary
// (sockets.ts relays them there), so what this node publishes (a kick, an event a read sent) is carried to the
// primary, which publishes it to its sockets. Batched, in order, one request at a time, signed with the instance secret.
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { Logger } from '../logger.js'
import type { BusMessage, RealtimeBus } from '../realtime/bus.js'
import type { Replication } from './litefs.js'
import { FORWARDED_HEADER, fresh, sign, signedBy } from './routing.js'

/** Where the primary takes a replica's publishes. */
export const BUS_PATH = '/internal/realtime/publish'
/** `TIME MAC` over the body: only a node holding the instance secret may publish. */
export const BUS_SIGNATURE_HEADER = 'x-hearth-bus'
/** The largest batch the primary reads (a binary topic frame is at most 16 MiB, in base64). */
export const BUS_MAX_BYTES = 24 * 1024 * 1024
/** Messages waiting for the primary beyond this are dropped (oldest first) while it cannot be reached. */
const MAX_WAITING = 10_000

const mac = (secret: string, at: string, body: string) => sign(secret, `bus:${at}:${body}`)

/** JSON for bus messages: a topic's binary frame travels as base64. */
function encode(messages: BusMessage[]): string {
  return JSON.stringify(messages.map((m) => (m.kind === 'topic-binary' ? { ...m, bytes: Buffer.from(m.bytes).toString('base64') } : m)))
}

function decode(body: string): BusMessage[] {
  const list = JSON.parse(body) as unknown
  if (!Array.isArray(list)) throw new Error('not a list')
  return list.map((m: BusMessage & { bytes?: unknown }) => (m.kind === 'topic-binary' ? { ...m, bytes: new Uint8Array(Buffer.from(String(m.bytes), 'base64')) } : m))
}

export interface NodeBusOptions {
  replication: Replication
  secret: () => Promise<string>
  log: Logger
}

/**
 * `local` as it is on a single node; under LiteFS, a bus that publishes here while this node is the primary and
 * sends to the primary while it is a replica (messages waiting when the role changes go where the role says then).
 */
export function nodeBus(local: RealtimeBus, options: NodeBusOptions): RealtimeBus {
  if (!options.replication.enabled) return local
  const { replication, log } = options
  const waiting: BusMessage[] = []
  let sending = false

  async function flush(): Promise<void> {
    if (sending) return
    sending = true
    try {
      while (waiting.length) {
        if (replication.role.role === 'primary') {
          for (const m of waiting.splice(0)) local.publish(m)
          return
        }
        const url = replication.primaryUrl()
        if (!url) {
          log.warn({ dropped: waiting.length }, 'replication: realtime events for the primary were dropped; it cannot be reached')
          waiting.length = 0
          return
        }
        const batch = waiting.splice(0, 500)
        const body = encode(batch)
        const at = String(Date.now())
        try {
          const res = await fetch(`${url}${BUS_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [BUS_SIGNATURE_HEADER]: `${at} ${mac(await options.secret(), at, body)}`, [FORWARDED_HEADER]: replication.config.nodeName },
            body,
            signal: AbortSignal.timeout(5000),
          })
          if (!res.ok) throw new Error(`the primary answered ${res.status}`)
        } catch (err) {
          // Realtime is best effort (durable topic events are replayed on reconnect): dropped, and said so.
          log.warn({ err, dropped: batch.length }, 'replication: realtime events could not reach the primary')
        }
      }
    } finally {
      sending = false
    }
  }

  return {
    publish(message) {
      if (replication.role.role === 'primary') return local.publish(message)
      waiting.push(message)
      if (waiting.length > MAX_WAITING) waiting.splice(0, waiting.length - MAX_WAITING)
      void flush()
    },
    subscribe: (handler) => local.subscribe(handler),
  }
}

/**
 * On the primary: publish what a replica sent on this node's bus (its sockets are all here). Refused (403) without
 * the instance secret's signature, stale by more than a minute, or too large; a node that is not the primary answers
 * 503 before this runs (routing.ts's loop guard).
 */
export function acceptBus(bus: () => RealtimeBus, secret: () => Promise<string>): MiddlewareHandler<AppEnv> {
  return async function acceptBus(c) {
    const refuse = (status: 403 | 413 | 400, code: string, message: string) => c.json({ status: 'error', error: { code, message } }, status)
    const [at, given] = (c.req.header(BUS_SIGNATURE_HEADER) ?? '').split(' ')
    if (!at || !given || !fresh(at)) return refuse(403, 'FORBIDDEN', 'Only another node of this community may publish here.')
    const length = Number(c.req.header('content-length') ?? NaN)
    if (!(length <= BUS_MAX_BYTES)) return refuse(413, 'PAYLOAD_TOO_LARGE', 'This batch is too large, or has no length.')
    const body = await c.req.text()
    if (!signedBy(await secret(), `bus:${at}:${body}`, given)) return refuse(403, 'FORBIDDEN', 'Only another node of this community may publish here.')
    let messages: BusMessage[]
    try {
      messages = decode(body)
    } catch {
      return refuse(400, 'INVALID_REQUEST', 'The batch could not be read.')
    }
    for (const m of messages) bus().publish(m)
    return c.json({ status: 'ok', data: { published: messages.length } })
  }
}
