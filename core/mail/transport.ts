// Outgoing email over SMTP (nodemailer), from the operator's settings (Admin → Site settings, `hearth settings`).
import nodemailer from 'nodemailer'
import type { SettingsService } from '../settings/service.js'
import { UnrecoverableJobError } from '../jobs/queue.js'
import type { MailMessage } from './messages.js'

/** Seconds before a silent SMTP server counts as down (the job then tries again later). */
const TIMEOUT_MS = 20_000

export interface MailSettings {
  host: string
  port: number
  security: 'starttls' | 'tls' | 'none'
  user: string
  password: string
  from: string
  siteName: string
}

export async function mailSettings(settings: SettingsService): Promise<MailSettings> {
  return {
    host: await settings.get('mail.host'),
    port: await settings.get('mail.port'),
    security: (await settings.get('mail.security')) as MailSettings['security'],
    user: await settings.get('mail.user'),
    password: await settings.get('mail.password'),
    from: await settings.get('mail.from'),
    siteName: await settings.get('site.name'),
  }
}

/** The From header: the site's name with the operator's address, or noreply@ the SMTP host. */
export const fromHeader = (m: MailSettings) => ({ name: m.siteName, address: m.from || `noreply@${m.host.replace(/^\[|\]$/g, '')}` })

/**
 * Send one message now. Throws `UnrecoverableJobError` when retrying cannot help (the server refused the
 * recipient or the sender for good: a 5xx answer; email is not set up), and a plain error when it may (the
 * server is down, a timeout, a 4xx answer, a refused login the operator may still fix), so the sending job
 * tries again later.
 */
export async function sendMail(m: MailSettings, message: MailMessage): Promise<{ messageId: string; accepted: string[] }> {
  if (!m.host) throw new UnrecoverableJobError('Outgoing email is not set up: set mail.host (Admin → Site settings, or `hearth settings set mail.host ...`).')
  const transport = nodemailer.createTransport({
    host: m.host,
    port: m.port,
    secure: m.security === 'tls',
    requireTLS: m.security === 'starttls',
    ignoreTLS: m.security === 'none',
    auth: m.user ? { user: m.user, pass: m.password } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  })
  try {
    const info = await transport.sendMail({ from: fromHeader(m), to: message.to, subject: message.subject, text: message.text, html: message.html, headers: message.headers })
    return { messageId: info.messageId, accepted: info.accepted.map(String) }
  } catch (err) {
    const e = err as { responseCode?: number; code?: string; message?: string }
    if (e.responseCode && e.responseCode >= 500) throw new UnrecoverableJobError(`The mail server refused the message: ${e.message ?? e.responseCode}`, { cause: err })
    throw err
  } finally {
    transport.close()
  }
}
