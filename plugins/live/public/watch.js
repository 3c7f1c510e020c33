// A viewer's player: waits until the stream's playlist exists, then plays it natively where the browser can, and
// otherwise loads hls.js (served by this site, about 120 KB, only for such browsers) and plays it through that.
// A replay's player (data-replay-player) is the same without the wait; replay.js plays its chat alongside.
;(() => {
  const video = document.querySelector('[data-live-player], [data-replay-player]')
  if (!video) return
  const replay = video.hasAttribute('data-replay-player')
  const src = video.dataset.src
  let hls = null
  let ended = false
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
        if (data.playlist_ready) return true
      } catch {}
      await sleep(1000)
    }
    return false
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
    hls?.destroy()
    hls = null
    video.replaceWith(Object.assign(document.createElement('p'), { className: 'live-ended', textContent: 'This stream has ended.' }))
  })
  play()
  window.hearthLivePlayer = {
    get hls() {
      return hls
    },
  }
})()
