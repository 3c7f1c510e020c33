// Structured logs (pino): JSON lines, or readable lines when they go to a terminal. Every request log line carries
// its request id; plugins get a child tagged with their name.
import { mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { isatty } from 'node:tty'
import { inspect } from 'node:util'
import { pino, type Logger } from 'pino'

export type { Logger }

export type LogFormat = 'json' | 'pretty'

/**
 * JSON for files, pipes and log collectors; readable lines when a person watches a terminal. HEARTH_LOG_FORMAT
 * (`json` or `pretty`) overrides the guess.
 */
export function logFormatFor(fd: number, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const asked = env.HEARTH_LOG_FORMAT?.toLowerCase()
  if (asked === 'json' || asked === 'pretty') return asked
  return isatty(fd) ? 'pretty' : 'json'
}

const LEVELS: Record<number, { label: string; color: number }> = {
  10: { label: 'TRACE', color: 90 },
  20: { label: 'DEBUG', color: 36 },
  30: { label: 'INFO ', color: 32 },
  40: { label: 'WARN ', color: 33 },
  50: { label: 'ERROR', color: 31 },
  60: { label: 'FATAL', color: 35 },
}
// Always on the line already (app) or shown in its own place (the rest).
const QUIET = new Set(['app', 'level', 'time', 'msg', 'pid', 'hostname', 'plugin', 'err'])

/**
 * One pino JSON line as a person reads it: `12:04:05.120 INFO  [groups] message  key=value`, an error's stack on
 * the lines below. Colours only when `color` (a terminal).
 * @example prettyLine('{"level":30,"time":"2026-12-04T12:04:05.120Z","msg":"listening","port":3000}') // '12:04:05.120 INFO  listening  port=3000'
 */
export function prettyLine(json: string, color = false): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.trimEnd()
  }
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
  const level = LEVELS[Number(o.level)] ?? { label: String(o.level).padEnd(5), color: 0 }
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : new Date(Number(o.time)).toISOString().slice(11, 23)
  const plugin = o.plugin ? `${paint(35, `[${String(o.plugin)}]`)} ` : ''
  const fields = Object.entries(o)
    .filter(([k]) => !QUIET.has(k))
    .map(([k, v]) => `${paint(90, `${k}=`)}${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
  let line = `${paint(90, time)} ${paint(level.color, level.label)} ${plugin}${String(o.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}`
  const err = o.err as { stack?: string; message?: string } | undefined
  if (err) line += `\n    ${(err.stack ?? err.message ?? inspect(err)).split('\n').join('\n    ')}`
  return line
}

/**
 * `destination` is a file path or a file descriptor (default 1, standard output). `format` defaults to
 * `logFormatFor(fd)`: pretty on a terminal, JSON otherwise (files are always JSON).
 *
 * Lines are written asynchronously: a line a request written synchronously cost the server a system call (and a
 * wait, on a full pipe) on every request. What is written while a write is in flight is joined to the next one,
 * and whatever is still buffered is flushed synchronously when the process exits (pino's exit handler). Standard
 * error stays synchronous: the CLI writes its own messages there, and they must keep their order with the log's.
 */
export function createLogger(options: { level?: string; destination?: string | number; format?: LogFormat } = {}): Logger {
  const level = options.level ?? process.env.HEARTH_LOG_LEVEL ?? 'info'
  const target = options.destination ?? 1
  // A file is opened here, synchronously, so the destination is ready for a flush at exit from the first line on.
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true })
  const fd = typeof target === 'number' ? target : openSync(target, 'a')
  const dest = pino.destination({ dest: fd, sync: fd === 2 })
  const format = options.format ?? (typeof target === 'number' ? logFormatFor(fd) : 'json')
  const opts = { level, base: { app: 'hearth' }, timestamp: pino.stdTimeFunctions.isoTime }
  if (format === 'json') return pino(opts, dest)
  // Pino writes one JSON line per call; this turns it into a readable one on the same destination.
  const color = isatty(fd) && !process.env.NO_COLOR
  const pretty = {
    write: (chunk: string) => dest.write(`${prettyLine(chunk, color)}\n`),
    flushSync: () => dest.flushSync(),
    flush: (cb?: (err?: Error) => void) => dest.flush(cb),
  }
  return pino(opts, pretty as unknown as typeof dest)
}
