// Hearth's page script: keeps one realtime socket open for a logged-in member, re-dispatches its events as DOM
// events (`hearth:EVENT`, detail = data), and carries the page's topics (window.hearthTopic) on the same socket.
/**
 * Upload one file to /api/v1/media, as the compose page and plugin forms do: `progress(fraction)` while it travels,
 * then, once, `done({ ok: true, data })` with the media object, or `done({ ok: false, message })`, or
 * `done({ ok: false, aborted: true })` when it was cancelled or the connection dropped before an answer.
 * Returns the request; `abort()` cancels it.
 */
/**
 * Keep a navigation entry's count current, in every copy of the entry (the phone's top bar and the desktop sidebar
 * each draw 'top' items): its label carries the count for screen readers, the badge on its icon is for the eye.
 * @example window.hearthNavCount('messages', 'Messages', 3)
 */
window.hearthNavCount = (id, label, count) => {
  if (!Number.isInteger(count)) return
  for (const link of document.querySelectorAll(`a[data-nav="${CSS.escape(id)}"]`)) {
    const text = link.querySelector('.nav-label') || link
    text.textContent = count > 0 ? `${label} (${count})` : label
    let badge = link.querySelector('.nav-badge')
    if (count > 0) {
      if (!badge) {
        badge = document.createElement('span')
        badge.className = 'nav-badge'
        badge.setAttribute('aria-hidden', 'true')
        link.append(badge)
      }
      badge.textContent = String(count)
    } else if (badge) badge.remove()
  }
}

window.hearthUpload = (file, csrf, progress, done) => {
  const xhr = new XMLHttpRequest()
  xhr.upload.addEventListener('progress', (e) => {
    if (e.lengthComputable) progress(e.loaded / e.total)
  })
  xhr.addEventListener('loadend', () => {
    if (xhr.status === 0) return done({ ok: false, aborted: true })
    let body = null
    try {
      body = JSON.parse(xhr.responseText)
    } catch {}
    if (xhr.status === 201 && body && body.data) done({ ok: true, data: body.data })
    else done({ ok: false, message: (body && body.error && body.error.message) || 'The upload failed.' })
  })
  xhr.open('POST', '/api/v1/media')
  xhr.setRequestHeader('X-CSRF-Token', csrf)
  xhr.setRequestHeader('Accept', 'application/json')
  const data = new FormData()
  data.append('file', file)
  xhr.send(data)
  return xhr
}

/**
 * The preview of a chosen file while it uploads, as the compose page and plugin forms show it: the photo (or the
 * muted video), a progress bar, and a status line saying "Uploading…" (a `statusTag` element). Append the parts
 * where they belong; `url` is the object URL to revoke when the preview goes.
 */
window.hearthPreview = (file, alt, statusTag = 'div') => {
  const url = URL.createObjectURL(file)
  const media = document.createElement(file.type.startsWith('video/') ? 'video' : 'img')
  media.src = url
  if (media.tagName === 'IMG') media.alt = alt
  else media.muted = true
  const bar = document.createElement('progress')
  bar.max = 1
  bar.value = 0
  const status = document.createElement(statusTag)
  status.textContent = 'Uploading…'
  return { url, media, bar, status }
}

/** The topics this page joined, by id, and the socket they travel on (null while it is closed). */
const hearthTopics = new Map()
let hearthSocket = null

function hearthSend(frame) {
  if (!hearthSocket || hearthSocket.readyState !== WebSocket.OPEN) return false
  hearthSocket.send(typeof frame === 'string' || frame instanceof Blob ? frame : JSON.stringify(frame))
  return true
}

function hearthJoin(topic) {
  hearthSend(topic.lastSeq === null ? { op: 'join', topic: topic.id } : { op: 'join', topic: topic.id, after: topic.lastSeq })
}

/**
 * Join a realtime topic on the page's one socket (members only; for guests the handle does nothing). After a
 * reconnect the page joins again with the last durable sequence number it saw, and gets what it missed.
 * `after`: the newest sequence number the page was drawn with (a thread's newest message id), so the first join,
 * and a rejoin before any event arrived, catch up on what was published after the page was drawn. A second call
 * for a topic already joined answers the same handle, and its `after` counts when it is newer.
 *   const t = hearthTopic('hello:typing')
 *   const thread = hearthTopic('messages:conv:12', { after: 340 })
 *   t.on('typing', (data) => ...)                 // a topic event (also 'joined', 'left', 'presence', 'error', 'binary')
 *   t.send({ typing: true })                       // a message the plugin accepts; false when the socket is down
 *   t.sendBinary(blob)                             // on topics that take binary frames (a MediaRecorder chunk)
 *   t.present                                      // Set of member ids online in it, on topics with presence
 *   t.leave()
 */
