// A live thread: new messages, edits and unsends arrive over the conversation's topic; the form sends without a
// reload, showing the message at once and keeping its client id so a retry never doubles it; typing and "Seen".
// Without this script the page still works: the form posts and the page reloads.
(() => {
  const root = document.querySelector('.messages-thread[data-conversation]')
  const form = root && root.querySelector('form[data-compose]')
  if (!root || !form || !window.hearthTopic) return
  const id = Number(root.dataset.conversation)
  const me = Number(root.dataset.me)
  const list = root.querySelector('.messages-list')
  const typingLine = root.querySelector('[data-typing]')
  const text = form.querySelector('textarea[name="text"]')
  const csrf = form.querySelector('input[name="_csrf"]').value
  const api = `/api/v1/messages/conversations/${id}`
  // Joined after the newest message the page was drawn with: what was sent meanwhile arrives too (an older page: none).
  const topic = window.hearthTopic(`messages:conv:${id}`, root.dataset.newest ? { after: Number(root.dataset.newest) } : undefined)
  const newClientId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`)

  const call = (method, path, body) =>
    fetch(path, { method, credentials: 'same-origin', headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf }, body: body ? JSON.stringify(body) : undefined })

  /** A message as the server drew it (views.tsx MessageItem, without its forms: reload for those). */
  function draw(m) {
    const li = document.createElement('li')
    li.id = `m-${m.id}`
    li.dataset.id = String(m.id)
    if (m.kind === 'system') {
      li.className = 'msg system'
      const span = document.createElement('span')
      span.className = 'muted'
      span.textContent = m.text || ''
      li.append(span)
      return li
    }
    const mine = m.sender && m.sender.id === me
    li.className = `msg ${mine ? 'mine' : 'theirs'}`
    if (m.client_id) li.dataset.clientId = m.client_id
    if (m.sender) li.dataset.sender = String(m.sender.id)
    if (root.dataset.kind === 'group' && !mine && m.sender) {
      const who = document.createElement('span')
      who.className = 'msg-sender'
      who.textContent = m.sender.display_name
      li.append(who)
    }
    if (m.reply_to) {
      const q = document.createElement('a')
      q.className = 'msg-quote'
      q.href = `#m-${m.reply_to.id}`
      q.textContent = `${m.reply_to.sender || ''} ${m.reply_to.unsent ? 'Unsent message' : (m.reply_to.text || '').slice(0, 140)}`
      li.append(q)
    }
    if (m.share) li.append(card(m.share))
    if (m.gift) li.append(gift(m.gift, mine))
    // Photos, videos, files and a voice note (attachments.js draws them as the server does).
    if (m.attachments && m.attachments.length && window.hearthAttachments) li.append(window.hearthAttachments.draw(m))
    const body = document.createElement('p')
    body.className = 'msg-body'
    // The server's HTML: escaped text with links and mentions (renderText), never the raw text.
    body.innerHTML = m.html || ''
    if (m.html || (m.kind === 'text' && !m.share && !m.gift)) li.append(body)
    const meta = document.createElement('span')
    meta.className = 'msg-meta muted'
    const time = document.createElement('time')
    time.dateTime = m.created_at
    time.textContent = 'now'
    meta.append(time)
    if (m.edited_at) meta.append(' · edited')
    li.append(meta)
    if (typeof m.id === 'number') li.append(actions(m, mine))
    return li
  }

  /** A gift as views.tsx GiftBubble draws it (its picture, or the page's gift icon in place of its own until a reload). */
  function gift(g, mine) {
    const p = document.createElement('p')
    p.className = 'msg-gift'
    p.dataset.giftMessage = String(g.send_id)
    if (g.picture_url) {
      const img = document.createElement('img')
      img.src = g.picture_url
      img.alt = ''
      img.width = img.height = 48
      img.className = 'gift-image'
      p.append(img)
    } else {
      const icon = document.querySelector('[data-send-gift] svg')
      if (icon) p.append(icon.cloneNode(true))
    }
    const text = document.createElement('span')
    const what = document.createElement('strong')
    what.textContent = mine ? `You sent ${g.name}` : `Sent you ${g.name}`
    const price = document.createElement('span')
    price.className = 'muted'
    price.textContent = g.price === 1 ? '1 coin' : `${g.price.toLocaleString('en')} coins`
    text.append(what, ' ', price)
    p.append(text)
    return p
  }

  /** A shared post, profile or story as core's SharedCardView draws it, or "unavailable" to this reader. */
  function card(share) {
    if (!share.card) {
      const none = document.createElement('div')
      none.className = 'shared-card shared-unavailable muted'
      none.dataset.sharedCard = 'unavailable'
      none.textContent = `This ${share.kind === 'story' || share.kind === 'profile' ? share.kind : 'post'} is unavailable.`
      return none
    }
    const c = share.card
    const a = document.createElement('a')
    a.className = 'shared-card'
    a.href = c.url
    a.dataset.sharedCard = `${c.kind}:${c.ref}`
    if (c.image) {
      const img = document.createElement('img')
      img.className = c.image.round ? 'shared-thumb round' : 'shared-thumb'
      img.src = c.image.url
      img.alt = c.image.alt
      img.width = img.height = 64
      a.append(img)
    }
    const body = document.createElement('span')
    body.className = 'shared-body'
    const label = document.createElement('span')
    label.className = 'shared-label muted'
    label.textContent = c.label
    const head = document.createElement('span')
    head.className = 'shared-head'
    const title = document.createElement('strong')
    title.textContent = c.title
    head.append(title)
    if (c.subtitle) {
      const sub = document.createElement('span')
      sub.className = 'muted'
      sub.textContent = c.subtitle
      head.append(' ', sub)
    }
    body.append(label, head)
    if (c.text) {
      const t = document.createElement('span')
      t.className = 'shared-text'
      t.textContent = c.text
      body.append(t)
    }
    a.append(body)
    return a
  }

  /** Reply, Edit, Unsend and Delete for me, as the server draws them (plain links and forms). */
  function actions(m, mine) {
    const box = document.createElement('span')
    box.className = 'msg-actions'
    const link = (href, label) => {
      const a = document.createElement('a')
      a.href = href
      a.className = 'link'
      a.textContent = label
      box.append(a)
    }
    const act = (path, label) => {
      const f = document.createElement('form')
      f.method = 'post'
      f.action = `/messages/${id}/messages/${m.id}/${path}`
      f.className = 'inline-form'
      const token = document.createElement('input')
      token.type = 'hidden'
      token.name = '_csrf'
      token.value = csrf
      const button = document.createElement('button')
      button.type = 'submit'
      button.className = 'link'
      button.textContent = label
      f.append(token, button)
      box.append(f)
    }
    link(`/messages/${id}?reply=${m.id}#compose`, 'Reply')
    if (mine) {
      if (m.kind === 'text' && !m.gift) link(`/messages/${id}/messages/${m.id}/edit`, 'Edit')
      if (!m.gift) act('unsend', 'Unsend')
    }
    act('hide', 'Delete for me')
    return box
  }

  function place(m) {
    if (document.getElementById(`m-${m.id}`)) return
    const pending = m.client_id ? list.querySelector(`li[data-client-id="${CSS.escape(m.client_id)}"]`) : null
    if (pending) pending.replaceWith(draw(m))
    else list.append(draw(m))
    root.dataset.newest = String(Math.max(Number(root.dataset.newest || 0), m.id))
  }

  // Reading: the newest message counts as read while the page is in view.
  let readTimer = null
  function markRead() {
    if (document.visibilityState !== 'visible') return
    clearTimeout(readTimer)
    readTimer = setTimeout(() => call('POST', `${api}/read`, {}).catch(() => {}), 300)
  }
  document.addEventListener('visibilitychange', markRead)

  // In view: the server sends no notification for this conversation to this member while a page of it is in view
  // (told on every join, as a rejoined socket starts afresh, and on every change).
  const tellReading = () => topic.send({ reading: document.visibilityState === 'visible' })
  topic.on('joined', tellReading)
  document.addEventListener('visibilitychange', tellReading)

  /** A topic event is the same for everyone; what differs by reader (a shared card) is fetched as this member's view. */
  async function mine(m) {
    if (!m.share || !m.share.personal) return m
    const res = await fetch(`${api}/messages/${m.id}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).catch(() => null)
    const answer = res && res.ok ? await res.json().catch(() => null) : null
    return answer && answer.data ? answer.data : { ...m, share: { ...m.share, card: null } }
  }

  topic.on('message', async (event) => {
    const m = await mine(event)
    place(m)
    if (m.sender && m.sender.id !== me) {
      showTyping(m.sender.id, null, false)
      markRead()
    }
  })
  topic.on('edited', async (event) => {
    const m = await mine(event)
    const li = document.getElementById(`m-${m.id}`)
    if (!li) return
    li.replaceWith(draw(m))
  })
  topic.on('unsent', ({ id: mid }) => {
    const li = document.getElementById(`m-${mid}`)
    if (!li) return
    li.querySelector('[data-attachments]')?.remove()
    let body = li.querySelector('.msg-body')
    if (!body) {
      body = document.createElement('p')
      body.className = 'msg-body'
      li.querySelector('.msg-meta').before(body)
    }
    li.classList.add('unsent')
    li.querySelector('.msg-actions')?.remove()
    body.classList.add('muted')
    body.textContent = li.classList.contains('mine') ? 'You unsent a message' : 'Message unsent'
  })

  // Reactions under a message, redrawn as the server draws them (each a form that toggles the reader's own).
  topic.on('reactions', ({ id: mid, reactions }) => {
    const li = document.getElementById(`m-${mid}`)
    const box = li && li.querySelector('[data-reactions]')
    if (!box) return
    box.replaceChildren(
      ...reactions.map((r) => {
        const f = document.createElement('form')
        f.method = 'post'
        f.action = `/messages/${id}/messages/${mid}/react`
        f.className = 'inline-form'
        for (const [k, v] of [['_csrf', csrf], ['emoji', r.emoji]]) {
          const input = document.createElement('input')
          input.type = 'hidden'
          input.name = k
          input.value = v
          f.append(input)
        }
        const b = document.createElement('button')
        b.type = 'submit'
        b.className = r.user_ids.includes(me) ? 'reaction mine' : 'reaction'
        b.textContent = `${r.emoji} ${r.count}`
        f.append(b)
        return f
      }),
    )
  })
  topic.on('disappeared', ({ ids }) => {
    for (const mid of ids) document.getElementById(`m-${mid}`)?.remove()
  })

  // "Seen" under the newest of my messages the other member has read.
  topic.on('read', ({ userId, messageId }) => {
    if (userId === me) return
    const mine = [...list.querySelectorAll('li.msg.mine[data-id]')].filter((li) => Number(li.dataset.id) <= messageId)
    const last = mine[mine.length - 1]
    if (!last) return
    let marker = list.querySelector('[data-seen-marker]')
    if (!marker) {
      marker = document.createElement('li')
      marker.className = 'msg-seen muted'
      marker.dataset.seenMarker = ''
      marker.textContent = 'Seen'
    }
    last.after(marker)
    const delivered = list.querySelector('[data-delivered-marker]')
    if (delivered && Number(delivered.previousElementSibling?.dataset.id || 0) <= Number(last.dataset.id)) delivered.remove()
  })

  // "Delivered" under the newest of my messages the other member's client received (and has not yet seen).
  topic.on('delivered', ({ userId, messageId }) => {
    if (userId === me) return
    const mine = [...list.querySelectorAll('li.msg.mine[data-id]')].filter((li) => Number(li.dataset.id) <= messageId)
    const last = mine[mine.length - 1]
    const seen = list.querySelector('[data-seen-marker]')
    if (!last || (seen && Number(seen.previousElementSibling?.dataset.id || 0) >= Number(last.dataset.id))) return
    let marker = list.querySelector('[data-delivered-marker]')
    if (!marker) {
      marker = document.createElement('li')
      marker.className = 'msg-seen muted'
      marker.dataset.deliveredMarker = ''
      marker.textContent = 'Delivered'
    }
    last.after(marker)
  })

  // Typing: "NAME is typing…" while someone types, gone after a pause or their message.
  const typists = new Map()
  function showTyping(userId, name, on) {
    clearTimeout(typists.get(userId)?.timer)
    if (on) typists.set(userId, { name, timer: setTimeout(() => showTyping(userId, null, false), 6000) })
    else typists.delete(userId)
    const names = [...typists.values()].map((t) => t.name)
    typingLine.textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`
  }
  topic.on('typing', ({ userId, name, typing }) => showTyping(userId, name, typing))

  let typingSent = 0
  let idle = null
  text.addEventListener('input', () => {
    const now = Date.now()
    if (now - typingSent > 3000) {
      typingSent = now
      topic.send({ typing: true })
    }
    clearTimeout(idle)
    idle = setTimeout(() => {
      typingSent = 0
      topic.send({ typing: false })
    }, 4000)
  })

  // Sending: shown at once as pending; the same client id on a retry, so the server stores it once.
  async function send(li, body) {
    li.classList.remove('failed')
    li.classList.add('pending')
    li.querySelector('.msg-retry')?.remove()
    try {
      const res = await call('POST', `${api}/messages`, body)
      const answer = await res.json().catch(() => null)
      if (!res.ok || !answer || !answer.data) throw new Error((answer && answer.error && answer.error.message) || 'The message was not sent.')
      place(answer.data)
    } catch (err) {
      li.classList.remove('pending')
      li.classList.add('failed')
      const retry = document.createElement('button')
      retry.type = 'button'
      retry.className = 'link msg-retry'
      retry.textContent = `Not sent: ${err.message} Retry`
      retry.addEventListener('click', () => send(li, body))
      li.append(retry)
    }
  }

  // A message with files was sent by attachments.js: shown at once (the topic brings it too; place() keeps one).
  form.addEventListener('hearth:sent', (e) => place(e.detail))

  form.addEventListener('submit', (e) => {
    const value = text.value.trim()
    if (!value) return
    e.preventDefault()
    const clientId = form.querySelector('input[name="client_id"]')
    const reply = form.querySelector('input[name="reply_to"]')
    const body = { text: value, client_id: clientId.value, reply_to: reply ? Number(reply.value) : null }
    const li = draw({ id: `pending-${clientId.value}`, kind: 'text', sender: { id: me }, client_id: clientId.value, html: '', created_at: new Date().toISOString() })
    li.removeAttribute('id')
    li.querySelector('.msg-body').textContent = value
    list.append(li)
    clientId.value = newClientId()
    text.value = ''
    form.querySelector('[data-replying]')?.remove()
    clearTimeout(idle)
    typingSent = 0
    topic.send({ typing: false })
    send(li, body)
  })
})()
