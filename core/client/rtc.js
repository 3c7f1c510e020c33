// Hearth's browser side of a peer-to-peer call, shared by every calling feature (random chat's Meet, calls between
// friends): the camera and microphone, one RTCPeerConnection with the ICE servers the server gave, the offer, answer
// and candidates passed through whatever relay the feature has, mute, camera off, and what getStats() says arrived.
// The relay (who may signal whom) stays with each feature. Decisions 024 and 035 (calls and presence).
/**
 * The member's camera and microphone (`video: false` for a voice call). Rejects with the browser's error, whose
 * `name` says why (NotAllowedError: refused; NotFoundError: no device).
 * @example const stream = await window.hearthRtc.media({ video: true })
 */
/**
 * A peer connection to one other member.
 *   const link = window.hearthRtc.peer({
 *     iceServers,                 // from the server (ctx.core.rtc.iceServers)
 *     stream,                     // from hearthRtc.media
 *     send: (data) => relay(data), // { description } or { candidate }: pass it to the other side
 *     onStream: (remote) => (video.srcObject = remote),
 *     onState: (state) => ...,    // RTCPeerConnection.connectionState: 'connected', 'failed', ...
 *     onError: (err) => ...,      // a signal that could not be applied
 *   })
 *   await link.offer()            // on the side that starts; the other side answers in link.signal
 *   await link.signal(data)       // each signal the other side sent (candidates before the offer are kept)
 *   link.mute(true); link.camera(false)
 *   await link.inbound()          // { audio: { bytes }, video: { bytes, frames } } received so far
 *   link.close()
 */
window.hearthRtc = (() => {
  const media = ({ video = true } = {}) => navigator.mediaDevices.getUserMedia({ audio: true, video: !!video })

  function peer({ iceServers, stream, send, onStream, onState, onError }) {
    const pc = new RTCPeerConnection({ iceServers: iceServers || [] })
    let pending = []
    let closed = false
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream)
    pc.ontrack = (e) => {
      if (onStream && e.streams[0]) onStream(e.streams[0])
    }
    pc.onicecandidate = (e) => {
      if (!closed) send({ candidate: e.candidate ? e.candidate.toJSON() : null })
    }
    pc.onconnectionstatechange = () => {
      if (!closed && onState) onState(pc.connectionState)
    }
    const describe = (d) => ({ description: { type: d.type, sdp: d.sdp } })

    return {
      pc,
      async offer() {
        const offer = await pc.createOffer()
        await pc.setLocalDescription(offer)
        send(describe(offer))
      },
      async signal(data) {
        if (closed || !data) return
        try {
          if (data.description) {
            await pc.setRemoteDescription(data.description)
            if (data.description.type === 'offer') {
              const answer = await pc.createAnswer()
              await pc.setLocalDescription(answer)
              send(describe(answer))
            }
            for (const c of pending.splice(0)) await pc.addIceCandidate(c)
          } else if ('candidate' in data) {
            if (!pc.remoteDescription) pending.push(data.candidate)
            else await pc.addIceCandidate(data.candidate)
          }
        } catch (err) {
          if (!closed && onError) onError(err)
        }
      },
      /** Stop (true) or resume sending sound; the track stays, so the other side sees silence, not a renegotiation. */
      mute(on) {
        if (stream) for (const t of stream.getAudioTracks()) t.enabled = !on
      },
      /** Turn the camera on or off (black frames while off). */
      camera(on) {
        if (stream) for (const t of stream.getVideoTracks()) t.enabled = !!on
      },
      async inbound() {
        const out = { audio: { bytes: 0 }, video: { bytes: 0, frames: 0 } }
        if (closed) return out
        ;(await pc.getStats()).forEach((r) => {
          if (r.type !== 'inbound-rtp') return
          if (r.kind === 'audio') out.audio.bytes += r.bytesReceived || 0
          if (r.kind === 'video') {
            out.video.bytes += r.bytesReceived || 0
            out.video.frames += r.framesDecoded || 0
          }
        })
        return out
      },
      close() {
        if (closed) return
        closed = true
        pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null
        pending = []
        pc.close()
      },
    }
  }

  /** Stop every track of a stream (the camera light goes off). */
  const stop = (stream) => {
    if (stream) for (const t of stream.getTracks()) t.stop()
  }

  return { media, peer, stop }
})()
