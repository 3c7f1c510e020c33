// `hearth start`: run the server in the foreground until SIGINT or SIGTERM.
import type { Command } from 'commander'
import { createHearth } from '../../core/app.js'
import { createLogger } from '../../core/logger.js'
import { startServer } from '../../core/server.js'
import { mainThreadWiring } from '../../core/workers/main.js'
import { CliError, addData, configFrom, runningServer } from '../shared.js'

export function registerStart(program: Command): void {
  addData(
    program
      .command('start')
      .description('start the Hearth server in the foreground')
      .option('-p, --port <port>', 'port to listen on (default 3000, or PORT / HEARTH_PORT)')
      .option('--host <host>', 'address to listen on (default 0.0.0.0, or HEARTH_HOST)')
      .option('-w, --workers <n>', 'threads serving HTTP: a number, or "auto" for one per core with 2 GiB of memory each (default auto, or HEARTH_WORKERS)')
      .addHelpText(
        'after',
        '\nEnvironment (docs/operators.md lists them all): HEARTH_DB_CACHE_MB, memory SQLite may keep database pages in\n' +
          '(default 256); HEARTH_LOG_LEVEL, HEARTH_LOG_FILE, HEARTH_TRUST_PROXY, HEARTH_PUBLIC_URL;\n' +
          'HEARTH_HEADERS_TIMEOUT, HEARTH_REQUEST_TIMEOUT, HEARTH_KEEPALIVE_TIMEOUT, HEARTH_IDLE_TIMEOUT (seconds);\n' +
          'HEARTH_WORKERS, threads serving HTTP (docs/operators.md, "Worker threads").',
      ),
  ).action(async (opts: { data?: string; port?: string; host?: string; workers?: string }) => {
    // Every core by default (decision 061); HEARTH_WORKERS=1 or --workers 1 keeps the single thread.
    const config = configFrom({ ...opts, workers: opts.workers ?? process.env.HEARTH_WORKERS ?? 'auto' })
    if (opts.host) config.host = opts.host
    const other = runningServer(config.dataDir)
    if (other) throw new CliError(`Hearth is already running on this data directory (pid ${other.pid}, port ${other.port}).`, 'Stop it first, or use another --data directory.')
    const log = createLogger({ level: config.logLevel, destination: config.logFile ?? undefined })
    const threads = config.workers > 1 ? mainThreadWiring() : undefined
    const hearth = await createHearth({ config, log, thread: threads })
    let server
    try {
      server = await startServer(hearth, { threads })
    } catch (err) {
      await hearth.close()
      throw err
    }
    if (!(await hearth.users.hasAdmin())) {
      log.warn('There is no admin yet: run `hearth init` for a setup link, or `hearth user create --admin`.')
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'shutting down')
        void server.close().then(resolve)
      }
      process.once('SIGINT', () => stop('SIGINT'))
      process.once('SIGTERM', () => stop('SIGTERM'))
    })
  })
}
