// The mail folder as a core module: the sending and digest jobs, the hourly digest schedule, the Email settings
// panel, the reminder to confirm an address, and the pages and API of emailed links.
import type { CoreModule } from '../module.js'
import { mailApi } from './api.js'
import { DIGEST_JOB } from './digests.js'
import { ConfirmEmailBanner, EmailSettingsPanel, mailPages, saveEmailSettings } from './pages.js'
import { SEND_JOB } from './service.js'
import type { MailMessage } from './messages.js'

export const mailModule: CoreModule = {
  name: 'mail',
  wire(s) {
    // Eight tries over about 40 minutes (core's backoff: 2 s doubling to 10 minutes): an SMTP server down for a
    // while, or a login the operator is still fixing, delays mail instead of losing it.
    s.queue.define<MailMessage>(SEND_JOB, (message) => s.mail.deliver(message), { maxAttempts: 8 })
    s.queue.define<{ userId: number; origin: string }>(DIGEST_JOB, async ({ userId, origin }) => void (await s.emails.sendDigest(userId, origin)), { maxAttempts: 3 })
    s.scheduler.add('core', '7 * * * *', 'email-digests', async () => {
      const n = await s.emails.queueDueDigests(await s.emails.scheduledOrigin(s.config.publicUrl))
      if (n) s.log.info({ digests: n }, 'email digests queued')
    })
    s.ui.addSlot('layout.banner', 'core', async ({ viewer, csrfToken, path }) => {
      if (path === '/settings/account' || path.startsWith('/email/')) return null
      const due = await s.mail.confirmationReminder(viewer.id)
      return due && <ConfirmEmailBanner {...due} csrfToken={csrfToken} />
    })
    s.hooks.on('action:user.password-changed', ({ userId }) => s.mail.cancelPendingChanges(userId))
    s.ui.addSettingsPanel('core', {
      id: 'emails',
      label: 'Email and push',
      order: 0,
      render: async ({ viewer, csrfToken, message }) => (
        <EmailSettingsPanel csrfToken={csrfToken} message={message} on={await s.mail.configured()} prefs={await s.emails.get(viewer.id)} pushKey={await s.push.publicKey()} pushDevices={await s.push.count(viewer.id)} />
      ),
      save: ({ viewer, form }) => saveEmailSettings(s, viewer.id, form),
    })
  },
  pages: mailPages,
  api: mailApi,
}
