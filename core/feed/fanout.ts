// The fan-out thread's handle: the server starts it (startServer) and the feed service hands it its fan-outs. A
// 1,000-follower post is 1,000 rows written on as many pages of feed_items; on the server's thread the writes, and
// above all the disk reads of pages that went cold, held every request behind them (statements of up to 380 ms
// were seen on the benchmark's community). Without the thread (tests, the CLI) the service writes in process.
import { Worker } from 'node:worker_threads'
import { BACKSTOP_PAGES } from '../db/checkpointer.js'
import { stopThread } from '../db/threads.js'
import type { Logger } from '../logger.js'

export interface FanoutThread {
  /** Copy a post into its followers' feeds; resolves with the rows written. */
  run(postId: number, threshold: number, kept: number): Promise<number>
  /** False once the thread has stopped or failed: the service then writes in process. */
  alive(): boolean
  stop(): Promise<void>
}

/**
 * Start the thread. `autocheckpoint` is its connection's `wal_autocheckpoint`: the checkpoint thread's backstop
 * while that runs (the default, as the server does), SQLite's 1,000 pages otherwise.
 */
export function startFanoutThread(file: string, log: Logger, options: { cacheMb: number; chunk: number; autocheckpoint?: number }): FanoutThread {
  const workerData = { file, cacheMb: options.cacheMb, chunk: options.chunk, autocheckpoint: options.autocheckpoint ?? BACKSTOP_PAGES }
  const worker = new Worker(new URL('./fanout-thread.js', import.meta.url), { workerData })
  worker.unref()
  const pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>()
  let next = 1
  let alive = true
  const failAll = (message: string) => {
    for (const p of pending.values()) p.reject(new Error(message))
    pending.clear()
  }
  worker.on('message', (m: { id: number; written?: number; error?: string }) => {
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    if (m.error !== undefined) p.reject(new Error(m.error))
    else p.resolve(m.written ?? 0)
    if (!pending.size) worker.unref()
  })
  worker.on('error', (err) => {
    alive = false
    log.error({ err }, 'the fan-out thread failed; fan-out goes back to the server thread')
    failAll(`The fan-out thread failed: ${err.message}`)
  })
  worker.on('exit', () => {
    alive = false
    failAll('The fan-out thread stopped.')
  })
  return {
    run(postId, threshold, kept) {
      if (!alive) return Promise.reject(new Error('The fan-out thread is not running.'))
      const id = next++
      // Held while a fan-out is under way (a pending job keeps the process alive), let go when idle.
      worker.ref()
      return new Promise<number>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, postId, threshold, kept })
      })
    },
    alive: () => alive,
    async stop() {
      if (!alive) return
      await stopThread(worker, 5000)
    },
  }
}
