// WAL checkpoints off the server's thread. SQLite copies the WAL back into the database file when a commit finds
// it longer than `wal_autocheckpoint` pages, inside that commit: a fan-out chunk that happened to trigger it paid
// for copying a thousand pages and an fsync (measured on the benchmark's community: fan-out at about 9,000 rows a
// second with checkpoints in the writing thread, 20,000-26,000 without). A worker thread checkpoints instead, on
// its own connection, every second; the server's connection keeps a far larger automatic threshold as a backstop
// should the worker fall behind or stop.
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'
import type { Logger } from '../logger.js'
import { stopThread } from './threads.js'

/** WAL pages (4 KiB) after which a commit on the server's thread checkpoints anyway, while the worker runs. */
export const BACKSTOP_PAGES = 20_000

export interface Checkpointer {
  /** Checkpoints done and the WAL's length at the last one (tests read them). */
  stats(): { checkpoints: number; walPages: number; lastError: string | null }
  stop(): Promise<void>
}

export function startCheckpointer(sqlite: SQLite.Database, file: string, log: Logger, options: { intervalMs?: number } = {}): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file, intervalMs: options.intervalMs ?? 1000 } })
  const previous = sqlite.pragma('wal_autocheckpoint', { simple: true }) as number
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
  let checkpoints = 0
  let walPages = 0
  let lastError: string | null = null
  let stopped = false
  worker.on('message', (m: { type: 'checkpoint'; log: number; checkpointed: number } | { type: 'error'; message: string }) => {
    if (m.type === 'checkpoint') {
      checkpoints++
      walPages = m.log
      lastError = null
    } else if (m.message !== lastError) {
      lastError = m.message
      log.warn({ err: m.message }, 'a WAL checkpoint failed; the next one retries')
    }
  })
  // A worker that dies leaves checkpoints to the server's commits, as before it started.
  const fallBack = () => {
    if (!sqlite.open) return
    sqlite.pragma(`wal_autocheckpoint = ${previous}`)
  }
  worker.on('error', (err) => {
    log.error({ err }, 'the checkpoint thread failed; checkpoints go back to the server thread')
    fallBack()
  })
  worker.on('exit', () => {
    if (!stopped) fallBack()
  })
  worker.unref()
  return {
    stats: () => ({ checkpoints, walPages, lastError }),
    async stop() {
      if (stopped) return
      stopped = true
      await stopThread(worker, 2000)
      fallBack()
    },
  }
}
