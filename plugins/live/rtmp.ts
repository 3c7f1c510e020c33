// A small RTMP server for publishers (OBS, ffmpeg, hardware encoders): the handshake, the chunk stream, the few AMF0
// commands a publisher sends, and its audio, video and metadata handed on as FLV tags. Nothing is played back over
// RTMP (viewers watch HLS). Every size a client announces is checked before memory is spent on it. Why our own and
// not node-media-server's parser: docs/decisions/040-rtmp-ingest.md.
import { createHmac, randomBytes } from 'node:crypto'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/** The largest RTMP message taken (a keyframe at 20 Mbit/s with a 2 s interval is about 5 MB). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024
/** Chunk streams one connection may use at once (encoders use 3 to 6). */
const MAX_CHUNK_STREAMS = 16
/** Time a client has from connecting to publishing. */
const PUBLISH_WITHIN_MS = 10_000
/** A publisher silent this long is gone (OBS sends video continuously). */
const IDLE_MS = 15_000
/** The acknowledgement window we ask the client to use, and the chunk size we send with. */
const WINDOW = 2_500_000
const OUT_CHUNK = 4096

// ---- AMF0: the values of RTMP commands and metadata

type Amf = number | boolean | string | null | undefined | Date | Amf[] | { [key: string]: Amf }

class AmfReader {
  constructor(
    private readonly b: Buffer,
    public o = 0,
  ) {}
  get done() {
    return this.o >= this.b.length
  }
  private need(n: number) {
    if (this.o + n > this.b.length) throw new RtmpError('AMF value cut short')
  }
  private str(n: number) {
    this.need(n)
    const s = this.b.toString('utf8', this.o, this.o + n)
    this.o += n
    return s
  }
  private u16() {
    this.need(2)
    return this.b.readUInt16BE((this.o += 2) - 2)
  }
  private u32() {
    this.need(4)
    return this.b.readUInt32BE((this.o += 4) - 4)
  }
  private props(depth: number): Record<string, Amf> {
    const out: Record<string, Amf> = Object.create(null)
    for (;;) {
      const key = this.str(this.u16())
      this.need(1)
      if (key === '' && this.b[this.o] === 9) {
        this.o++
        return out
      }
      out[key] = this.value(depth + 1)
    }
  }
  value(depth = 0): Amf {
    if (depth > 8) throw new RtmpError('AMF nested too deep')
    this.need(1)
    const marker = this.b[this.o++]
    switch (marker) {
      case 0:
        this.need(8)
        return this.b.readDoubleBE((this.o += 8) - 8)
      case 1:
        this.need(1)
        return this.b[this.o++] !== 0
      case 2:
        return this.str(this.u16())
      case 3:
        return this.props(depth)
      case 5:
        return null
      case 6:
        return undefined
      case 7: // a reference: not used by publishers
        this.u16()
        return null
      case 8:
        this.u32() // an ECMA array's count is a hint; its end marker ends it
        return this.props(depth)
      case 10: {
        const n = this.u32()
        if (n > this.b.length - this.o) throw new RtmpError('AMF array longer than its message')
        const out: Amf[] = []
        for (let i = 0; i < n; i++) out.push(this.value(depth + 1))
        return out
      }
      case 11: {
        this.need(10)
        const d = new Date(this.b.readDoubleBE(this.o))
        this.o += 10
        return d
      }
      case 12:
        return this.str(this.u32())
      default:
        throw new RtmpError(`AMF type ${marker} not supported`)
    }
  }
}

function amfEncode(values: Amf[]): Buffer {
  const parts: Buffer[] = []
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8')
    const len = Buffer.alloc(2)
    len.writeUInt16BE(b.length)
    parts.push(len, b)
  }
  const one = (v: Amf) => {
    if (typeof v === 'number') {
      const b = Buffer.alloc(9)
      b.writeDoubleBE(v, 1)
      parts.push(b)
    } else if (typeof v === 'boolean') parts.push(Buffer.from([1, v ? 1 : 0]))
    else if (typeof v === 'string') {
      parts.push(Buffer.from([2]))
      str(v)
    } else if (v === null) parts.push(Buffer.from([5]))
    else if (v === undefined) parts.push(Buffer.from([6]))
    else if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      parts.push(Buffer.from([3]))
      for (const [k, x] of Object.entries(v)) {
        str(k)
        one(x)
      }
      parts.push(Buffer.from([0, 0, 9]))
    } else throw new Error('not encoded here')
  }
  values.forEach(one)
  return Buffer.concat(parts)
}

