// Makes Hearth installable: registers the service worker (/sw.js), and empties its caches when a member logs out,
// so a shared device keeps nothing of their session.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined)
  })
}

/**
 * Every cache of this site gone: the worker clears them (and keeps its guest shell again, for the offline page)
 * and says when it is done; with no worker in control, the page clears them itself.
 */
function clearCaches() {
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller
  if (worker) {
    return new Promise((resolve) => {
      const done = (event) => {
        if (event.data !== 'hearth:caches-cleared') return
        navigator.serviceWorker.removeEventListener('message', done)
        resolve()
      }
      navigator.serviceWorker.addEventListener('message', done)
      worker.postMessage('hearth:logout')
    })
  }
  if (!('caches' in window)) return Promise.resolve()
  return caches.keys().then((keys) => Promise.all(keys.map((k) => caches.delete(k))))
}

// The log-out form posts once the caches are cleared (at most a second's wait). Without JavaScript no worker was
// registered, so there is nothing to clear.
document.addEventListener('submit', (event) => {
  const form = event.target
  if (!(form instanceof HTMLFormElement) || !form.matches('form.logout') || form.dataset.cleared) return
  event.preventDefault()
  form.dataset.cleared = '1'
  const go = () => form.submit()
  Promise.race([clearCaches(), new Promise((resolve) => setTimeout(resolve, 1000))]).then(go, go)
})
