// A call in a direct thread: Call and Video call start one (the other member's every page rings), an incoming call
// rings in this panel (live.js hands it over), and the call runs through core's peer connection (/static/rtc.js) with
// signals over the call's topic `messages:call:ID`. Mute, camera off and hang up; the call's line ("Video call,
// 4 min") arrives in the thread like any message. Without JavaScript the buttons stay hidden: calls need it.
(() => {
  const panel = document.querySelector('[data-call]')
  const starters = document.querySelector('[data-call-buttons]')
  if (!panel || !starters || !window.hearthTopic || !window.hearthRtc || !window.RTCPeerConnection || !navigator.mediaDevices) return
  const conversation = Number(panel.dataset.call)
  const title = panel.dataset.title
  const $ = (sel) => panel.querySelector(sel)
  const statusEl = $('[data-call-status]')
  const videos = $('[data-call-videos]')
  const remote = $('[data-call-remote]')
  const local = $('[data-call-local]')
  const b = { accept: $('[data-call-accept]'), decline: $('[data-call-decline]'), mute: $('[data-call-mute]'), camera: $('[data-call-camera]'), hangup: $('[data-call-hangup]') }
  let csrf = ''
  try {
    csrf = JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || ''
  } catch {}

  /** idle | starting | outgoing (ringing them) | incoming (ringing here) | answering | active */
  let state = 'idle'
  let call = null // { id, video, caller }
  let stream = null
  let link = null
  let topic = null
  let queued = []
  let muted = false
  let cameraOn = true

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: body ? JSON.stringify(body) : undefined,
    })
    const answer = await res.json().catch(() => null)
    if (!res.ok) throw new Error((answer && answer.error && answer.error.message) || `The server answered ${res.status}.`)
    return answer.data
  }

  const status = (text, alert = false) => {
    statusEl.textContent = text
    statusEl.setAttribute('role', alert ? 'alert' : 'status')
  }
  const label = (button, text) => {
    button.lastChild.textContent = ` ${text}`
  }
  /** Which controls show in each state. */
  function controls() {
    const on = state === 'outgoing' || state === 'answering' || state === 'active'
    b.accept.hidden = b.decline.hidden = state !== 'incoming'
    b.hangup.hidden = b.mute.hidden = !on
    b.camera.hidden = !on || !call || !call.video
    starters.hidden = state !== 'idle'
    videos.hidden = !on || !call || !call.video
    panel.hidden = state === 'idle' && !statusEl.textContent
  }

  function peer(iceServers) {
    link = window.hearthRtc.peer({
      iceServers,
      stream,
      send: (data) => topic && topic.send({ signal: data }),
      onStream: (s) => {
        if (remote.srcObject !== s) remote.srcObject = s
      },
      onState: (s) => {
        if (s === 'connected') status(`On a call with ${title}.`)
        if (s === 'failed') status('The call could not connect (a firewall may be in the way).', true)
      },
      onError: (err) => status(`The call had a problem: ${err.message}`, true),
    })
    for (const data of queued.splice(0)) void link.signal(data)
  }

  /** Join the call's topic; resolves once the server let this page in. */
  function join(id) {
    return new Promise((resolve, reject) => {
      topic = window.hearthTopic(`messages:call:${id}`)
      topic.on('joined', () => resolve())
      topic.on('error', (e) => reject(new Error(e.message)))
      topic.on('accepted', () => {
        if (state !== 'outgoing') return
        state = 'active'
        status('Connecting…')
        controls()
        void link.offer()
      })
      topic.on('signal', ({ data }) => (link ? link.signal(data) : queued.push(data)))
      topic.on('media', (m) => status(m.muted ? `${title} is muted.` : m.camera === false && call && call.video ? `${title} turned their camera off.` : `On a call with ${title}.`))
      topic.on('ended', ({ outcome }) => ended(outcome))
      // Their page closed without hanging up.
      topic.on('presence', ({ online }) => {
        if (!online && state === 'active') hangUp()
      })
    })
  }

  async function media(video) {
    try {
      stream = await window.hearthRtc.media({ video })
      local.srcObject = stream
      return true
    } catch (err) {
      status(`The call needs your ${video ? 'camera and microphone' : 'microphone'} (${err.name}). Allow it in your browser.`, true)
      return false
    }
  }

  async function start(video) {
    if (state !== 'idle') return
    state = 'starting'
    call = { video }
    status(video ? 'Starting a video call…' : 'Starting a call…')
    controls()
    if (!(await media(video))) return reset()
    try {
      const r = await api('POST', `/api/v1/messages/conversations/${conversation}/calls`, { video })
      call = r.call
      state = 'outgoing'
      status(`Calling ${title}…`)
      controls()
      peer(r.ice_servers)
      await join(call.id)
      // Answered before this page was in the topic: make the offer now.
      const now = await api('GET', `/api/v1/messages/calls/${encodeURIComponent(call.id)}`).catch(() => null)
      if (now && now.state === 'active' && state === 'outgoing') {
        state = 'active'
        controls()
        void link.offer()
      }
    } catch (err) {
      status(err.message, true)
      reset()
    }
  }

  function incoming(c) {
    call = c
    state = 'incoming'
    status(`${c.caller.display_name} is calling you${c.video ? ' (video)' : ''}…`)
    controls()
    b.accept.focus()
  }

  async function answer() {
    if (state !== 'incoming') return
    state = 'answering'
    status('Answering…')
    controls()
    if (!(await media(call.video))) {
      void api('POST', `/api/v1/messages/calls/${encodeURIComponent(call.id)}/decline`).catch(() => {})
      return reset()
    }
    try {
      await join(call.id)
      const r = await api('POST', `/api/v1/messages/calls/${encodeURIComponent(call.id)}/accept`)
      state = 'active'
      status('Connecting…')
      peer(r.ice_servers)
      controls()
    } catch (err) {
      status(err.message, true)
      reset()
    }
  }

  function hangUp() {
    const id = call && call.id
    if (id) void api('POST', `/api/v1/messages/calls/${encodeURIComponent(id)}/end`).catch(() => {})
    status('Call ended.')
    reset()
  }

  const ENDED = {
    missed: () => (state === 'outgoing' ? `${title} did not answer.` : 'Missed call.'),
    declined: () => (state === 'outgoing' ? `${title} declined the call.` : 'Call declined.'),
    ended: () => 'Call ended.',
  }
  function ended(outcome) {
    if (state === 'idle') return
    status((ENDED[outcome] || ENDED.ended)())
    reset()
  }

  function reset() {
    if (link) link.close()
    link = null
    window.hearthRtc.stop(stream)
    stream = null
    local.srcObject = remote.srcObject = null
    if (topic) topic.leave()
    topic = null
    queued = []
    call = null
    state = 'idle'
    muted = false
    cameraOn = true
    label(b.mute, 'Mute')
    label(b.camera, 'Camera off')
    b.mute.setAttribute('aria-pressed', 'false')
    b.camera.setAttribute('aria-pressed', 'false')
    controls()
  }

  // For tests and curious members: the call's state and its peer connection link (hearthRtc.peer).
  window.hearthCall = {
    conversation,
    get state() {
      return state
    },
    get link() {
      return link
    },
    /** live.js: a call rings for this conversation; true when this panel rings for it. */
    ring(c) {
      if (c.conversation_id !== conversation || state !== 'idle') return false
      incoming(c)
      return true
    },
    /** live.js: a call of this member was answered elsewhere or ended. */
    update(c) {
      if (!call || c.id !== call.id) return
      if (c.state === 'answered' && state === 'incoming') {
        status('Answered on another page.')
        reset()
      } else if (c.state === 'ended') ended(c.outcome)
    },
  }

  for (const button of starters.querySelectorAll('[data-call-start]')) button.addEventListener('click', () => void start(button.dataset.callStart === 'video'))
  b.accept.addEventListener('click', () => void answer())
  b.decline.addEventListener('click', () => {
    const id = call && call.id
    if (id) void api('POST', `/api/v1/messages/calls/${encodeURIComponent(id)}/decline`).catch(() => {})
    status('Call declined.')
    reset()
  })
  b.hangup.addEventListener('click', hangUp)
  b.mute.addEventListener('click', () => {
    muted = !muted
    if (link) link.mute(muted)
    else if (stream) for (const t of stream.getAudioTracks()) t.enabled = !muted
    b.mute.setAttribute('aria-pressed', String(muted))
    label(b.mute, muted ? 'Unmute' : 'Mute')
    if (topic) topic.send({ muted, camera: cameraOn })
  })
  b.camera.addEventListener('click', () => {
    cameraOn = !cameraOn
    if (link) link.camera(cameraOn)
    else if (stream) for (const t of stream.getVideoTracks()) t.enabled = cameraOn
    b.camera.setAttribute('aria-pressed', String(!cameraOn))
    label(b.camera, cameraOn ? 'Camera off' : 'Camera on')
    if (topic) topic.send({ muted, camera: cameraOn })
  })
  // Closing the page hangs up (the server also ends a call nobody is in any more).
  window.addEventListener('pagehide', () => {
    if (call && call.id && state !== 'idle')
      fetch(`/api/v1/messages/calls/${encodeURIComponent(call.id)}/end`, { method: 'POST', keepalive: true, credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf } }).catch(() => {})
  })

  starters.hidden = false
  // Answered from another page's banner (/messages/ID?answer=CALL): ring here and pick up at once.
  const asked = new URLSearchParams(location.search).get('answer')
  if (asked) {
    history.replaceState(null, '', location.pathname + location.hash)
    api('GET', `/api/v1/messages/calls/${encodeURIComponent(asked)}`)
      .then((c) => {
        if (c.state === 'ringing' && c.caller.id !== Number(document.body.dataset.member) && window.hearthCall.ring(c)) void answer()
        else status('That call has ended.')
        controls()
      })
      .catch(() => {
        status('That call has ended.')
        controls()
      })
  }
})()
