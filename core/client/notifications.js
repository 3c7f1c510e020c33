// Live notifications: keeps the navigation's unread count current and, on /notifications, puts a new one on
// top (replacing the entry it joins). Listens to the events hearth.js re-dispatches from the realtime socket.
(() => {
  const label = (unread) => (unread > 0 ? `Notifications (${unread})` : 'Notifications')

  function setUnread(unread) {
    const link = document.querySelector('a[data-nav="notifications"]')
    if (!link || !Number.isInteger(unread)) return
    // The label keeps the count for screen readers; the badge on the icon is for the eye.
    const text = link.querySelector('.nav-label') || link
    text.textContent = label(unread)
    let badge = link.querySelector('.nav-badge')
    if (unread > 0) {
      if (!badge) {
        badge = document.createElement('span')
        badge.className = 'nav-badge'
        badge.setAttribute('aria-hidden', 'true')
        link.append(badge)
      }
      badge.textContent = String(unread)
    } else if (badge) badge.remove()
  }

  // Only same-site paths become links, whatever the event says.
  const sitePath = (url) => typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')

  function entry(n) {
    const li = document.createElement('li')
    li.className = 'notification unread'
    li.dataset.notificationId = String(n.id)
    const text = document.createElement(sitePath(n.url) ? 'a' : 'span')
    if (sitePath(n.url)) text.href = n.url
    text.textContent = String(n.text)
    const badge = document.createElement('span')
    badge.className = 'badge badge-ok'
    badge.textContent = 'new'
    const time = document.createElement('time')
    time.className = 'muted'
    time.dateTime = new Date().toISOString()
    time.textContent = 'just now'
    li.append(text, ' ', badge, ' ', time)
    return li
  }

  document.addEventListener('hearth:notification', (e) => {
    const n = e.detail
    if (!n || !Number.isInteger(n.id)) return
    setUnread(n.unread)
    const list = document.querySelector('[data-notifications]')
    if (!list) return
    list.querySelectorAll(`[data-notification-id="${n.id}"], [data-empty]`).forEach((el) => el.remove())
    list.prepend(entry(n))
  })
  document.addEventListener('hearth:notifications.read', (e) => setUnread(e.detail && e.detail.unread))
})()
