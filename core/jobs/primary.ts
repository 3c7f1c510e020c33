// The primary-only gate: work that writes on its own (the scheduler, the job queue, the checkpoint and fan-out threads) runs only on the primary.
import type { Logger } from '../logger.js'

/** What this node is: the one that writes (today always), or a read-only replica (LiteFS, later). */
export type Role = 'primary' | 'replica'

interface Work {
  name: string
  start: () => void
  stop: () => void | Promise<void>
  running: boolean
}

/**
 * One gate for every piece of primary-only work. A single node is always primary; with replicas, whatever
 * learns the node's role (issue 20's LiteFS lease) calls `setPrimary`, and the work starts and stops with it.
 * @example
 * const leave = gate.onPrimary('job queue', () => queue.start(), () => queue.stop())
 * gate.role // 'primary'
 * await leave() // stops it (if it runs) and forgets it
 */
export class PrimaryGate {
  private primary: boolean
  private readonly work: Work[] = []
  /** Role changes one at a time, so a quick demote-promote cannot start work before it has stopped. */
  private changing: Promise<void> = Promise.resolve()

  constructor(
    private readonly log: Logger,
    options: { primary?: boolean } = {},
  ) {
    this.primary = options.primary ?? true
  }

  isPrimary(): boolean {
    return this.primary
  }

  /** For /healthz and the logs. */
  get role(): Role {
    return this.primary ? 'primary' : 'replica'
  }

  /**
   * Run `start` now if this node is primary, and each time it becomes primary; `stop` when it stops being
   * primary. Returns a function that stops the work (if it runs) and forgets it (a server closing).
   */
  onPrimary(name: string, start: () => void, stop: () => void | Promise<void>): () => Promise<void> {
    const w: Work = { name, start, stop, running: false }
    this.work.push(w)
    if (this.primary) this.begin(w)
    return async () => {
      await this.changing
      const i = this.work.indexOf(w)
      if (i >= 0) this.work.splice(i, 1)
      if (w.running) await this.end(w)
    }
  }

  /** Become primary (start the work) or a replica (stop it, last started first). */
  setPrimary(primary: boolean): Promise<void> {
    this.changing = this.changing.then(async () => {
      if (primary === this.primary) return
      this.primary = primary
      this.log.info({ role: this.role }, `this node is now the ${this.role}`)
      if (primary) for (const w of this.work) this.begin(w)
      else for (const w of [...this.work].reverse()) if (w.running) await this.end(w)
    })
    return this.changing
  }

  private begin(w: Work): void {
    w.start()
    w.running = true
  }

  private async end(w: Work): Promise<void> {
    w.running = false
    try {
      await w.stop()
    } catch (err) {
      this.log.error({ err }, `${w.name} did not stop cleanly`)
    }
  }
}
