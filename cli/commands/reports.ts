// `hearth reports list|resolve`: the moderation queue from the shell. (Implementation in progress.)
import type { Command } from 'commander'

export function registerReports(program: Command): void {
  program.command('reports').description('list and resolve reports in the moderation queue')
}
