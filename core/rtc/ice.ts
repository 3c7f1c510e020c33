// WebRTC pieces every calling feature shares (random chat's Meet, calls between friends, live): which ICE servers a
// page is given, with TURN credentials that expire, and the check a signal passes before it is relayed. Calls are
// peer to peer; the server only passes signals on. Decision: docs/decisions/024-webrtc-in-core.md.
import { createHmac } from 'node:crypto'

/** What an RTCPeerConnection takes in `iceServers`. */
export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

/** One checked signal: a session description, or an ICE candidate (null: the end of candidates). */
export type SignalData =
  | { description: { type: 'offer' | 'answer'; sdp: string } }
  | { candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null; usernameFragment: string | null } | null }

/** An SDP or an ICE candidate is a few KB; anything larger is not signaling. */
export const MAX_SIGNAL_BYTES = 32 * 1024

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

/** A setting's check: null when every line is a URL of the schemes `schemes`, else a sentence naming the first bad one. */
export function iceUrlsProblem(text: string, schemes: 'stun' | 'turn'): string | null {
  const { urls, problems } = parseIceUrls(text)
  if (problems.length) return problems[0]!
  const wrong = urls.find((u) => !u.toLowerCase().startsWith(schemes))
  return wrong ? `"${wrong}" is not a ${schemes}: URL.` : null
}

export interface IceConfig {
  stun: string
  turn: string
  secret: string
  ttlSeconds: number
}

/**
 * The ICE servers for one member: STUN as configured, and TURN with short-lived credentials in coturn's
 * "use-auth-secret" scheme (username "EXPIRY:USERID", password base64(HMAC-SHA1(secret, username))), so the
 * shared secret never reaches a browser. No servers at all: browsers use host candidates only.
 */
export function iceServersFor(config: IceConfig, userId: number, nowMs = Date.now()): IceServer[] {
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

/** What keeps calls from getting the servers the operator meant (for staff pages and `hearth doctor`). */
export function iceProblems(config: Pick<IceConfig, 'stun' | 'turn' | 'secret'>): string[] {
  return [
    ...parseIceUrls(config.stun).problems,
    ...parseIceUrls(config.turn).problems,
    ...(config.turn.trim() && !config.secret ? ['TURN URLs are set without a TURN secret, so no TURN server is given to members.'] : []),
  ]
}
