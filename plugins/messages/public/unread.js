// Keeps the Messages entry of the navigation current: its label carries the count for screen readers and the
// badge on its icon is for the eye, as core draws them. Fed by `messages:unread` on the page's realtime socket.
document.addEventListener('hearth:messages:unread', (e) => {
  const n = e.detail && e.detail.conversations
  const link = document.querySelector('a[data-nav="messages"]')
  if (!link || !Number.isInteger(n)) return
  const text = link.querySelector('.nav-label') || link
  text.textContent = n > 0 ? `Messages (${n})` : 'Messages'
  let badge = link.querySelector('.nav-badge')
  if (n > 0) {
    if (!badge) {
      badge = document.createElement('span')
      badge.className = 'nav-badge'
      badge.setAttribute('aria-hidden', 'true')
      link.append(badge)
    }
    badge.textContent = String(n)
  } else if (badge) badge.remove()
})
