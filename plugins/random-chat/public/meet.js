// Meet: the call in the page. Start asks for the camera (video mode), opens the socket /realtime/random-chat/meet,
// and waits to be matched; then the member who waited longer makes the WebRTC offer, signals pass through the
// server to the partner only, and video flows peer to peer. The text chat passes through the server (for reports).
;(() => {
  const root = document.querySelector('[data-meet]')
  if (!root) return
  const csrf = root.dataset.csrf
  const $ = (sel) => root.querySelector(sel)
  const startForm = $('[data-meet-start]')
  const stage = $('[data-stage]')
  const statusEl = $('[data-status]')
  const partnerEl = $('[data-partner]')
  const videos = $('[data-videos]')
  const remote = $('[data-remote]')
  const local = $('[data-local]')
  const chatList = $('[data-chat]')
  const chatForm = $('[data-chat-form]')
  const chatInput = chatForm.querySelector('input')
  const chatSend = chatForm.querySelector('button')
  const reportForm = $('[data-report]')
  const buttons = { next: $('[data-next]'), stop: $('[data-stop]'), add: $('[data-add]'), report: $('[data-report-open]'), block: $('[data-block]') }

  /** idle | connecting | waiting | paired | ended | closed (replaced or banned: the page stops) */
  let state = 'idle'
  let ws = null
  let lastStart = null
  let session = null // the current call
  let lastSession = null // the current or last call, for Add, Report and Block after it ended
  let peer = null // hearthRtc.peer of the current call
  let pc = null
  let localStream = null
  let retry = 0

  // For tests and curious members: the page's state and its peer connection.
  window.hearthMeet = {
    get state() { return state },
    get session() { return session },
    get pc() { return pc },
  }

  const status = (text, alert = false) => {
    statusEl.textContent = text
    statusEl.setAttribute('role', alert ? 'alert' : 'status')
  }
  const enableCallButtons = () => {
    const has = !!lastSession
    buttons.add.disabled = !has
    buttons.report.disabled = !has
    buttons.block.disabled = !has
    chatInput.disabled = chatSend.disabled = !session
  }

  const ENDED = {
    'partner-next': 'Your partner moved on to someone new.',
    'partner-stopped': 'Your partner left Meet.',
    'partner-left': 'Your partner left.',
    'you-next': '',
    'you-stop': '',
    'you-reported': 'Thank you: your report is with the moderators. The call has ended.',
    'you-blocked': 'Blocked. You will never be paired again.',
    moderator: 'A moderator ended this call.',
    banned: 'You are banned from Meet.',
    elsewhere: 'Meet was opened in another tab.',
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message))
  }

  function connect() {
    return new Promise((resolve, reject) => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/realtime/random-chat/meet`
      const socket = new WebSocket(url)
      ws = socket
      socket.onopen = () => {
        retry = 0
        resolve(socket)
      }
      socket.onerror = () => reject(new Error('The connection to the server failed.'))
      socket.onmessage = (e) => {
        let msg
        try {
          msg = JSON.parse(e.data)
        } catch {
          return
        }
        void handle(msg)
      }
      socket.onclose = () => {
        if (ws !== socket) return
        ws = null
        teardown()
        if (state === 'closed' || state === 'idle') return
        // The server forgot us with the socket: reconnect and search again.
        status('The connection dropped; reconnecting…', true)
        const wait = Math.min(10_000, 1000 * 2 ** retry++)
        setTimeout(async () => {
          try {
            await connect()
            if (lastStart && state !== 'idle' && state !== 'closed') search()
          } catch {
            status('Could not reach the server. Press Start to try again.', true)
            state = 'idle'
            showStart()
          }
        }, wait)
      }
    })
  }

  function showStart() {
    startForm.hidden = false
    stage.hidden = true
  }

  function teardown() {
    if (peer) peer.close()
    peer = null
    pc = null
    remote.srcObject = null
    session = null
    enableCallButtons()
  }

  function stopCamera() {
    window.hearthRtc.stop(localStream)
    localStream = null
    local.srcObject = null
  }

  function search() {
    state = 'waiting'
    status('Looking for someone…')
    send(lastStart)
  }

  async function handle(msg) {
    switch (msg.type) {
      case 'hello':
        return
      case 'waiting':
        state = 'waiting'
        status(msg.interests && msg.interests.length ? `Looking for someone into ${msg.interests.join(', ')}…` : 'Looking for someone…')
        return
      case 'matched': {
        teardown()
        state = 'paired'
        session = lastSession = msg.session
        chatList.replaceChildren()
        partnerEl.replaceChildren()
        if (msg.partner.avatar_url) {
          const img = document.createElement('img')
          img.src = msg.partner.avatar_url
          img.alt = ''
          img.className = 'avatar'
          partnerEl.append(img, ' ')
        }
        partnerEl.append(`You are talking to ${msg.partner.name}`, msg.shared.length ? ` · you both like ${msg.shared.join(', ')}` : '')
        enableCallButtons()
        const video = msg.mode === 'video' && localStream
        videos.hidden = !video
        if (video) {
          status('Connecting…')
          await call(msg.iceServers, msg.role === 'offer')
        } else {
          status('Connected. Chat by text.')
          chatInput.focus()
        }
        return
      }
      case 'signal':
        if (msg.session === session && peer) await peer.signal(msg.data)
        return
      case 'chat':
        if (msg.session !== session) return
        addLine(msg.from, msg.text)
        return
      case 'ended': {
        if (msg.session && msg.session !== session) return
        teardown()
        state = 'ended'
        const text = ENDED[msg.reason] ?? 'The call ended.'
        if (msg.reason === 'you-next') return
        status(text ? `${text} Press Next to meet someone new, or Stop.` : 'Press Next to meet someone new, or Stop.', msg.reason === 'moderator')
        return
      }
      case 'partner-added':
        if (msg.session === lastSession) status('Your partner pressed Add. Press Add too, and you will follow each other.')
        return
      case 'added':
        if (msg.session === lastSession) addedStatus(msg.partner)
        return
      case 'stopped':
        teardown()
        state = 'idle'
        return
      case 'replaced':
      case 'banned':
        teardown()
        stopCamera()
        state = 'closed'
        showStart()
        startForm.hidden = msg.type === 'banned'
        status(msg.message, true)
        stage.hidden = false
        videos.hidden = true
        return
      case 'error':
        status(msg.message, true)
        if (msg.code === 'FORBIDDEN' || msg.code === 'RATE_LIMITED') {
          if (state === 'waiting' || state === 'connecting') {
            state = 'idle'
            showStart()
            stage.hidden = false
            videos.hidden = true
          }
        }
        return
    }
  }

  function addLine(from, text) {
    const li = document.createElement('li')
    li.className = from === 'you' ? 'meet-you' : 'meet-them'
    const who = document.createElement('strong')
    who.textContent = from === 'you' ? 'You: ' : 'Partner: '
    li.append(who, text)
    chatList.append(li)
    li.scrollIntoView({ block: 'nearest' })
  }

  function addedStatus(partner) {
    statusEl.replaceChildren('You added each other: ')
    const a = document.createElement('a')
    a.href = partner.url
    a.textContent = `@${partner.username}`
    statusEl.append(
      a,
      partner.follow === 'following' ? ' is now someone you follow.' : partner.follow === 'requested' ? ': their account is private, so you asked to follow them.' : '. Follow them from their profile.',
    )
  }

  /** The video call, through core's peer connection (/static/rtc.js); signals travel on the Meet socket. */
  async function call(iceServers, offerer) {
    const id = session
    const link = window.hearthRtc.peer({
      iceServers,
      stream: localStream,
      send: (data) => send({ type: 'signal', session: id, data }),
      onStream: (stream) => {
        if (remote.srcObject !== stream) remote.srcObject = stream
      },
      onState: (s) => {
        if (peer !== link) return
        if (s === 'connected') status('Connected. Say hello!')
        if (s === 'failed') status('The video connection failed (a firewall may be in the way). You can still chat by text, or press Next.', true)
      },
      onError: (err) => {
        if (peer === link) status(`The video connection had a problem: ${err.message}`, true)
      },
    })
    peer = link
    pc = link.pc
    if (offerer) await link.offer()
  }

  async function api(path) {
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Accept: 'application/json' }, body: JSON.stringify(path.endsWith('/report') ? reportBody() : {}) })
    const body = await res.json().catch(() => null)
    if (!res.ok) throw new Error(body && body.error ? body.error.message : `The server answered ${res.status}.`)
    return body.data
  }
  const reportBody = () => ({ reason: reportForm.elements.reason.value, note: reportForm.elements.note.value })

  // ---- Controls

  startForm.addEventListener('submit', async (e) => {
    e.preventDefault()
    const f = startForm.elements
    const filters = {}
    for (const name of ['region', 'language', 'gender']) if (f[name] && f[name].value.trim()) filters[name] = f[name].value.trim()
    for (const name of ['age_min', 'age_max']) if (f[name] && f[name].value.trim()) filters[name] = Number(f[name].value)
    const mode = f.mode.value
    lastStart = { type: 'start', mode, accept_text: f.accept_text.checked, interests: f.interests.value, filters }
    stage.hidden = false
    videos.hidden = mode !== 'video'
    state = 'connecting'
    if (mode === 'video' && !localStream) {
      status('Allow your camera and microphone to start…')
      try {
        localStream = await window.hearthRtc.media({ video: true })
        local.srcObject = localStream
      } catch (err) {
        state = 'idle'
        status(`Meet could not use your camera (${err.name}). Allow it in your browser, or choose “Text only”.`, true)
        return
      }
    }
    if (mode === 'text') stopCamera()
    startForm.hidden = true
    try {
      if (!ws) await connect()
      search()
    } catch (err) {
      state = 'idle'
      showStart()
      status(err.message, true)
    }
  })

  buttons.next.addEventListener('click', () => {
    if (!lastStart) return
    if (!ws) return startForm.requestSubmit()
    // The call is torn down when the server says it ended ("you-next"); a refused Next (too many) keeps it.
    status('Looking for someone new…')
    send({ type: 'next' })
  })

  buttons.stop.addEventListener('click', () => {
    send({ type: 'stop' })
    teardown()
    stopCamera()
    state = 'idle'
    showStart()
    stage.hidden = false
    videos.hidden = true
    status('You left. Press Start to meet someone again.')
  })

  buttons.add.addEventListener('click', async () => {
    try {
      const r = await api(`/api/v1/random-chat/sessions/${lastSession}/add`)
      if (r.status === 'connected') addedStatus(r.partner)
      else status('Added. If your partner presses Add too, you will follow each other.')
    } catch (err) {
      status(err.message, true)
    }
  })

  buttons.report.addEventListener('click', () => {
    reportForm.hidden = false
    reportForm.elements.reason.focus()
  })
  reportForm.querySelector('[data-report-cancel]').addEventListener('click', () => {
    reportForm.hidden = true
  })
  reportForm.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api(`/api/v1/random-chat/sessions/${lastSession}/report`)
      reportForm.hidden = true
      reportForm.reset()
      status('Thank you: your report is with the moderators. Press Next to meet someone new.')
    } catch (err) {
      status(err.message, true)
    }
  })

  buttons.block.addEventListener('click', async () => {
    try {
      await api(`/api/v1/random-chat/sessions/${lastSession}/block`)
      status('Blocked. You will never be paired again. Press Next to meet someone new.')
    } catch (err) {
      status(err.message, true)
    }
  })

  chatForm.addEventListener('submit', (e) => {
    e.preventDefault()
    const text = chatInput.value.trim()
    if (!text || !session) return
    send({ type: 'chat', session, text })
    chatInput.value = ''
  })

  enableCallButtons()
  if (!root.querySelector('[data-refusal]')) startForm.hidden = false
})()
