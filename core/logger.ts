// Structured JSON logs (pino). Every request log line carries its request id; plugins get a child tagged with their name.
import { mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * `destination` is a file path or a file descriptor (default 1, standard output).
 *
 * Lines are written asynchronously: a line a request written synchronously cost the server a system call (and a
 * wait, on a full pipe) on every request. What is written while a write is in flight is joined to the next one,
 * and whatever is still buffered is flushed synchronously when the process exits (pino's exit handler). Standard
 * error stays synchronous: the CLI writes its own messages there, and they must keep their order with the log's.
 */
export function createLogger(options: { level?: string; destination?: string | number } = {}): Logger {
  const level = options.level ?? process.env.HEARTH_LOG_LEVEL ?? 'info'
  const target = options.destination ?? 1
  // A file is opened here, synchronously, so the destination is ready for a flush at exit from the first line on.
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true })
  const fd = typeof target === 'number' ? target : openSync(target, 'a')
  const dest = pino.destination({ dest: fd, sync: fd === 2 })
  return pino({ level, base: { app: 'hearth' }, timestamp: pino.stdTimeFunctions.isoTime }, dest)
}