// ---- FLV: what ffmpeg reads on its stdin

/** The FLV file header (with the first "previous tag size"), saying whether audio and video follow. */
export function flvHeader(audio: boolean, video: boolean): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 1, (audio ? 4 : 0) | (video ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0])
}

/** One FLV tag (audio 8, video 9, script 18) with its trailing size. */
export function flvTag(type: number, timestamp: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(11 + payload.length + 4)
  out[0] = type
  out.writeUIntBE(payload.length, 1, 3)
  out.writeUIntBE(timestamp & 0xffffff, 4, 3)
  out[7] = (timestamp >>> 24) & 0xff
  out.writeUIntBE(0, 8, 3)
  payload.copy(out, 11)
  out.writeUInt32BE(11 + payload.length, 11 + payload.length)
  return out
}

// ---- The handshake (the "complex" one is answered in kind: some encoders check the server's digest)

const FP_KEY = Buffer.from('Genuine Adobe Flash Player 001')
const FMS_KEY = Buffer.from('Genuine Adobe Flash Media Server 001')
const CRUD = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex')
const FMS_KEY_CRUD = Buffer.concat([FMS_KEY, CRUD])
const hmac = (data: Buffer, key: Buffer) => createHmac('sha256', key).update(data).digest()
/** Where the 32-byte digest sits in a 1536-byte handshake, for scheme 0 (base 772) or 1 (base 8). */
const digestAt = (b: Buffer, scheme: 0 | 1) => {
  const base = scheme === 0 ? 772 : 8
  return ((b[base]! + b[base + 1]! + b[base + 2]! + b[base + 3]!) % 728) + base + 4
}
const withoutDigest = (b: Buffer, at: number) => Buffer.concat([b.subarray(0, at), b.subarray(at + 32)])

/** S0, S1 and S2 for a client's C1. */
export function handshakeReply(c1: Buffer): Buffer {
  for (const scheme of [0, 1] as const) {
    const at = digestAt(c1, scheme)
    if (!hmac(withoutDigest(c1, at), FP_KEY).equals(c1.subarray(at, at + 32))) continue
    const s1 = Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 2, 3, 4]), randomBytes(1528)])
    const s1At = digestAt(s1, scheme)
    hmac(withoutDigest(s1, s1At), FMS_KEY).copy(s1, s1At)
    const s2Random = randomBytes(1504)
    const s2 = Buffer.concat([s2Random, hmac(s2Random, hmac(c1.subarray(at, at + 32), FMS_KEY_CRUD))])
    return Buffer.concat([Buffer.from([3]), s1, s2])
  }
  // The simple handshake: S1 is ours, S2 echoes C1.
  return Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(1528), c1])
}

// ---- Connections

export class RtmpError extends Error {}

/** What a publisher asked for: the app (the URL's path) and the stream name (the stream key). */
export interface PublishRequest {
  app: string
  key: string
  remote: string
}

/** A live publisher as the server's user sees it: its media in, and a way to close it. */
export interface Publisher {
  /** The `onMetaData` the encoder sent (codecs, bitrates). */
  metadata?(meta: Record<string, Amf>): void
  /** Audio (8), video (9) or script (18) data, in order; the connection waits while a returned promise is pending. */
  media(type: 8 | 9 | 18, timestamp: number, payload: Buffer): void | Promise<void>
  /** The connection is gone (the encoder stopped, the network, `close()`). */
  closed(reason: string): void
}

export interface RtmpHandlers {
  /** Accept a publisher (answer its handlers) or refuse it (answer why, which the encoder is told). */
  publish(request: PublishRequest, connection: RtmpConnection): Promise<Publisher | string>
  log?(level: 'info' | 'warn', detail: Record<string, unknown>, message: string): void
  /** Take a new connection before any RTMP is read (a replica passes it to the primary); true when taken. */
  divert?(socket: Socket, port: number): boolean
}

