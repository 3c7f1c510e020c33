// Stopping the worker threads the server runs beside itself (the checkpoint and fan-out threads).
import type { Worker } from 'node:worker_threads'

/**
 * Ask a thread to stop ('stop': it closes its connection and exits), wait up to `graceMs`, then end it anyway. The
 * thread is held (ref'd) meanwhile: they are unref'd so as not to keep the process alive otherwise.
 */
export async function stopThread(worker: Worker, graceMs: number): Promise<void> {
  worker.ref()
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.postMessage('stop')
  let timer: NodeJS.Timeout | undefined
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))])
  clearTimeout(timer)
  await worker.terminate()
}
