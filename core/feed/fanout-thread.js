// The fan-out thread (see fanout.ts): copies posts into followers' feeds on a connection of its own, so that
// neither the writes nor the disk reads they need (a feed's page that went cold) hold the server's thread. Each
// chunk reads its pages first, without the write lock, then writes in one short statement.
import { parentPort, workerData } from 'node:worker_threads'
import SQLite from 'better-sqlite3'
import { createFanoutWriter } from './fanout-writer.js'

/** @type {{ file: string, cacheMb: number, chunk: number, autocheckpoint: number }} */
const { file, cacheMb, chunk, autocheckpoint } = workerData
const db = new SQLite(file, { fileMustExist: true })
db.pragma('busy_timeout = 5000')
db.pragma('synchronous = NORMAL')
db.pragma(`cache_size = -${Math.floor(cacheMb * 1024)}`)
// The checkpoint thread copies the WAL back; commits here leave it to it, as the server's do (checkpointer.ts).
db.pragma(`wal_autocheckpoint = ${autocheckpoint}`)
const writer = createFanoutWriter(db)

parentPort?.on('message', (/** @type {{ id: number, postId: number, threshold: number, kept: number } | 'stop'} */ m) => {
  if (m === 'stop') {
    db.close()
    parentPort?.close()
    return
  }
  try {
    const target = writer.target(m.postId, m.threshold)
    let written = 0
    if (target) for (let i = 0; i < target.followers.length; i += chunk) written += writer.writeChunk(target, target.followers.slice(i, i + chunk), m.kept)
    parentPort?.postMessage({ id: m.id, written })
  } catch (err) {
    parentPort?.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) })
  }
})
