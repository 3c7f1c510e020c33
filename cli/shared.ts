// What every CLI command shares: --data, --json, opening an instance, printing, and errors as one sentence on stderr.
import { existsSync, readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { createHearth, type Hearth } from '../core/app.js'
import { resolveConfig, type Config } from '../core/config.js'
import { AppError } from '../core/errors.js'
import { createLogger } from '../core/logger.js'
import { pidFile } from '../core/server.js'

/** A failure to report as `error: MESSAGE` (and `hint: HINT`), exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message)
  }
}
export const usage = (message: string, hint?: string) => new CliError(message, hint, 2)

export interface CommonOptions {
  data?: string
  json?: boolean
}

export const addData = (cmd: Command) => cmd.option('--data <dir>', 'data directory (default ./data, or HEARTH_DATA)')
export const addJson = (cmd: Command) => cmd.option('--json', 'print JSON for scripts')

export function configFrom(opts: CommonOptions & { port?: string; workers?: string }): Config {
  try {
    return resolveConfig({ dataDir: opts.data, port: opts.port, workers: opts.workers })
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err))
  }
}

/** Open the instance (migrating core) with logs at warn level on stderr; always closed afterwards. */
export async function withHearth<T>(opts: CommonOptions, fn: (h: Hearth) => Promise<T>, options: { plugins?: boolean } = {}): Promise<T> {
  const config = configFrom(opts)
  const log = createLogger({ level: process.env.HEARTH_LOG_LEVEL ?? 'warn', destination: config.logFile ?? 2 })
  const h = await createHearth({ config, log, plugins: options.plugins ?? false })
  try {
    return await fn(h)
  } finally {
    await h.close()
  }
}

/** Print for a person, or JSON when --json was given. */
export function output(opts: CommonOptions, json: unknown, human: () => string | string[]): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n')
    return
  }
  const text = human()
  process.stdout.write((Array.isArray(text) ? text.join('\n') : text) + '\n')
}

/** The pid of a Hearth server running on this data directory, or null. */
export function runningServer(dataDir: string): { pid: number; port: number } | null {
  const file = pidFile(dataDir)
  if (!existsSync(file)) return null
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; port: number }
    process.kill(info.pid, 0)
    return info
  } catch {
    return null // stale file from a crash
  }
}

export function restartHint(dataDir: string): string {
  return runningServer(dataDir) ? 'Restart Hearth to apply (a server is running on this data directory).' : 'It applies when Hearth next starts.'
}

/** Read all of standard input (for --password-stdin). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** Turn any thrown value into the CLI's message and exit code. */
export function describeError(err: unknown): { message: string; hint?: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, hint: err.hint, exitCode: err.exitCode }
  if (err instanceof AppError) {
    const fields = err.details.fields as Record<string, string> | undefined
    const extra = fields ? Object.values(fields).filter((m) => m !== err.message) : []
    return { message: [err.message, ...extra].join(' '), exitCode: err.status === 400 ? 2 : 1 }
  }
  const e = err as NodeJS.ErrnoException
  if (e?.code === 'EACCES') return { message: `Permission denied: ${e.path ?? ''}.`, hint: 'Run as the user that owns the data directory.', exitCode: 1 }
  if (e?.code === 'SQLITE_BUSY') return { message: 'The database is busy.', hint: 'Try again in a moment.', exitCode: 1 }
  return { message: err instanceof Error ? err.message : String(err), exitCode: 1 }
}
