// Structured JSON logs (pino). Every request log line carries its request id; plugins get a child tagged with their name.
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger(options: { level?: string; destination?: string } = {}): Logger {
  const level = options.level ?? process.env.HEARTH_LOG_LEVEL ?? 'info'
  const dest = options.destination ? pino.destination({ dest: options.destination, sync: true, mkdir: true }) : pino.destination(1)
  return pino({ level, base: { app: 'hearth' }, timestamp: pino.stdTimeFunctions.isoTime }, dest)
}
