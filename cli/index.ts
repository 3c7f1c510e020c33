// The `hearth` command: one verb per file under cli/commands/, one place that turns failures into exit codes.
import { Command, CommanderError } from 'commander'
import { VERSION } from '../core/app.js'
import { registerAnnounce } from './commands/announce.js'
import { registerAudit } from './commands/audit.js'
import { registerBackup } from './commands/backup.js'
import { registerDoctor } from './commands/doctor.js'
import { registerHooks } from './commands/hooks.js'
import { registerJobs } from './commands/jobs.js'
import { registerInit } from './commands/init.js'
import { registerLedger } from './commands/ledger.js'
import { registerMail } from './commands/mail.js'
import { registerMigrate } from './commands/migrate.js'
import { registerPlugin } from './commands/plugin.js'
import { registerReports } from './commands/reports.js'
import { registerRole } from './commands/role.js'
import { registerCuration } from './commands/curation.js'
import { registerRestore } from './commands/restore.js'
import { registerSettings } from './commands/settings.js'
import { registerStart } from './commands/start.js'
import { registerTheme } from './commands/theme.js'
import { registerUser } from './commands/user.js'
import { registerVerify } from './commands/verify.js'
import { describeError } from './shared.js'

export function buildProgram(): Command {
  const program = new Command('hearth')
    .description('Hearth: a self-hostable community platform in one process.')
    .version(VERSION, '-v, --version')
    .option('--verbose', 'show stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
  for (const register of [registerStart, registerInit, registerMigrate, registerUser, registerRole, registerPlugin, registerTheme, registerSettings, registerHooks, registerReports, registerJobs, registerAudit, registerLedger, registerMail, registerAnnounce, registerDoctor, registerBackup, registerRestore, registerVerify, registerCuration]) {
    register(program)
  }
  // Usage errors (unknown option, missing argument) exit 2; --help and --version exit 0.
  program.exitOverride()
  for (const cmd of allCommands(program)) cmd.exitOverride()
  return program
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)])
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0
      // 'commander.help' with exit code 1 is help shown for a missing subcommand: a usage error.
      return err.exitCode === 0 ? 0 : 2 // commander already printed its message
    }
    const { message, hint, exitCode } = describeError(err)
    process.stderr.write(`error: ${message}\n`)
    if (hint) process.stderr.write(`hint: ${hint}\n`)
    if (argv.includes('--verbose') && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
    return exitCode
  }
}
