// What runs when a Hearth instance closes: each owner's close functions, last registered first, each bounded in time.
import type { Logger } from './logger.js'

/** How long one close function may take before the next one runs anyway (its work is left to finish or not). */
export const CLOSE_TIMEOUT_MS = 5_000
/** The most a close function may ask for: a shutdown must end even when something hangs. */
export const CLOSE_TIMEOUT_MAX_MS = 30_000

export type CloseFn = () => void | Promise<void>

interface Closer {
  owner: string
  fn: CloseFn
  timeoutMs: number
}

/**
 * The close functions of core and plugins. They run in reverse registration order (what started last
 * stops first, as it may use what started before it), one at a time; one that throws or hangs is logged
 * with its owner's name and the others still run.
 * @example closers.add('random-chat', () => service.shutdown())
 */
export class Closers {
  private list: Closer[] = []
  private closing: Promise<void> | null = null

  constructor(private readonly log: Logger) {}

  add(owner: string, fn: CloseFn, options: { timeoutMs?: number } = {}): void {
    if (typeof fn !== 'function') throw new Error('onClose takes a function.')
    const timeoutMs = Math.min(Math.max(1, options.timeoutMs ?? CLOSE_TIMEOUT_MS), CLOSE_TIMEOUT_MAX_MS)
    this.list.push({ owner, fn, timeoutMs })
  }

  /** Forget an owner's close functions (a plugin whose register() failed). */
  removeOwner(owner: string): void {
    this.list = this.list.filter((c) => c.owner !== owner)
  }

  /** Run every close function once, newest first. A second call waits for the first. */
  run(): Promise<void> {
    this.closing ??= this.runAll()
    return this.closing
  }

  private async runAll(): Promise<void> {
    const list = this.list.reverse()
    this.list = []
    for (const c of list) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), c.timeoutMs)))
      try {
        const outcome = await Promise.race([Promise.resolve().then(c.fn), timedOut])
        if (outcome === 'timeout') this.log.error({ plugin: c.owner, timeout_ms: c.timeoutMs }, `${c.owner}: onClose did not finish within ${c.timeoutMs} ms; closing goes on without it`)
      } catch (err) {
        this.log.error({ plugin: c.owner, err }, `${c.owner}: onClose failed: ${err instanceof Error ? err.message : String(err)}`)
      } finally {
        clearTimeout(timer)
      }
    }
  }
}