interface ChunkStream {
  timestamp: number
  field: number
  length: number
  type: number
  streamId: number
  ext: boolean
  payload: Buffer | null
  received: number
}

export class RtmpConnection {
  private buf: Buffer = Buffer.alloc(0)
  private phase: 'c0c1' | 'c2' | 'chunks' | 'closed' = 'c0c1'
  private inChunk = 128
  private streams = new Map<number, ChunkStream>()
  private received = 0
  private acked = 0
  private peerWindow = 0
  private busy = false
  private publisher: Publisher | null = null
  private app = ''
  private publishTimer: NodeJS.Timeout
  /** Bytes of audio and video taken, for the bitrate limit. */
  mediaBytes = 0
  readonly remote: string

  constructor(
    private readonly socket: Socket,
    private readonly handlers: RtmpHandlers,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    socket.setNoDelay(true)
    socket.setTimeout(IDLE_MS, () => this.close('idle'))
    this.publishTimer = setTimeout(() => this.close('did not publish in time'), PUBLISH_WITHIN_MS)
    socket.on('data', (d: Buffer) => this.data(d))
    socket.on('error', () => {})
    socket.on('close', () => this.gone('disconnected'))
  }

  /** Close the connection; the publisher is told why. */
  close(reason: string): void {
    if (this.phase === 'closed') return
    this.socket.end()
    setTimeout(() => this.socket.destroy(), 1000).unref()
    this.gone(reason)
  }

  private gone(reason: string) {
    const wasOpen = this.phase !== 'closed'
    this.phase = 'closed'
    clearTimeout(this.publishTimer)
    const p = this.publisher
    this.publisher = null
    if (wasOpen || p) p?.closed(reason)
  }

  private data(d: Buffer) {
    if (this.phase === 'closed') return
    this.received += d.length
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
    if (this.peerWindow && this.received - this.acked >= this.peerWindow) {
      this.acked = this.received
      this.control(3, this.u32(this.received >>> 0))
    }
    void this.pump()
  }

  /** Parse what arrived; pauses the socket while a handler (the key check, a full ffmpeg) is busy. */
  private async pump() {
    if (this.busy) return
    this.busy = true
    try {
      while (this.phase !== 'closed') {
        const work = this.step()
        if (work === null) break
        if (work !== true) {
          this.socket.pause()
          await work
          this.socket.resume()
        }
      }
    } catch (err) {
      this.handlers.log?.('warn', { remote: this.remote, err: (err as Error).message }, 'live: RTMP connection refused')
      this.close(err instanceof RtmpError ? err.message : 'protocol error')
    } finally {
      this.busy = false
    }
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    return out
  }

  /** One unit of work: true when something was parsed, a promise to wait on, or null when more bytes are needed. */
  private step(): true | Promise<void> | null {
    if (this.phase === 'c0c1') {
      if (this.buf.length < 1537) return null
      const c0c1 = this.take(1537)
      if (c0c1[0] !== 3) throw new RtmpError(`RTMP version ${c0c1[0]} not supported`)
      this.socket.write(handshakeReply(Buffer.from(c0c1.subarray(1))))
      this.phase = 'c2'
      return true
    }
    if (this.phase === 'c2') {
      if (this.buf.length < 1536) return null
      this.take(1536)
      this.phase = 'chunks'
      return true
    }
    return this.chunk()
  }

