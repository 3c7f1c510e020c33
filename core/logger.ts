// Structured JSON logs (pino). Every request log line carries its request id; plugins get a child tagged with their name.
import { pino, type Logger } from 'pino'

export type { Logger }

/** `destination` is a file path or a file descriptor (default 1, standard output). */
export function createLogger(options: { level?: string; destination?: string | number } = {}): Logger {
  const level = options.level ?? process.env.HEARTH_LOG_LEVEL ?? 'info'
  const target = options.destination ?? 1
  const dest = typeof target === 'number' ? pino.destination({ dest: target, sync: true }) : pino.destination({ dest: target, sync: true, mkdir: true })
  return pino({ level, base: { app: 'hearth' }, timestamp: pino.stdTimeFunctions.isoTime }, dest)
}
