// Sub-second viewing over WebRTC (WHEP, decision 056-live-webrtc): the stream's ffmpeg sends the H.264 it already
// encodes for HLS, and Opus, as RTP to two UDP ports on 127.0.0.1; werift reads them into two tracks and forwards
// the packets to every viewer's peer connection. No decoding, no re-encoding per viewer.
import { randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { MediaStreamTrack, RTCPeerConnection, useH264, useOPUS } from 'werift'
import { AppError } from '../../core/plugins/api.js'

/** RTP payload types ffmpeg writes; werift rewrites them to what each viewer's offer chose. */
export const VIDEO_PT = 102
export const AUDIO_PT = 111
/** The biggest offer taken (a browser's is 3-8 KB): refused before it is parsed. */
export const MAX_OFFER_BYTES = 20_000
/** A viewer whose connection does not come up in this long, or is lost for this long, is let go. */
const CONNECT_MS = 20_000
const LOST_MS = 10_000
/**
 * A connected viewer's browser sends RTCP receiver reports about once a second; none for this long means the tab
 * is gone (a closed tab may send no DELETE, and ICE consent only expires after 30 s): the place goes to the next.
 */
const SILENT_MS = 6_000

/** What the server sends: constrained baseline H.264 (every WebRTC browser decodes it, Firefox's OpenH264 only that) and Opus. */
const codecs = () => ({ video: [useH264({ payloadType: VIDEO_PT })], audio: [useOPUS({ payloadType: AUDIO_PT })] })

/** The UDP ports a stream's ffmpeg sends its RTP to. */
export interface RtpPorts {
  video: number
  audio: number
}

interface Session {
  id: string
  /** The member watching (null: a guest), rechecked when blocks or follows change. */
  viewerId: number | null
  pc: RTCPeerConnection
  timer: NodeJS.Timeout | null
  /** When the viewer's browser last sent RTCP (0: not connected yet). */
  heardAt: number
}

interface Relay {
  sockets: Socket[]
  /** The ports, once both sockets are bound. */
  bound: Promise<RtpPorts>
  video: MediaStreamTrack
  audio: MediaStreamTrack
  sessions: Map<string, Session>
  /** Lets go of viewers gone silent (SILENT_MS). */
  sweep: NodeJS.Timeout
}

const badSdp = (message: string) => new AppError(400, 'BAD_SDP', message)

/** A browser's SDP offer, checked before werift parses it: text, an offer, within MAX_OFFER_BYTES, with a video or audio section. */
export function checkOffer(sdp: string): void {
  if (sdp.length > MAX_OFFER_BYTES) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `An offer is at most ${MAX_OFFER_BYTES / 1000} KB.`)
  if (!sdp.startsWith('v=0')) throw badSdp('Send an SDP offer (it starts with v=0) with Content-Type: application/sdp.')
  if (!/^m=(video|audio) /m.test(sdp)) throw badSdp('The offer has no video or audio section to receive.')
  if (!/^a=ice-ufrag:/m.test(sdp) || !/^a=fingerprint:/m.test(sdp)) throw badSdp('The offer lacks ICE credentials or a DTLS fingerprint.')
}

/** The WebRTC relays of the streams live in this process, one per stream, with their viewers' peer connections. */
export class Relays {
  private relays = new Map<number, Relay>()

  constructor(private readonly log: (msg: string, detail: Record<string, unknown>) => void) {}