  private chunk(): true | Promise<void> | null {
    const b = this.buf
    if (b.length < 1) return null
    const fmt = b[0]! >> 6
    let csid = b[0]! & 0x3f
    let o = 1
    if (csid === 0) {
      if (b.length < 2) return null
      csid = 64 + b[1]!
      o = 2
    } else if (csid === 1) {
      if (b.length < 3) return null
      csid = 64 + b[1]! + b[2]! * 256
      o = 3
    }
    const headerLen = [11, 7, 3, 0][fmt]!
    if (b.length < o + headerLen) return null
    let st = this.streams.get(csid)
    if (!st) {
      if (fmt > 1) throw new RtmpError(`chunk stream ${csid} continued before it began`)
      if (this.streams.size >= MAX_CHUNK_STREAMS) throw new RtmpError('too many chunk streams')
      st = { timestamp: 0, field: 0, length: 0, type: 0, streamId: 0, ext: false, payload: null, received: 0 }
    }
    let field = st.field
    let length = st.length
    let type = st.type
    let streamId = st.streamId
    let ext = st.ext
    if (fmt <= 2) {
      field = b.readUIntBE(o, 3)
      ext = field === 0xffffff
    }
    if (fmt <= 1) {
      length = b.readUIntBE(o + 3, 3)
      type = b[o + 6]!
    }
    if (fmt === 0) streamId = b.readUInt32LE(o + 7)
    o += headerLen
    if (ext) {
      if (b.length < o + 4) return null
      field = b.readUInt32BE(o)
      o += 4
    }
    const starting = st.received === 0
    if (starting && length > MAX_MESSAGE_BYTES) throw new RtmpError(`a message of ${length} bytes is over the limit`)
    const size = Math.min(this.inChunk, (starting ? length : st.length) - st.received)
    if (b.length < o + size) return null
    // The whole chunk is here: commit its header, then its bytes.
    this.streams.set(csid, st)
    if (starting) {
      st.timestamp = fmt === 0 ? field : st.timestamp + field
      st.length = length
      st.type = type
      st.streamId = streamId
      st.payload = length ? Buffer.allocUnsafe(length) : Buffer.alloc(0)
    }
    st.field = field
    st.ext = ext
    b.copy(st.payload!, st.received, o, o + size)
    st.received += size
    this.take(o + size)
    if (st.received < st.length) return true
    const payload = st.payload!
    st.payload = null
    st.received = 0
    return this.message(st.type, st.timestamp >>> 0, st.streamId, payload) ?? true
  }

  private message(type: number, timestamp: number, streamId: number, payload: Buffer): Promise<void> | void {
    switch (type) {
      case 1: {
        const size = payload.readUInt32BE(0) & 0x7fffffff
        if (size < 64 || size > MAX_MESSAGE_BYTES) throw new RtmpError(`chunk size ${size} refused`)
        this.inChunk = size
        return
      }
      case 2: {
        const st = this.streams.get(payload.readUInt32BE(0))
        if (st) (st.payload = null), (st.received = 0)
        return
      }
      case 5:
        this.peerWindow = payload.readUInt32BE(0)
        return
      case 8:
      case 9:
        if (!this.publisher) return
        this.mediaBytes += payload.length
        return this.publisher.media(type, timestamp, payload)
      case 18:
        return this.data18(timestamp, payload)
      case 17:
        return this.command(payload.subarray(1), streamId)
      case 20:
        return this.command(payload, streamId)
      default:
        return // acknowledgements, user control, peer bandwidth: nothing to do for a publisher
    }
  }

  /** Script data: `@setDataFrame onMetaData {…}` from the encoder, stored in the FLV as `onMetaData {…}`. */
  private data18(timestamp: number, payload: Buffer): Promise<void> | void {
    if (!this.publisher) return
    const r = new AmfReader(payload)
    let name = r.value()
    let from = 0
    if (name === '@setDataFrame') {
      from = r.o
      name = r.value()
    }
    if (name !== 'onMetaData') return
    const meta = r.value()
    if (meta && typeof meta === 'object' && !Array.isArray(meta) && !(meta instanceof Date)) this.publisher.metadata?.(meta)
    return this.publisher.media(18, timestamp, payload.subarray(from))
  }

