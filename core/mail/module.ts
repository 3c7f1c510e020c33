// The mail folder as a core module: the sending job, the confirmation email after sign-up, the pages and API of emailed links.
import type { CoreModule } from '../module.js'
import { mailApi } from './api.js'
import { mailPages } from './pages.js'
import { SEND_JOB } from './service.js'
import type { MailMessage } from './messages.js'

export const mailModule: CoreModule = {
  name: 'mail',
  wire(s) {
    // Eight tries over about 40 minutes (core's backoff: 2 s doubling to 10 minutes): an SMTP server down for a
    // while, or a login the operator is still fixing, delays mail instead of losing it.
    s.queue.define<MailMessage>(SEND_JOB, (message) => s.mail.deliver(message), { maxAttempts: 8 })
    s.hooks.on('action:user.password-changed', ({ userId }) => s.mail.cancelPendingChanges(userId))
  },
  pages: mailPages,
  api: mailApi,
}
