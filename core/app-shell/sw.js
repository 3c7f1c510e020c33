// Hearth's service worker (served at /sw.js with the shell's list and version filled in): the app shell (styles,
// scripts, icon, the offline page) from a cache; pages from the network, with the offline page when it fails.
// Nothing else is stored: no page a member sees (their feed must not outlive their session on a shared device),
// no API answer, no media.
const VERSION = '__VERSION__'
const SHELL = `hearth-shell-${VERSION}`
/** @type {string[]} */
const PRECACHE = __PRECACHE__
const OFFLINE = '/offline'

/** Keep the shell, fetched without cookies: what is kept is what a guest would get, never a member's page. */
const keepShell = () => caches.open(SHELL).then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { credentials: 'omit', cache: 'reload' }))))

self.addEventListener('install', (event) => {
  event.waitUntil(keepShell().then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

// A page logging out asks for every cache to go (core/client/app-shell.js); it is answered once they are gone, and
// the shell (a guest's, so the offline page keeps working) is kept again afterwards.
self.addEventListener('message', (event) => {
  if (event.data !== 'hearth:logout') return
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.map((k) => caches.delete(k))))
      .then(() => event.source && event.source.postMessage('hearth:caches-cleared'))
      .then(keepShell)
      .catch(() => undefined),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate') {
    // Network first, never stored; the offline page only when the network itself fails (an error page is an answer).
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE).then((r) => r || Response.error())))
    return
  }
  if (url.search === '' && PRECACHE.includes(url.pathname) && url.pathname !== OFFLINE) {
    // The shell: from the cache at once, refreshed from the network for next time.
    event.respondWith(
      caches.open(SHELL).then(async (cache) => {
        const kept = await cache.match(url.pathname)
        const fresh = fetch(request)
          .then((res) => {
            if (res.ok) return cache.put(url.pathname, res.clone()).then(() => res)
            return res
          })
        if (!kept) return fresh
        event.waitUntil(fresh.catch(() => undefined))
        return kept
      }),
    )
  }
  // Everything else (API, media, realtime) goes to the network as if there were no worker.
})

// Web push (core/push): the server sends only what the member may see when it goes out; it is shown as it came.
self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    data = { body: event.data ? event.data.text() : '' }
  }
  const title = typeof data.title === 'string' ? data.title : 'Hearth'
  const options = { body: typeof data.body === 'string' ? data.body : '', tag: data.tag, data: { url: typeof data.url === 'string' ? data.url : '/notifications' }, icon: '/app-icon/192.png', badge: '/app-icon/192.png' }
  event.waitUntil(self.registration.showNotification(title, options))
})

// Opening a notification focuses an open Hearth tab on its page, or opens one; only this site's own paths.
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const path = event.notification.data && event.notification.data.url
  const url = new URL(typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') ? path : '/notifications', self.location.origin).href
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin)
      if (open) return open.navigate(url).then((w) => (w || open).focus())
      return self.clients.openWindow(url)
    }),
  )
})
