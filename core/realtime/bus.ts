// The realtime bus: every publish, kick and disconnect goes through it, so it can later be carried between processes.

/**
 * What travels on the bus. Plain data (strings, numbers, bytes), so a bus between processes can carry it
 * as it is; every process delivers each message to the sockets it holds.
 */
export type BusMessage =
  | { kind: 'user'; userId: number; event: string; data: unknown }
  | { kind: 'topic'; topicId: string; event: string; data: unknown; seq?: number; except?: number | readonly number[] }
  | { kind: 'topic-binary'; topicId: string; bytes: Uint8Array; except?: number | readonly number[] }
  | { kind: 'kick'; topicId: string; userId: number }
  | { kind: 'disconnect'; userId: number }

export interface RealtimeBus {
  publish(message: BusMessage): void
  /** Receive every message published (by this process or, on a shared bus, another); returns an unsubscribe. */
  subscribe(handler: (message: BusMessage) => void): () => void
}

/** The bus of a single process: a message reaches the subscribers at once, in order. */
export class InProcessBus implements RealtimeBus {
  private readonly handlers = new Set<(message: BusMessage) => void>()

  publish(message: BusMessage): void {
    for (const handler of this.handlers) handler(message)
  }

  subscribe(handler: (message: BusMessage) => void): () => void {
    this.handlers.add(handler)
    return () => this.handlers.delete(handler)
  }
}