window.hearthTopic = (id, options) => {
  const after = options && Number.isSafeInteger(options.after) && options.after >= 0 ? options.after : null
  const existing = hearthTopics.get(id)
  if (existing) {
    // Already joined (another script of the page asked first): the seed applies from the next join on.
    if (after !== null && (existing.lastSeq === null || after > existing.lastSeq)) existing.lastSeq = after
    return existing.handle
  }
  const listeners = new Map()
  const topic = {
    id,
    lastSeq: after,
    emit(event, data, frame) {
      for (const fn of listeners.get(event) || []) fn(data, frame)
    },
  }
  topic.handle = {
    id,
    present: new Set(),
    on(event, fn) {
      listeners.set(event, [...(listeners.get(event) || []), fn])
      return topic.handle
    },
    send: (message) => hearthSend({ op: 'send', topic: id, message }),
    sendBinary(data) {
      const header = new Uint8Array(1 + id.length)
      header[0] = id.length
      for (let i = 0; i < id.length; i++) header[i + 1] = id.charCodeAt(i)
      // A Blob keeps frames in the order they were sent, even for chunks still being read.
      return hearthSend(new Blob([header, data]))
    },
    leave() {
      hearthTopics.delete(id)
      hearthSend({ op: 'leave', topic: id })
    },
  }
  hearthTopics.set(id, topic)
  hearthJoin(topic)
  return topic.handle
}

/** A frame that names a topic goes to that topic's listeners. */
function hearthTopicFrame(f) {
  const topic = hearthTopics.get(f.topic)
  if (!topic) return
  const present = topic.handle.present
  if (f.op === 'joined') {
    present.clear()
    for (const userId of f.present || []) present.add(userId)
    topic.emit('joined', f, f)
  } else if (f.op === 'presence') {
    if (f.online) present.add(f.userId)
    else present.delete(f.userId)
    topic.emit('presence', { userId: f.userId, online: f.online }, f)
  } else if (f.op === 'left') {
    // Removed by the server (no longer allowed, or the topic closed): do not join again on reconnect.
    if (f.reason) hearthTopics.delete(f.topic)
    topic.emit('left', f, f)
  } else if (f.op === 'error') topic.emit('error', { code: f.code, message: f.message }, f)
  else if (f.event) {
    if (typeof f.seq === 'number') topic.lastSeq = Math.max(topic.lastSeq ?? 0, f.seq)
    topic.emit(f.event, f.data, f)
  }
}

/** A binary frame: one byte with the topic id's length, the id, then the payload. */
function hearthBinaryFrame(buffer) {
  const bytes = new Uint8Array(buffer)
  const id = String.fromCharCode(...bytes.subarray(1, 1 + bytes[0]))
  const topic = hearthTopics.get(id)
  if (topic) topic.emit('binary', buffer.slice(1 + bytes[0]), null)
}

(() => {
  const member = document.body && document.body.dataset.member
  // Staff viewing as a member read the page only: no socket in the member's name (its server side refuses it).
  if (!member || document.querySelector('[data-view-as]') || !('WebSocket' in window)) return
  let delay = 1000
  function connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/realtime`)
    ws.binaryType = 'arraybuffer'
    let opened = false
    ws.addEventListener('open', () => {
      opened = true
      delay = 1000
      hearthSocket = ws
      for (const topic of hearthTopics.values()) hearthJoin(topic)
    })
    ws.addEventListener('message', (e) => {
      if (e.data === 'pong') return
      if (e.data instanceof ArrayBuffer) return hearthBinaryFrame(e.data)
      let frame
      try {
        frame = JSON.parse(e.data)
      } catch {
        return // not a JSON event: ignore
      }
      if (frame.topic) hearthTopicFrame(frame)
      else if (frame.event) document.dispatchEvent(new CustomEvent(`hearth:${frame.event}`, { detail: frame.data }))
    })
    ws.addEventListener('close', () => {
      if (hearthSocket === ws) hearthSocket = null
      const retry = () => {
        setTimeout(connect, delay)
        delay = Math.min(delay * 2, 30000)
      }
      if (opened) return retry()
      // Refused before opening: stop if the session is gone (logged out elsewhere), else back off and retry.
      fetch('/api/v1/users/me', { credentials: 'same-origin' })
        .then((r) => (r.status === 401 ? undefined : retry()))
        .catch(retry)
    })
  }
  connect()
})()
