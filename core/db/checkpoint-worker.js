// The checkpointer's thread (see checkpointer.ts): plain JavaScript, so that it starts without the TypeScript
// loader. It opens the database on its own connection and, every `intervalMs`, copies the WAL's committed pages
// into the database file (a PASSIVE checkpoint: it never waits for readers or writers), so the server's thread
// never pays for that copy and its fsync inside a write.
import { parentPort, workerData } from 'node:worker_threads'
import SQLite from 'better-sqlite3'

/** @type {{ file: string, intervalMs: number }} */
const { file, intervalMs } = workerData
const db = new SQLite(file, { fileMustExist: true })
db.pragma('busy_timeout = 0')

const timer = setInterval(() => {
  try {
    /** @type {{ busy: number, log: number, checkpointed: number }} */
    const result = /** @type {any} */ (db.pragma('wal_checkpoint(PASSIVE)'))[0]
    parentPort?.postMessage({ type: 'checkpoint', ...result })
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  }
}, intervalMs)

parentPort?.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort?.close()
})
