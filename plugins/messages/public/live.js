// Every page of a member: joins their own topic `messages:user:ID`. Calls ring here on every open tab (answering on
// one stops the others); each new message for them is acknowledged so its sender sees "Delivered"; the page says it
// is open every minute (presence and last seen); a thread's "Active now" line stays current.
(() => {
  const me = document.body && document.body.dataset.member
  if (!me || !window.hearthTopic) return
  const topic = window.hearthTopic(`messages:user:${me}`)
  // The layout puts the page's CSRF token in htmx's headers on <body>.
  let csrf = ''
  try {
    csrf = JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || ''
  } catch {}

  // Presence: online while this page is open; last seen is written from these.
  // For tests and curious members: whether this page is in the member's topic (it rings once it is).
  window.hearthLive = { joined: false }
  topic.on('joined', () => {
    window.hearthLive.joined = true
    topic.send({ alive: true })
  })
  setInterval(() => topic.send({ alive: true }), 60_000)

  // Delivery: this page received a message for the member.
  topic.on('delivery', ({ conversationId, messageId }) => topic.send({ delivered: messageId, conversation: conversationId }))

  // Ringing: a banner on any page; a thread page with call.js for that conversation rings in its own panel.
  const banners = new Map()
  function ring({ call }) {
    if (window.hearthCall && window.hearthCall.ring(call)) return
    if (banners.has(call.id)) return
    const box = document.createElement('div')
    box.className = 'messages-ring'
    box.setAttribute('role', 'alertdialog')
    box.setAttribute('aria-label', 'Incoming call')
    const text = document.createElement('p')
    text.textContent = `${call.caller.display_name} is calling you${call.video ? ' (video)' : ''}…`
    const accept = document.createElement('a')
    accept.className = 'button'
    accept.href = `/messages/${call.conversation_id}?answer=${encodeURIComponent(call.id)}`
    accept.textContent = 'Answer'
    const decline = document.createElement('button')
    decline.type = 'button'
    decline.className = 'secondary'
    decline.textContent = 'Decline'
    decline.addEventListener('click', () => {
      fetch(`/api/v1/messages/calls/${encodeURIComponent(call.id)}/decline`, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf } }).catch(() => {})
      stop(call.id)
    })
    box.append(text, accept, ' ', decline)
    document.body.append(box)
    banners.set(call.id, box)
    accept.focus()
  }
  function stop(id) {
    banners.get(id)?.remove()
    banners.delete(id)
  }
  topic.on('ring', ring)
  // Answered on another page, or ended: stop ringing here.
  topic.on('call', (c) => {
    stop(c.id)
    if (window.hearthCall) window.hearthCall.update(c)
  })

  // A direct thread's "Active now" / "Active 5 min ago".
  const line = document.querySelector('[data-presence]')
  if (line) {
    const refresh = () =>
      document.visibilityState === 'visible' &&
      fetch(`/api/v1/messages/conversations/${line.dataset.presence}/presence`, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then((r) => (r.ok ? r.json() : null))
        .then((body) => {
          if (body) line.textContent = (body.data && body.data.text) || ''
        })
        .catch(() => {})
    setInterval(refresh, 30_000)
    document.addEventListener('visibilitychange', refresh)
  }
})()
