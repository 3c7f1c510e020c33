// Hearth's page script: keeps one realtime socket open for a logged-in member and re-dispatches its events
// as DOM events (`hearth:EVENT`, detail = data) so core and plugin scripts can react without their own socket.
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
