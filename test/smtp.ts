// A real SMTP server for tests (smtp-server), its messages parsed as a mail program would (mailparser). The
// boundary: no message leaves this machine.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'

export type { ParsedMail }

/** An SMTP server on a free port that keeps what it receives; `refuse` makes it answer 550 to a recipient. */
export async function startSmtp() {
  const received: ParsedMail[] = []
  const state = { refuse: null as string | null, waiters: [] as (() => void)[] }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (state.refuse && address.address === state.refuse) return cb(Object.assign(new Error('No such mailbox here'), { responseCode: 550 }))
      cb()
    },
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail)
          for (const w of state.waiters.splice(0)) w()
          cb()
        })
        .catch(cb)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { server, port, received, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A header's value as it was sent (mailparser turns List-* headers into objects). */
export const headerLine = (mail: ParsedMail, name: string) => {
  const line = mail.headerLines.find((h) => h.key === name)?.line ?? ''
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim()
}

export const linkIn = (mail: ParsedMail, path: string) => {
  const m = (mail.text ?? '').match(new RegExp(`https?://[^\\s]+${path.replace('/', '\\/')}\\?token=([A-Za-z0-9_-]+)`))
  assert.ok(m, `a ${path} link in: ${mail.text}`)
  return { url: m[0], token: m[1]! }
}
