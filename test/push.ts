// A push service for tests (an HTTP server on 127.0.0.1, allowed by `push.services`) and a browser's keys, to
// decrypt each push (RFC 8291, aes128gcm) and check its VAPID token (RFC 8292) as a real push service would.
import assert from 'node:assert/strict'
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  path: string
  headers: IncomingMessage['headers']
  body: Buffer
}

/** A push service: records each push; answers with the status set for its path (201 otherwise). */
export async function startPushService() {
  const received: Received[] = []
  const status = new Map<string, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(status.get(req.url!) ?? 201).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { received, status, base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A browser's push keys: a P-256 key pair and a 16-byte auth secret. */
export function browserKeys() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = randomBytes(16)
  return { ecdh, auth, json: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } }
}

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest()

/** RFC 8291 / RFC 8188: decrypt an aes128gcm push body with the browser's private key and auth secret. */
export function decrypt(body: Buffer, keys: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16)
  const idlen = body[20]!
  const serverPublic = body.subarray(21, 21 + idlen)
  const ciphertext = body.subarray(21 + idlen)
  const shared = keys.ecdh.computeSecret(serverPublic)
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), serverPublic])
  const ikm = hmac(hmac(keys.auth, shared), Buffer.concat([info, Buffer.from([1])]))
  const prk = hmac(salt, ikm)
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16)
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12)
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(ciphertext.subarray(-16))
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()])
  const end = padded.lastIndexOf(2) // the last record's delimiter, then padding
  return padded.subarray(0, end).toString('utf8')
}

/** RFC 8292: check the `vapid t=JWT, k=KEY` header: an ES256 token signed by the key, for the push service's origin. */
export function checkVapid(header: string, audience: string, publicKey: string): Record<string, unknown> {
  const m = header.match(/^vapid t=([^,]+), k=(.+)$/)
  assert.ok(m, header)
  assert.equal(m[2], publicKey, 'the key sent is the instance’s')
  const [h, p, sig] = m[1]!.split('.')
  const raw = Buffer.from(publicKey, 'base64url')
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' })
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig!, 'base64url')), 'the token’s signature verifies')
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>
  assert.equal(claims.aud, audience)
  assert.ok(Number(claims.exp) > Date.now() / 1000)
  return claims
}
