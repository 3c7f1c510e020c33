// Live notifications: keeps the navigation's unread count current and, on /notifications, puts a new one on
// top (replacing the entry it joins), drawn by the server as the list draws it. On the home feed, shows the
// "New posts" pill when a followed member posts. Listens to the events hearth.js re-dispatches from the socket.
(() => {
  const setUnread = (unread) => window.hearthNavCount('notifications', 'Notifications', unread)

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

  // The entry as the list draws it (avatars, thumbnail, Follow back); the plain line when that cannot be had.
  async function drawn(n) {
    try {
      const res = await fetch(`/notifications/entries/${n.id}`, { credentials: 'same-origin', headers: { 'HX-Request': 'true' } })
      if (res.ok) {
        const box = document.createElement('ul')
        box.innerHTML = await res.text()
        const li = box.querySelector('li.notification')
        if (li) return li
      }
    } catch {}
    return entry(n)
  }

  document.addEventListener('hearth:notification', async (e) => {
    const n = e.detail
    if (!n || !Number.isInteger(n.id)) return
    setUnread(n.unread)
    const list = document.querySelector('[data-notifications]')
    if (!list) return
    const li = await drawn(n)
    list.querySelectorAll(`[data-notification-id="${n.id}"], [data-empty]`).forEach((el) => el.remove())
    list.prepend(li)
    if (window.htmx) window.htmx.process(li)
  })
  document.addEventListener('hearth:notifications.read', (e) => setUnread(e.detail && e.detail.unread))

  // The home feed's pill: shown when a post arrives; pressing it (htmx loads the newest page into the feed) hides it,
  // scrolls up and moves focus to the feed.
  document.addEventListener('hearth:feed.new', () => {
    const pill = document.querySelector('[data-new-posts]')
    if (pill) pill.hidden = false
  })
  document.addEventListener('htmx:afterSwap', (e) => {
    // Only the pill's own request (the feed's infinite scroll swaps in it too).
    const source = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt
    const feed = document.querySelector('[data-home-feed]')
    if (!feed || !source || !source.matches || !source.matches('[data-new-posts]')) return
    source.hidden = true
    window.scrollTo({ top: 0, behavior: 'auto' })
    feed.focus({ preventScroll: true })
  })
})()
