// The HTTP worker threads of a server started with HEARTH_WORKERS above 1: started once the main thread is ready,
// restarted when one dies, stopped before the main thread closes its database (decision 051).
import { Worker } from 'node:worker_threads'
import type { Config } from '../config.js'
import { stopThread } from '../db/threads.js'
import type { Logger } from '../logger.js'
import type { HttpThreadData } from './http-thread-main.js'
import type { SharedBucketsMemory } from './shared-buckets.js'

/** How long a thread may take to start (it loads the app and the plugins) or to stop before it is ended. */
const START_MS = 60_000
const STOP_MS = 10_000
/** A thread that dies is started again after this, so one failing at start cannot spin. */
const RESTART_MS = 1000

export interface WorkerPool {
  /** The listening threads' ids, in start order (a restarted thread has a new one). */
  threadIds(): number[]
  /** End one thread at once, as a crash would (it is started again): for tests. */
  end(threadId: number): Promise<void>
  stop(): Promise<void>
}

export interface PoolOptions {
  config: Config
  log: Logger
  port: number
  host: string
  token: string
  main: { port: number; secret: string }
  buckets: SharedBucketsMemory
}

export async function startWorkerPool(options: PoolOptions): Promise<WorkerPool> {
  const { log } = options
  const data: HttpThreadData = {
    config: options.config,
    port: options.port,
    host: options.host,
    token: options.token,
    main: options.main,
    buckets: options.buckets,
    threadHeader: process.env.HEARTH_THREAD_HEADER === '1',
  }
  const threads = new Set<Worker>()
  /** Those listening (a thread starting again is in `threads` only). */
  const listening = new Set<Worker>()
  let stopping = false

  const start = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./http-thread.js', import.meta.url), { workerData: data })
      threads.add(worker)
      let ready = false
      const timer = setTimeout(() => reject(new Error(`An HTTP worker thread did not start within ${START_MS / 1000} s.`)), START_MS)
      worker.on('message', (m) => {
        if (m !== 'ready') return
        ready = true
        listening.add(worker)
        clearTimeout(timer)
        resolve(worker)
      })
      worker.on('error', (err) => {
        log.error({ err, thread: worker.threadId }, 'an HTTP worker thread failed')
        if (!ready) {
          clearTimeout(timer)
          reject(err)
        }
      })
      worker.on('exit', (code) => {
        threads.delete(worker)
        listening.delete(worker)
        if (stopping || !ready) return
        log.error({ thread: worker.threadId, code }, 'an HTTP worker thread stopped; starting another')
        setTimeout(() => {
          if (!stopping) start().catch((err) => log.error({ err }, 'an HTTP worker thread could not be started again'))
        }, RESTART_MS).unref()
      })
    })

  const stop = async () => {
    stopping = true
    await Promise.all([...threads].map((worker) => stopThread(worker, STOP_MS)))
  }

  try {
    await Promise.all(Array.from({ length: options.config.workers }, () => start()))
  } catch (err) {
    await stop()
    throw err
  }
  return {
    threadIds: () => [...listening].map((w) => w.threadId),
    end: async (threadId) => {
      await [...threads].find((w) => w.threadId === threadId)?.terminate()
    },
    stop,
  }
}
