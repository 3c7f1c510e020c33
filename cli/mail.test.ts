// `hearth mail test`, run as a real subprocess, against a real SMTP server started in the test (nothing leaves this machine).
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { SMTPServer } from 'smtp-server'
import { createTestApp, tempDir } from '../test/harness.js'
import { assertFails, hearth, json, show } from '../test/cli.js'

describe('hearth mail test', () => {
  const data = tempDir('hearth-cli-mail-')
  const received: string[] = []
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, cb) => (address.address.endsWith('@nowhere.example') ? cb(Object.assign(new Error('No such mailbox'), { responseCode: 550 })) : cb()),
    onData(stream, session, cb) {
      stream.resume()
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address))
        cb()
      })
    },
  })
  before(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    await (await createTestApp({ dataDir: data })).close()
  })
  after(() => new Promise<void>((resolve) => smtp.close(() => resolve())))

  test('says so on stderr, in one sentence, when email is not set up', async () => {
    assertFails(await hearth(['mail', 'test', '--to', 'ops@example.org', '--data', data]), 1, /cannot send email yet/)
  })

  test('sends through the settings and says the server took it; a refused address is one error line', async () => {
    const port = (smtp.server.address() as AddressInfo).port
    for (const [k, v] of [['mail.host', '127.0.0.1'], ['mail.port', String(port)], ['mail.security', 'none']]) {
      const r = await hearth(['settings', 'set', k!, v!, '--data', data])
      assert.equal(r.code, 0, show(r))
    }
    const r = json<{ sent: boolean }>(await hearth(['mail', 'test', '--to', 'ops@example.org', '--json', '--data', data]))
    assert.equal(r.sent, true)
    assert.deepEqual(received, ['ops@example.org'])
    assertFails(await hearth(['mail', 'test', '--to', 'ops@nowhere.example', '--data', data]), 1, /did not take the message: .*No such mailbox/)
    assertFails(await hearth(['mail', 'test', '--to', 'not an address', '--data', data]), 2, /valid email address/)
  })
})
