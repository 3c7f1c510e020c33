// What the threads of one Hearth process tell each other: realtime publishes, who is online, and that a job waits.
import { BroadcastChannel } from 'node:worker_threads'
import type { BusMessage, RealtimeBus } from '../realtime/bus.js'
import type { HubPresence } from '../realtime/hub.js'

/** Channel names are the server's own (`hearth:TOKEN:…`), so two servers in one process (tests) never hear each other. */
const channel = (token: string, name: string) => {
  const ch = new BroadcastChannel(`hearth:${token}:${name}`)
  // A channel alone never keeps a thread alive; the server does.
  ch.unref()
  return ch
}

/**
 * The realtime bus between threads: a publish reaches this thread's subscribers at once and every other
 * thread's through a BroadcastChannel, so a member's socket on one thread gets what a request on another published.
 */
export class ThreadBus implements RealtimeBus {
  private readonly handlers = new Set<(message: BusMessage) => void>()
  private readonly ch: BroadcastChannel

  constructor(token: string) {
    this.ch = channel(token, 'realtime')
    this.ch.onmessage = (e) => this.deliver((e.data as BusMessage))
  }

  publish(message: BusMessage): void {
    this.deliver(message)
    this.ch.postMessage(message)
  }

  subscribe(handler: (message: BusMessage) => void): () => void {
    this.handlers.add(handler)
    return () => this.handlers.delete(handler)
  }

  private deliver(message: BusMessage): void {
    for (const handler of this.handlers) handler(message)
  }

  close(): void {
    this.ch.close()
  }
}

type PresenceMessage = { kind: 'ask' } | { kind: 'all'; ids: number[] } | { kind: 'change'; userId: number; online: boolean }

/** The presence of the thread that holds the sockets: it tells the others each change, and everything when asked. */
export function presenceOwner(token: string, online: () => number[]): HubPresence & { close(): void } {
  const ch = channel(token, 'presence')
  ch.onmessage = (e) => {
    if ((e.data as PresenceMessage).kind === 'ask') ch.postMessage({ kind: 'all', ids: online() } satisfies PresenceMessage)
  }
  return {
    changed: (userId, isOnline) => ch.postMessage({ kind: 'change', userId, online: isOnline } satisfies PresenceMessage),
    close: () => ch.close(),
  }
}

/** A mirror of the owner's presence in another thread (a change may take a moment to arrive). */
export function presenceMirror(token: string): HubPresence & { close(): void } {
  const ch = channel(token, 'presence')
  const ids = new Set<number>()
  ch.onmessage = (e) => {
    const m = e.data as PresenceMessage
    if (m.kind === 'all') {
      ids.clear()
      for (const id of m.ids) ids.add(id)
    } else if (m.kind === 'change') {
      if (m.online) ids.add(m.userId)
      else ids.delete(m.userId)
    }
  }
  ch.postMessage({ kind: 'ask' } satisfies PresenceMessage)
  return {
    remote: { isOnline: (id) => ids.has(id), members: () => [...ids] },
    close: () => ch.close(),
  }
}

/** Jobs enqueued on a worker thread wake the main thread's queue rather than wait for its next poll. */
export function jobsChannel(token: string): { notify(): void; onNotify(fn: () => void): void; close(): void } {
  const ch = channel(token, 'jobs')
  return {
    notify: () => ch.postMessage(1),
    onNotify: (fn) => {
      ch.onmessage = fn
    },
    close: () => ch.close(),
  }
}