  private command(payload: Buffer, streamId: number): Promise<void> | void {
    const r = new AmfReader(payload)
    const name = r.value()
    const tx = r.done ? 0 : r.value()
    const args: Amf[] = []
    while (!r.done) args.push(r.value())
    const transaction = typeof tx === 'number' ? tx : 0
    switch (name) {
      case 'connect': {
        const o = args[0]
        this.app = o && typeof o === 'object' && !Array.isArray(o) && typeof (o as Record<string, Amf>).app === 'string' ? String((o as Record<string, Amf>).app).replace(/\/+$/, '') : ''
        this.control(5, this.u32(WINDOW))
        this.control(6, Buffer.concat([this.u32(WINDOW), Buffer.from([2])]))
        this.control(1, this.u32(OUT_CHUNK))
        this.invoke(0, ['_result', transaction, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 }])
        return
      }
      case 'releaseStream':
      case 'FCPublish':
      case 'FCUnpublish':
        if (transaction) this.invoke(0, ['_result', transaction, null, undefined])
        if (name === 'FCUnpublish' && this.publisher) this.close('the encoder stopped')
        return
      case 'createStream':
        this.invoke(0, ['_result', transaction, null, 1])
        return
      case 'publish':
        return this.publish(typeof args[1] === 'string' ? args[1] : '', streamId || 1)
      case 'deleteStream':
      case 'closeStream':
        if (this.publisher) this.close('the encoder stopped')
        return
      case 'play':
        this.status(streamId || 1, 'error', 'NetStream.Play.Failed', 'This server takes streams; watch on the website.')
        this.close('asked to play')
        return
      default:
        if (transaction) this.invoke(0, ['_error', transaction, null, { level: 'error', code: 'NetConnection.Call.Failed', description: `${String(name)} is not supported.` }])
    }
  }

  private async publish(key: string, streamId: number) {
    if (this.publisher) throw new RtmpError('already publishing')
    clearTimeout(this.publishTimer)
    const answer = await this.handlers.publish({ app: this.app, key: key.split('?')[0] ?? '', remote: this.remote }, this)
    if (this.phase === 'closed') {
      if (typeof answer !== 'string') answer.closed('disconnected')
      return
    }
    if (typeof answer === 'string') {
      this.status(streamId, 'error', 'NetStream.Publish.BadName', answer)
      this.close(answer)
      return
    }
    this.publisher = answer
    this.control(4, Buffer.from([0, 0, ...this.u32(streamId)])) // StreamBegin
    this.status(streamId, 'status', 'NetStream.Publish.Start', 'Live.')
  }

  private u32(n: number) {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(n >>> 0)
    return b
  }

  /** A protocol control message on chunk stream 2. */
  private control(type: number, body: Buffer) {
    this.send(2, type, 0, body)
  }

  private invoke(streamId: number, values: Amf[]) {
    this.send(3, 20, streamId, amfEncode(values))
  }

  private status(streamId: number, level: string, code: string, description: string) {
    this.invoke(streamId, ['onStatus', 0, null, { level, code, description }])
  }

  /** One message as a type-0 chunk and type-3 continuations of at most OUT_CHUNK bytes (set in the connect reply). */
  private send(csid: number, type: number, streamId: number, body: Buffer) {
    if (this.phase === 'closed') return
    const header = Buffer.alloc(12)
    header[0] = csid
    header.writeUIntBE(body.length, 4, 3)
    header[7] = type
    header.writeUInt32LE(streamId, 8)
    // The chunk size we announce applies after it is sent; until then (the control messages) 128.
    const chunk = type === 1 || type === 5 || type === 6 ? 128 : OUT_CHUNK
    const parts: Buffer[] = [header]
    for (let i = 0; i < body.length; i += chunk) {
      if (i) parts.push(Buffer.from([0xc0 | csid]))
      parts.push(body.subarray(i, i + chunk))
    }
    this.socket.write(Buffer.concat(parts))
  }
}

/** The RTMP listener: one connection object per client, all closed with it. */
export class RtmpServer {
  private server: Server | null = null
  private readonly connections = new Set<RtmpConnection>()
  private readonly sockets = new Set<Socket>()

  constructor(private readonly handlers: RtmpHandlers) {}

  /** Listen; answers the port (useful with 0). */
  listen(port: number, host?: string): Promise<number> {
    const server = createServer((socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
      if (this.handlers.divert?.(socket, (server.address() as AddressInfo).port)) return
      const conn = new RtmpConnection(socket, this.handlers)
      this.connections.add(conn)
      socket.once('close', () => this.connections.delete(conn))
    })
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
    })
  }

  get port(): number | null {
    const a = this.server?.address()
    return a && typeof a === 'object' ? a.port : null
  }

  /** Stop listening and drop every connection. */
  async close(): Promise<void> {
    const server = this.server
    this.server = null
    for (const c of this.connections) c.close('the server is closing')
    for (const s of this.sockets) s.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
