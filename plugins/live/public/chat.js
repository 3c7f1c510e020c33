// A stream's chat, hearts, viewer count and state, over the stream's realtime topic (members; a guest's page shows
// the chat as it was when loaded). The streamer's page also gets a Delete button on each new message.
;(() => {
  const root = document.querySelector('[data-live-stream]')
  if (!root || !window.hearthTopic) return
  const id = root.dataset.liveStream
  const moderate = !!root.querySelector('.live-moderation')
  const list = root.querySelector('[data-chat-list]')
  const form = root.querySelector('[data-chat-form]')
  const refused = root.querySelector('[data-chat-refused]')
  const viewers = root.querySelector('[data-viewers]')
  const stateLabel = root.querySelector('[data-state-label]')
  const badge = root.querySelector('[data-live-badge]')
  const hearts = root.querySelector('[data-hearts]')
  const csrf = root.querySelector('input[name="_csrf"]')?.value
  const LABELS = { waiting: 'Starting…', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Ended' }
  const topic = window.hearthTopic(`live:stream:${id}`)
  let count = 0

  const showCount = () => (viewers.textContent = String(Math.max(0, count)))
  topic.on('joined', (f) => {
    count = f.presentCount ?? topic.present.size
    showCount()
  })
  topic.on('presence', (d) => {
    count += d.online ? 1 : -1
    showCount()
  })

  function line(m) {
    if (list.querySelector(`[data-chat-id="${m.id}"]`)) return
    const li = document.createElement('li')
    li.dataset.chatId = String(m.id)
    const name = Object.assign(document.createElement('a'), { href: `/u/${m.username}`, className: 'live-chat-name', textContent: m.display_name })
    const text = Object.assign(document.createElement('span'), { className: 'live-chat-text', textContent: m.text })
    li.append(name, ' ', text)
    if (moderate) {
      const del = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: 'Delete' })
      del.setAttribute('aria-label', `Delete this message by ${m.display_name}`)
      del.addEventListener('click', () =>
        fetch(`/api/v1/live/streams/${id}/chat/${m.id}`, { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } }),
      )
      li.append(' ', del)
    }
    list.append(li)
    while (list.children.length > 200) list.firstElementChild.remove()
    list.scrollTop = list.scrollHeight
  }
  topic.on('chat', line)
  topic.on('deleted', (d) => list.querySelector(`[data-chat-id="${d.id}"]`)?.remove())
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
