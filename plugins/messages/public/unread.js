// Keeps the Messages entries of the navigation current (the phone's top bar and the desktop sidebar each have one,
// the other hidden by CSS): the label carries the count for screen readers and the badge on the icon is for the eye,
// as core draws them. Fed by `messages:unread` on the page's realtime socket.
document.addEventListener('hearth:messages:unread', (e) => {
  const n = e.detail && e.detail.conversations
  if (!Number.isInteger(n)) return
  for (const link of document.querySelectorAll('a[data-nav="messages"]')) {
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
  }
})
