// A stream's chat, hearts, pins, viewer count and state, over the stream's realtime topic (members; a guest's page
// shows the chat as it was when loaded). Viewers get them on the stream's delayed timeline; the streamer, staff and
// moderators (data-backstage) get them at once on the backstage topic, with Delete and Pin on each message.
;(() => {
  const root = document.querySelector('[data-live-stream]')
  if (!root || !window.hearthTopic) return
  const id = root.dataset.liveStream
  const moderate = !!root.querySelector('.live-moderation')
  const me = root.dataset.viewer
  const list = root.querySelector('[data-chat-list]')
  const form = root.querySelector('[data-chat-form]')
  const refused = root.querySelector('[data-chat-refused]')
  const viewers = root.querySelector('[data-viewers]')
  const stateLabel = root.querySelector('[data-state-label]')
  const badge = root.querySelector('[data-live-badge]')
  const hearts = root.querySelector('[data-hearts]')
  const csrf = root.querySelector('input[name="_csrf"]')?.value
  const LABELS = { waiting: 'Starting…', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Ended' }
  const pinned = root.querySelector('[data-pinned-text]')?.parentElement
  const slowNote = root.querySelector('[data-slow-note]')
  const room = window.hearthTopic(`live:stream:${id}`)
  // Who sees the live edge takes every event from the backstage topic; the room is then only for who is watching.
  const topic = root.dataset.backstage ? window.hearthTopic(`live:backstage:${id}`) : room
  let count = 0

  const showCount = () => (viewers.textContent = String(Math.max(0, count)))
  room.on('joined', (f) => {
    count = f.presentCount ?? room.present.size
    showCount()
  })
  room.on('presence', (d) => {
    count += d.online ? 1 : -1
    showCount()
  })
  const api = (path, method, body) =>
    fetch(`/api/v1/live/streams/${id}${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
  const button = (label, title, onClick) => {
    const b = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: label })
    b.setAttribute('aria-label', title)
    b.addEventListener('click', onClick)
    return b
  }

  // A line at the end of the chat (the newest 200 kept), scrolled into view.
  function add(node) {
    list.append(node)
    while (list.children.length > 200) list.firstElementChild.remove()
    list.scrollTop = list.scrollHeight
  }
  function line(m) {
    if (list.querySelector(`[data-chat-id="${m.id}"]`)) return
    const li = document.createElement('li')
    li.dataset.chatId = String(m.id)
    const name = Object.assign(document.createElement('a'), { href: `/u/${m.username}`, className: 'live-chat-name', textContent: m.display_name })
    const text = Object.assign(document.createElement('span'), { className: 'live-chat-text', textContent: m.text })
    li.append(name, ' ', text)
    if (moderate) {
      li.append(' ', button('Delete', `Delete this message by ${m.display_name}`, () => api(`/chat/${m.id}`, 'DELETE')))
      li.append(' ', button('Pin', `Pin this message by ${m.display_name}`, () => api('/pin', 'PUT', { message_id: m.id })))
    }
    if (me && String(m.user_id) !== me) {
      const report = Object.assign(document.createElement('a'), { href: `/live/${id}/chat/${m.id}/report`, className: 'live-chat-report', textContent: 'Report' })
      report.setAttribute('aria-label', `Report this message by ${m.display_name}`)
      li.append(' ', report)
    }
    add(li)
  }
  topic.on('chat', line)
  topic.on('deleted', (d) => {
    list.querySelector(`[data-chat-id="${d.id}"]`)?.remove()
    if (pinned && pinned.dataset.pinned === String(d.id)) showPin(null)
  })
  function showPin(m) {
    if (!pinned) return
    pinned.hidden = !m
    pinned.dataset.pinned = m ? String(m.id) : ''
    for (const f of pinned.querySelectorAll('form, button')) f.remove()
    const text = pinned.querySelector('[data-pinned-text]')
    text.textContent = ''
    if (!m) return
    text.append(Object.assign(document.createElement('a'), { href: `/u/${m.username}`, className: 'live-chat-name', textContent: m.display_name }), ' ', m.text)
    if (moderate) pinned.append(' ', button('Unpin', 'Unpin this message', () => api('/pin', 'DELETE')))
  }
  topic.on('pinned', (d) => showPin(d.line))
  // Other plugins' timeline events: a gift (coins) comes with its line as the page draws it (GiftItem), added as is.
  topic.on('moment', (d) => {
    if (!d.html || list.querySelector(`[data-gift-id="${d.id}"]`)) return
    const t = document.createElement('template')
    t.innerHTML = d.html
    add(t.content)
  })
  topic.on('slow', (d) => {
    if (!slowNote || root.dataset.backstage) return
    slowNote.hidden = !d.seconds
    slowNote.querySelector('[data-slow-seconds]').textContent = String(d.seconds)
  })
  topic.on('refused', (d) => (refused.textContent = d.message))
  topic.on('chatmode', (d) => (root.dataset.chatMode = d.chat))
  topic.on('state', (d) => {
    root.dataset.state = d.state
    stateLabel.textContent = LABELS[d.state] ?? d.state
    if (badge) badge.hidden = d.state === 'ended'
    if (d.state === 'ended') form?.remove()
    document.dispatchEvent(new CustomEvent('live:state', { detail: d }))
  })
  topic.on('heart', () => {
    if (!hearts || hearts.children.length > 30) return
    const h = Object.assign(document.createElement('span'), { className: 'live-heart-float', textContent: '♥' })
    h.addEventListener('animationend', () => h.remove())
    hearts.append(h)
  })

  form?.addEventListener('submit', (e) => {
    const input = form.querySelector('input[name="text"]')
    const text = input.value.trim()
    if (!text) return
    // Without the socket the form posts as it would without JavaScript.
    if (!topic.send({ text })) return
    e.preventDefault()
    input.value = ''
    refused.textContent = ''
  })
  root.querySelector('[data-heart]')?.addEventListener('click', () => topic.send({ heart: true }))
})()
