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
  /**
   * The first message `match` accepts among those received (with `since`, after that many had come), waiting for it
   * as long as `ms` if it has not come yet (a server's own queue sends in the background).
   */
  async function next(match: (mail: ParsedMail) => boolean, options: { since?: number; ms?: number } = {}): Promise<ParsedMail> {
    const from = options.since ?? 0
    const end = Date.now() + (options.ms ?? 30_000)
    for (;;) {
      const found = received.slice(from).find(match)
      if (found) return found
      const left = end - Date.now()
      if (left <= 0) throw new Error(`no matching email came; received: ${received.slice(from).map((m) => m.subject).join(', ') || 'nothing'}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        state.waiters.push(() => (clearTimeout(timer), resolve()))
      })
    }
  }
  return { server, port, received, state, next, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A header's value as it was sent (mailparser turns List-* headers into objects). */
export const headerLine = (mail: ParsedMail, name: string) => {
  const line = mail.headerLines.find((h) => h.key === name)?.line ?? ''
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim()
}

/** The first address a message was sent to. */
export const recipient = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address

export const linkIn = (mail: ParsedMail, path: string) => {
  const m = (mail.text ?? '').match(new RegExp(`https?://[^\\s]+${path.replace('/', '\\/')}\\?token=([A-Za-z0-9_-]+)`))
  assert.ok(m, `a ${path} link in: ${mail.text}`)
  return { url: m[0], token: m[1]! }
}
