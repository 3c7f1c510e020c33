// Signaling: how one member's WebRTC offer, answer and ICE candidates reach their partner, and which ICE servers
// a page is given. Calls are peer to peer today; a relay through an SFU (mediasoup) would be another
// SignalingTransport that answers offers itself instead of passing them on.
import { createHmac } from 'node:crypto'
import type { RealtimeConnection } from '../../core/plugins/api.js'
import { MAX_SIGNAL_BYTES } from './inputs.js'

/** What an RTCPeerConnection takes in `iceServers`. */
export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

export interface SignalingTransport {
  readonly name: string
  /** Deliver one signal from a member to their partner's page. */
  relay(to: RealtimeConnection, session: string, data: SignalData): void
}

/** One checked signal: a session description, or an ICE candidate (null: the end of candidates). */
export type SignalData =
  | { description: { type: 'offer' | 'answer'; sdp: string } }
  | { candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null; usernameFragment: string | null } | null }

/** Peer to peer: the server passes each signal on, unchanged in meaning, to the partner. */
export const peerToPeer: SignalingTransport = {
  name: 'peer-to-peer',
  relay(to, session, data) {
    to.send({ type: 'signal', session, data })
  },
}

/** Check a signal's shape and size; returns the signal or a sentence saying what is wrong. */
export function checkSignal(raw: Record<string, unknown>): SignalData | string {
  if (JSON.stringify(raw).length > MAX_SIGNAL_BYTES) return `A signal is at most ${MAX_SIGNAL_BYTES / 1024} KB.`
  if ('description' in raw) {
    const d = raw.description as { type?: unknown; sdp?: unknown } | null
    if (!d || (d.type !== 'offer' && d.type !== 'answer') || typeof d.sdp !== 'string' || !d.sdp.startsWith('v=0')) return 'A description is { type: "offer" | "answer", sdp }.'
    return { description: { type: d.type, sdp: d.sdp } }
  }
  if ('candidate' in raw) {
    const c = raw.candidate as Record<string, unknown> | null
    if (c === null) return { candidate: null }
    if (typeof c !== 'object' || typeof c.candidate !== 'string' || c.candidate.length > 2000) return 'A candidate is { candidate, sdpMid, sdpMLineIndex } or null.'
    const str = (v: unknown) => (typeof v === 'string' && v.length <= 256 ? v : null)
    const index = typeof c.sdpMLineIndex === 'number' && Number.isInteger(c.sdpMLineIndex) && c.sdpMLineIndex >= 0 && c.sdpMLineIndex < 64 ? c.sdpMLineIndex : null
    return { candidate: { candidate: c.candidate, sdpMid: str(c.sdpMid), sdpMLineIndex: index, usernameFragment: str(c.usernameFragment) } }
  }
  return 'A signal carries a description or a candidate.'
}

/** STUN/TURN URLs from a setting (one per line, or separated by commas); other lines are returned as problems. */
export function parseIceUrls(text: string): { urls: string[]; problems: string[] } {
  const urls: string[] = []
  const problems: string[] = []
  for (const line of text.split(/[\n,]+/).map((l) => l.trim()).filter(Boolean)) {
    if (/^(stun|stuns|turn|turns):[^\s]+$/i.test(line)) urls.push(line)
    else problems.push(`"${line}" is not a stun:, turn: or turns: URL.`)
  }
  return { urls, problems }
}

/**
 * The ICE servers for one member: STUN as configured, and TURN with short-lived credentials in coturn's
 * "use-auth-secret" scheme (username "EXPIRY:USERID", password base64(HMAC-SHA1(secret, username))), so the
 * shared secret never reaches a browser. No servers at all: browsers use host candidates only.
 */
export function iceServersFor(config: { stun: string; turn: string; secret: string; ttlSeconds: number }, userId: number, nowMs = Date.now()): IceServer[] {
  const servers: IceServer[] = []
  const stun = parseIceUrls(config.stun).urls.filter((u) => /^stuns?:/i.test(u))
  if (stun.length) servers.push({ urls: stun })
  const turn = parseIceUrls(config.turn).urls.filter((u) => /^turns?:/i.test(u))
  if (turn.length && config.secret) {
    const username = `${Math.floor(nowMs / 1000) + config.ttlSeconds}:${userId}`
    servers.push({ urls: turn, username, credential: createHmac('sha1', config.secret).update(username).digest('base64') })
  }
  return servers
}
