// `hearth mail test`: send a test email through the SMTP settings now, and print the server's answer.
import type { Command } from 'commander'
import { addData, addJson, output, withHearth } from '../shared.js'

export function registerMail(program: Command): void {
  const mail = program.command('mail').description('outgoing email (set it up with `hearth settings set mail.host ...`)')

  addJson(
    addData(
      mail
        .command('test')
        .description('send a test email now through the mail.* settings, not through the queue, and say whether the server took it')
        .requiredOption('--to <address>', 'the address to send the test to'),
    ),
  ).action(async (opts: { data?: string; json?: boolean; to: string }) => {
    const sent = await withHearth(opts, (h) => h.mail.sendTest(opts.to))
    output(opts, { sent: true, message_id: sent.messageId }, () => `The mail server took the test email for ${opts.to} (message ${sent.messageId}).`)
  })
}
