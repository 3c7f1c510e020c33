// Hearth's page script: keeps one realtime socket open for a logged-in member and re-dispatches its events
// as DOM events (`hearth:EVENT`, detail = data) so core and plugin scripts can react without their own socket.
/**
 * Upload one file to /api/v1/media, as the compose page and plugin forms do: `progress(fraction)` while it travels,
 * then, once, `done({ ok: true, data })` with the media object, or `done({ ok: false, message })`, or
 * `done({ ok: false, aborted: true })` when it was cancelled or the connection dropped before an answer.
 * Returns the request; `abort()` cancels it.
 */
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

(() => {
  const member = document.body && document.body.dataset.member
  if (!member || !('WebSocket' in window)) return
  let delay = 1000
  function connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/realtime`)
    let opened = false
    ws.addEventListener('open', () => {
      opened = true
      delay = 1000
    })
    ws.addEventListener('message', (e) => {
      if (e.data === 'pong') return
      try {
        const { event, data } = JSON.parse(e.data)
        document.dispatchEvent(new CustomEvent(`hearth:${event}`, { detail: data }))
      } catch {
        // not a JSON event: ignore
      }
    })
    ws.addEventListener('close', () => {
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
