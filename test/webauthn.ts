// A software passkey for tests: an ES256 key made with Node's crypto, a "none" attestation and assertions encoded by
// hand (a tiny CBOR encoder), exactly as an authenticator and browser would send them to the real verifier.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'

type Cbor = number | string | Uint8Array | Map<number | string, Cbor>

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n])
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff])
  const b = Buffer.alloc(5)
  b[0] = (major << 5) | 26
  b.writeUInt32BE(n, 1)
  return b
}

/** CBOR (RFC 8949) for the few types WebAuthn uses: integers, text, bytes and maps. */
export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v)
  if (typeof v === 'string') return Buffer.concat([head(3, Buffer.byteLength(v)), Buffer.from(v)])
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v])
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])])
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url')
const FLAG_UP = 0x01
const FLAG_UV = 0x04
const FLAG_AT = 0x40

export interface Options {
  rp: { id: string }
  challenge: string
  user?: { id: string }
}

export class SoftPasskey {
  readonly credentialId = randomBytes(16)
  private readonly key: KeyObject
  private readonly publicJwk: { x: string; y: string }
  counter = 0
  userHandle: string | null = null

  constructor(
    readonly origin: string,
    /** Whether the "device" checks a PIN or biometric (the UV flag). */
    public userVerified = true,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.key = privateKey
    this.publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string }
  }

  get id(): string {
    return b64u(this.credentialId)
  }

  private flags(extra = 0): number {
    return FLAG_UP | (this.userVerified ? FLAG_UV : 0) | extra
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  /** The response of `navigator.credentials.create` for these options, as core/client/passkeys.js sends it. */
  create(options: Options, tweak: { origin?: string; rpId?: string } = {}) {
    this.userHandle = options.user?.id ?? null
    const cose = cbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(this.publicJwk.x, 'base64url')],
        [-3, Buffer.from(this.publicJwk.y, 'base64url')],
      ]),
    )
    const idLen = Buffer.alloc(2)
    idLen.writeUInt16BE(this.credentialId.length)
    const count = Buffer.alloc(4)
    count.writeUInt32BE(this.counter)
    const rpIdHash = createHash('sha256').update(tweak.rpId ?? options.rp.id).digest()
    const authData = Buffer.concat([rpIdHash, Buffer.from([this.flags(FLAG_AT)]), count, Buffer.alloc(16), idLen, this.credentialId, cose])
    const attestationObject = cbor(new Map<string, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(this.clientData('webauthn.create', options.challenge, tweak.origin)), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
    }
  }

  /** The response of `navigator.credentials.get`: the counter moves on unless `counter` says what to claim. */
  get(options: { rpId: string; challenge: string }, tweak: { origin?: string; counter?: number; userHandle?: string | null } = {}) {
    this.counter = tweak.counter ?? this.counter + 1
    const count = Buffer.alloc(4)
    count.writeUInt32BE(this.counter)
    const authData = Buffer.concat([createHash('sha256').update(options.rpId).digest(), Buffer.from([this.flags()]), count])
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tweak.origin)
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]), this.key)
    const userHandle = tweak.userHandle === undefined ? this.userHandle : tweak.userHandle
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), ...(userHandle ? { userHandle } : {}) },
      clientExtensionResults: {},
    }
  }
}
