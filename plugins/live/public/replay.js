// A replay's chat, hearts and pins, played back beside the video at the moments they happened on the stream's
// timeline (the server places each at its second of the video, GET /api/v1/live/streams/ID/replay). Seeking back
// redraws the chat up to the new moment.
;(() => {
  const root = document.querySelector('[data-live-stream]')
  const video = root?.querySelector('[data-replay-player]')
  if (!video) return
  const list = root.querySelector('[data-chat-list]')
  const hearts = root.querySelector('[data-hearts]')
  const pinned = root.querySelector('[data-pinned-text]')?.parentElement
  let events = []
  let shown = 0
  // A report of the replay says where in it the member was.
  root.querySelector('[data-report-link]')?.addEventListener('click', (e) => {
    e.currentTarget.href = `/live/${root.dataset.liveStream}/report?t=${Math.floor(video.currentTime)}`
  })

  // A line at the end of the chat (the newest 200 kept), scrolled into view.
  function add(node) {
    list.append(node)
    while (list.children.length > 200) list.firstElementChild.remove()
    list.scrollTop = list.scrollHeight
  }
  function line(m) {
    const li = document.createElement('li')
    li.dataset.chatId = String(m.id)
    const name = Object.assign(document.createElement('a'), { href: `/u/${m.username}`, className: 'live-chat-name', textContent: m.display_name })
    li.append(name, ' ', Object.assign(document.createElement('span'), { className: 'live-chat-text', textContent: m.text }))
    add(li)
  }
  function pin(m) {
    if (!pinned) return
    pinned.hidden = !m
    pinned.dataset.pinned = m ? String(m.id) : ''
    const text = pinned.querySelector('[data-pinned-text]')
    text.textContent = m ? `${m.display_name} ${m.text}` : ''
  }
  // A gift comes with its line as the page draws it (GiftItem), added as is.
  function gift(e) {
    const t = document.createElement('template')
    t.innerHTML = e.html
    add(t.content)
  }
  function heart(animate) {
    if (!animate || !hearts || hearts.children.length > 30) return
    const h = Object.assign(document.createElement('span'), { className: 'live-heart-float', textContent: '♥' })
    h.addEventListener('animationend', () => h.remove())
    hearts.append(h)
  }

  // Everything up to the video's moment; hearts only float when played through, not when jumped over.
  function show() {
    const now = video.currentTime
    if (shown > 0 && events[shown - 1].t > now) {
      list.textContent = ''
      pin(null)
      shown = 0
    }
    const jumping = events.length > shown && now - events[shown].t > 2
    while (shown < events.length && events[shown].t <= now) {
      const e = events[shown++]
      if (e.kind === 'chat') line(e.line)
      else if (e.kind === 'pin') pin(e.line)
      else if (e.kind === 'heart') heart(!jumping)
      else if (e.kind === 'gift') gift(e)
    }
  }

  fetch(`/api/v1/live/streams/${root.dataset.liveStream}/replay`, { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.json() : null))
    .then((body) => {
      if (!body) return
      events = body.data.events
      list.textContent = ''
      shown = 0
      root.dataset.replayEvents = String(events.length)
      show()
      video.addEventListener('timeupdate', show)
      video.addEventListener('seeked', show)
    })
})()