  /** The stream's relay: two UDP sockets on 127.0.0.1 for ffmpeg's RTP, opened on the first call. */
  open(streamId: number): Promise<RtpPorts> {
    const had = this.relays.get(streamId)
    if (had) return had.bound
    const video = new MediaStreamTrack({ kind: 'video' })
    const audio = new MediaStreamTrack({ kind: 'audio' })
    const sockets = [video, audio].map((track) => {
      const socket = createSocket('udp4')
      socket.on('message', (packet) => relay.sessions.size && track.writeRtp(packet))
      socket.on('error', (err) => this.log('live: an RTP socket failed', { stream: streamId, err }))
      return socket
    })
    const sweep = setInterval(() => {
      const silent = Date.now() - SILENT_MS
      for (const session of relay.sessions.values()) if (session.heardAt && session.heardAt < silent) void this.hangUp(streamId, session.id)
    }, 2_000)
    sweep.unref()
    // Bound before anything else may close them (close waits for this): no socket is left half opened.
    const bound = Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve)))).then(() => ({
      video: sockets[0]!.address().port,
      audio: sockets[1]!.address().port,
    }))
    const relay: Relay = { sockets, bound, video, audio, sessions: new Map(), sweep }
    this.relays.set(streamId, relay)
    return bound
  }

  /** Whether the stream has a relay (it is offered over WebRTC). */
  has(streamId: number): boolean {
    return this.relays.has(streamId)
  }

  /** Viewers connected or connecting over WebRTC. */
  count(streamId: number): number {
    return this.relays.get(streamId)?.sessions.size ?? 0
  }

  /**
   * A viewer's offer answered (non-trickle: the answer carries the server's host candidates). Throws 503
   * WEBRTC_FULL past `max` viewers, 400 BAD_SDP for an offer werift cannot use.
   */
  async answer(streamId: number, viewerId: number | null, offer: string, max: number): Promise<{ session: string; sdp: string }> {
    const relay = this.relays.get(streamId)
    if (!relay) throw new AppError(409, 'WEBRTC_UNAVAILABLE', 'This stream is not offered over WebRTC; play its HLS playlist.')
    // One connection per member and stream: a new offer (a reload, a second tab) replaces the one before.
    if (viewerId !== null) for (const old of [...relay.sessions.values()]) if (old.viewerId === viewerId) await this.hangUp(streamId, old.id)
    if (relay.sessions.size >= max) throw new AppError(503, 'WEBRTC_FULL', 'This stream has as many WebRTC viewers as it takes; play its HLS playlist.')
    checkOffer(offer)
    const pc = new RTCPeerConnection({
      codecs: codecs(),
      // Host candidates only (loopback too, for a viewer on the same machine): the server is where viewers reach it;
      // a viewer behind a strict NAT relays through the TURN servers core gives their page (the stream's API object).
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
    })
    const session: Session = { id: randomBytes(16).toString('hex'), viewerId, pc, timer: null, heardAt: 0 }
    relay.sessions.set(session.id, session)
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer })
      let sending = 0
      for (const t of pc.getTransceivers()) {
        const track = t.kind === 'video' ? relay.video : t.kind === 'audio' ? relay.audio : null
        if (!track || !t.codecs.length) continue
        t.setDirection('sendonly')
        await t.sender.replaceTrack(track)
        t.sender.onRtcp.subscribe(() => (session.heardAt = Date.now()))
        sending++
      }
      if (!sending) throw badSdp('The offer accepts neither H.264 (constrained baseline) video nor Opus audio.')
      await pc.setLocalDescription(await pc.createAnswer())
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve()
        const sub = pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && (sub.unSubscribe(), resolve()))
      })
    } catch (err) {
      await this.hangUp(streamId, session.id)
      if (err instanceof AppError) throw err
      throw badSdp(`The offer could not be used: ${err instanceof Error ? err.message : String(err)}`)
    }
    // Let go of a viewer who never connects or whose connection is lost (a closed tab sends no DELETE).
    const later = (ms: number) => {
      if (session.timer) clearTimeout(session.timer)
      session.timer = setTimeout(() => void this.hangUp(streamId, session.id), ms)
      session.timer.unref()
    }
    later(CONNECT_MS)
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        if (session.timer) clearTimeout(session.timer)
        session.heardAt = Date.now()
      }
      else if (state === 'disconnected') later(LOST_MS)
      else if (state === 'failed' || state === 'closed') void this.hangUp(streamId, session.id)
    })
    return { session: session.id, sdp: pc.localDescription!.sdp }
  }

  /** Close one viewer's connection; false when there was none by that id. */
  async hangUp(streamId: number, sessionId: string): Promise<boolean> {
    const relay = this.relays.get(streamId)
    const session = relay?.sessions.get(sessionId)
    if (!relay || !session) return false
    relay.sessions.delete(sessionId)
    if (session.timer) clearTimeout(session.timer)
    await session.pc.close().catch(() => {})
    return true
  }

  /** Close the connections of viewers `allowed` now refuses (a block, an unfollow); returns how many. */
  async recheck(allowed: (streamId: number, viewerId: number | null) => Promise<boolean>): Promise<number> {
    let closed = 0
    for (const [streamId, relay] of this.relays) {
      for (const session of [...relay.sessions.values()]) {
        if (!(await allowed(streamId, session.viewerId)) && (await this.hangUp(streamId, session.id))) closed++
      }
    }
    return closed
  }

  /** The stream is over (or no longer offered): every viewer's connection and both sockets closed. */
  async close(streamId: number): Promise<void> {
    const relay = this.relays.get(streamId)
    if (!relay) return
    await Promise.all([...relay.sessions.keys()].map((id) => this.hangUp(streamId, id)))
    this.relays.delete(streamId)
    clearInterval(relay.sweep)
    await relay.bound
    for (const socket of relay.sockets) socket.close()
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.relays.keys()].map((id) => this.close(id)))
  }

}
