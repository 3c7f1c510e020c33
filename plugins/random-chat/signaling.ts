// Signaling: how one member's WebRTC offer, answer and ICE candidates reach their partner. Calls are peer to peer
// today; a relay through an SFU (mediasoup) would be another SignalingTransport that answers offers itself instead
// of passing them on. The signal checks and the ICE servers are core's (ctx.core.rtc), shared with other calls.
import type { RealtimeConnection, SignalData } from '../../core/plugins/api.js'

export interface SignalingTransport {
  readonly name: string
  /** Deliver one signal from a member to their partner's page. */
  relay(to: RealtimeConnection, session: string, data: SignalData): void
}

/** Peer to peer: the server passes each signal on, unchanged in meaning, to the partner. */
export const peerToPeer: SignalingTransport = {
  name: 'peer-to-peer',
  relay(to, session, data) {
    to.send({ type: 'signal', session, data })
  },
}
