// A viewer's player. When the stream is offered over WebRTC (its API object has a webrtc_url: no delay, a picture
// encoded by the server) it asks for it by WHEP, under a second behind; a full stream (503), a refusal or a
// connection that does not come up or drops falls back to HLS: once the playlist exists, natively where the browser
// can, otherwise through hls.js (served by this site, about 120 KB, only for such browsers).
// A replay's player (data-replay-player) is HLS without the wait; replay.js plays its chat alongside.
;(() => {
  const video = document.querySelector('[data-live-player], [data-replay-player]')
  if (!video) return
  const replay = video.hasAttribute('data-replay-player')
  const src = video.dataset.src
  let hls = null
  let rtc = null
  let session = null
  let ended = false
  const csrf = video.dataset.csrf
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

  // The stream's API object says when the first segments are out (asking for the playlist itself would 404 until then).
  const about = `/api/v1/live/streams/${video.closest('[data-live-stream]').dataset.liveStream}`
  async function ready() {
    if (replay) return true
    while (!ended) {
      try {
        const res = await fetch(about, { cache: 'no-store', credentials: 'same-origin' })
        if (!res.ok) return false
        const { data } = await res.json()
        if (data.status !== 'live') return false
        if (data.webrtc_url && rtc === null && (await playWebRtc(data))) return false
        if (data.playlist_ready) return true
      } catch {}
      await sleep(1000)
    }
    return false
  }

  /** The answer to one state change of the connection, or false after `ms`. */
  const connected = (pc, ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      pc.onconnectionstatechange = () => {
        if (pc.connectionState !== 'connected' && pc.connectionState !== 'failed') return
        clearTimeout(timer)
        resolve(pc.connectionState === 'connected')
      }
    })

  // `closed`: the server has closed the session itself (the stream ended), so there is nothing to delete (it would
  // answer 404, an error in every viewer's console).
  function hangUp(closed = false) {
    if (rtc) rtc.close()
    rtc = false
    if (session && !closed) fetch(session, { method: 'DELETE', credentials: 'same-origin', keepalive: true, headers: csrf ? { 'X-CSRF-Token': csrf } : {} }).catch(() => {})
    session = null
  }

  // WHEP: a receive-only offer with every candidate gathered (host ones, and the TURN relays the site gives
  // members), the server's answer; false (and HLS) when that fails. `rtc` false means it was tried.
  async function playWebRtc(data) {
    if (!window.RTCPeerConnection) return false
    const pc = (rtc = new RTCPeerConnection({ iceServers: data.ice_servers || [] }))
    try {
      pc.addTransceiver('video', { direction: 'recvonly' })
      pc.addTransceiver('audio', { direction: 'recvonly' })
      const media = new MediaStream()
      pc.ontrack = (e) => media.addTrack(e.track)
      await pc.setLocalDescription(await pc.createOffer())
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve()
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve()
        setTimeout(resolve, 3000)
      })
      const res = await fetch(data.webrtc_url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/sdp', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
        body: pc.localDescription.sdp,
      })
      if (res.status !== 201) throw new Error(`WHEP answered ${res.status}`)
      session = new URL(res.headers.get('Location'), location.href).href
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() })
      if (!(await connected(pc, 10_000))) throw new Error('no connection')
      video.srcObject = media
      video.play().catch(() => {})
      // A connection lost for good (the stream no longer offered, the network gone): carry on over HLS.
      pc.onconnectionstatechange = () => {
        if (ended || (pc.connectionState !== 'failed' && pc.connectionState !== 'closed')) return
        hangUp()
        video.srcObject = null
        play()
      }
      return true
    } catch {
      hangUp()
      return false
    }
  }

  const loadHls = () =>
    window.Hls
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const s = document.createElement('script')
          s.src = '/plugins/live/hls.js'
          s.onload = resolve
          s.onerror = reject
          document.head.append(s)
        })

  async function play() {
    if (!(await ready())) return
    if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = src
    } else {
      await loadHls()
      if (!window.Hls || !window.Hls.isSupported()) {
        video.replaceWith(Object.assign(document.createElement('p'), { textContent: 'This browser cannot play live video.' }))
        return
      }
      // Two segments behind the live edge: about 3 s glass to glass with 1 s segments.
      // No worker: the CSP allows scripts from this site only, and hls.js would build its worker from a blob: URL.
      hls = new window.Hls(replay ? { enableWorker: false } : { liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, backBufferLength: 10, enableWorker: false })
      hls.on(window.Hls.Events.ERROR, (_, data) => {
        if (!data.fatal) return
        hls.destroy()
        hls = null
        if (!ended) setTimeout(play, 1000)
      })
      hls.loadSource(src)
      hls.attachMedia(video)
    }
    if (!replay) video.play().catch(() => {})
  }

  document.addEventListener('live:state', (e) => {
    if (e.detail.state !== 'ended') return
    ended = true
    hangUp(true)
    hls?.destroy()
    hls = null
    video.replaceWith(Object.assign(document.createElement('p'), { className: 'live-ended', textContent: 'This stream has ended.' }))
  })
  addEventListener('pagehide', () => hangUp())
  play()
  window.hearthLivePlayer = {
    get hls() {
      return hls
    },
    /** The viewer's WebRTC connection while it plays (tests read its getStats). */
    get rtc() {
      return rtc || null
    },
  }
})()
