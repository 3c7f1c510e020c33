// Turning web push on or off for this browser (Settings → Email and push): subscribe with the instance's key
// through the service worker, then tell the server (`/api/v1/push/subscriptions`).
;(() => {
  const box = document.querySelector('[data-push]')
  if (!box) return
  const state = box.querySelector('[data-push-state]')
  const on = box.querySelector('[data-push-on]')
  const off = box.querySelector('[data-push-off]')
  const say = (text) => (state.textContent = text)
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say('This browser cannot receive push notifications.')
    return
  }
  const api = (method, body) =>
    fetch('/api/v1/push/subscriptions', { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': box.dataset.csrf }, body: JSON.stringify(body), credentials: 'same-origin' })
  const key = Uint8Array.from(atob(box.dataset.key.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0))

  const show = (subscribed) => {
    on.hidden = subscribed
    off.hidden = !subscribed
    say(subscribed ? 'Push notifications are on for this device.' : Notification.permission === 'denied' ? 'This browser blocks notifications from this site: allow them in its site settings first.' : 'Push notifications are off for this device.')
  }

  navigator.serviceWorker.ready.then(async (reg) => {
    const current = await reg.pushManager.getSubscription()
    // A subscription the server no longer has (it expired and was dropped) is sent again.
    if (current) await api('POST', current.toJSON()).catch(() => undefined)
    show(!!current)
    on.addEventListener('click', async () => {
      on.disabled = true
      try {
        if ((await Notification.requestPermission()) !== 'granted') return show(false)
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
        const res = await api('POST', sub.toJSON())
        if (!res.ok) {
          await sub.unsubscribe()
          return say((await res.json().catch(() => null))?.error?.message ?? 'Push could not be turned on.')
        }
        show(true)
      } catch (err) {
        say(`Push could not be turned on: ${err.message}`)
      } finally {
        on.disabled = false
      }
    })
    off.addEventListener('click', async () => {
      const sub = await reg.pushManager.getSubscription()
      if (sub) {
        await api('DELETE', { endpoint: sub.endpoint }).catch(() => undefined)
        await sub.unsubscribe()
      }
      show(false)
    })
  })
})()
