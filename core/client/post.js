// Post cards, enhanced (each works without this script: the like is a form, share a link, a video has controls):
// - the like button flips at once and rolls back with a message when the server refuses or the network is down;
// - a double tap (or double click) on a post's media likes it, never unlikes, with a heart; a single tap keeps its
//   meaning (a photo opens in the lightbox, a video toggles its sound) after a short wait to tell the two apart;
// - share opens the device's share sheet, or copies the link and says so;
// - a video plays muted while at least half of it is in view, one at a time, with a sound button; none autoplays
//   when the member asks for reduced motion.
(() => {
  // Loaded once by the layout; htmx:load (below) takes the cards htmx adds later (it runs no script tags).
  if (window.hearthPosts) return
  const DOUBLE_TAP_MS = 350
  const svg = (paths, cls = '') => `<svg class="icon ${cls}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths.map((d) => `<path d="${d}"/>`).join('')}</svg>`
  const HEART = ['M2 9.5a5.5 5.5 0 0 1 9.591-3.676.56.56 0 0 0 .818 0A5.49 5.49 0 0 1 22 9.5c0 2.29-1.5 4-3 5.5l-5.492 5.313a2 2 0 0 1-3 .019L5 15c-1.5-1.5-3-3.2-3-5.5']
  const SPEAKER = 'M11 4.702a.7.7 0 0 0-1.203-.498L6.413 7.587A1.4 1.4 0 0 1 5.416 8H3a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h2.416a1.4 1.4 0 0 1 .997.413l3.383 3.384A.7.7 0 0 0 11 19.298z'
  const MUTED = [SPEAKER, 'm16.5 14.5 5-5', 'm16.5 9.5 5 5']
  const SOUND = [SPEAKER, 'M16 9a5 5 0 0 1 0 6', 'M19.364 18.364a9 9 0 0 0 0-12.728']
  const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches
  const plainClick = (e) => e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey

  // ---- One live region for the page's short messages ("Link copied", a like that failed). It exists before it
  // speaks, so screen readers announce what it says.
  const toast = document.createElement('div')
  toast.className = 'toast'
  toast.setAttribute('role', 'status')
  toast.setAttribute('aria-live', 'polite')
  toast.dataset.toast = ''
  document.body.append(toast)
  let toastTimer = 0
  function say(message, kind = 'ok') {
    clearTimeout(toastTimer)
    toast.dataset.kind = kind
    toast.textContent = message
    toastTimer = setTimeout(() => (toast.textContent = ''), 6000)
  }

  // ---- Likes
  const likeButton = (form) => form.querySelector('button')
  const isLiked = (form) => likeButton(form).getAttribute('aria-pressed') === 'true'
  /** Draw the like as `liked`: the button's state, its count and the verb the no-script form would send. */
  function drawLike(form, liked) {
    if (isLiked(form) === liked) return
    likeButton(form).setAttribute('aria-pressed', String(liked))
    const count = form.querySelector('[data-like-count]')
    if (count) count.textContent = String(Math.max(0, (Number(count.textContent) || 0) + (liked ? 1 : -1)))
    form.action = form.action.replace(/\/(un)?like(?=\?|$)/, liked ? '/unlike' : '/like')
  }

  /** What a refused request says: the error partial's text, or the API envelope's message. */
  async function refusal(res) {
    const text = await res.text().catch(() => '')
    try {
      const body = JSON.parse(text)
      if (body && body.error && body.error.message) return body.error.message
    } catch {}
    const t = document.createElement('template')
    t.innerHTML = text
    const said = (t.content.textContent || '').replace(/\s+/g, ' ').trim()
    return said && said.length < 300 ? said : `The server answered ${res.status}.`
  }

  /** Like (or take back the like) at once, then ask the server; on failure, roll back and say why. */
  async function toggleLike(form, want = !isLiked(form)) {
    if (form.dataset.busy !== undefined || isLiked(form) === want) return
    const postId = form.dataset.like
    drawLike(form, want)
    form.dataset.busy = ''
    let res = null
    let problem = null
    try {
      res = await fetch(`/p/${postId}/${want ? 'like' : 'unlike'}`, {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { 'HX-Request': 'true', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)),
      })
      if (!res.ok) problem = res.type === 'opaqueredirect' ? 'Your session has ended: log in again.' : await refusal(res)
    } catch {
      problem = navigator.onLine === false ? 'You are offline.' : 'The server could not be reached.'
    }
    delete form.dataset.busy
    if (problem) {
      drawLike(form, !want)
      say(`${want ? 'Your like was not saved' : 'Your like was not taken back'}: ${problem}`, 'error')
      return
    }
    // The server's bar (counts as this viewer sees them, "Liked by …") takes the optimistic one's place.
    const bar = form.closest('.reactions')
    const t = document.createElement('template')
    t.innerHTML = (await res.text()).trim()
    const fresh = t.content.firstElementChild
    if (!bar || !fresh || fresh.id !== bar.id) return
    const hadFocus = bar.contains(document.activeElement)
    bar.replaceWith(fresh)
    if (window.htmx) window.htmx.process(fresh)
    if (hadFocus) fresh.querySelector('form[data-like] button')?.focus()
  }

  document.addEventListener('submit', (e) => {
    const form = e.target.closest && e.target.closest('form[data-like]')
    if (!form) return
    e.preventDefault()
    toggleLike(form)
  })

  // ---- Double tap to like
  function heart(item) {
    const burst = document.createElement('span')
    burst.className = 'like-burst'
    burst.setAttribute('aria-hidden', 'true')
    burst.innerHTML = svg(HEART)
    item.append(burst)
    setTimeout(() => burst.remove(), 1000)
  }

  let pending = null // the first tap: { item, timer }
  let replaying = false
  document.addEventListener(
    'click',
    (e) => {
      const item = !replaying && e.target.closest && e.target.closest('[data-post] .carousel-item')
      // A click from the keyboard (detail 0) and one on a button inside (the sound button) keep their meaning.
      if (!item || e.detail === 0 || !plainClick(e) || e.target.closest('button, [controls]')) return
      const form = item.closest('[data-post]').querySelector('form[data-like]')
      const video = item.querySelector('video[data-autoplay]')
      const single = () => {
        const link = item.querySelector('a[data-lightbox]')
        if (link) {
          replaying = true
          link.click()
          replaying = false
        } else if (video) setSound(video.muted)
      }
      e.preventDefault()
      e.stopPropagation()
      if (!form) return single() // a guest: nothing to like, no reason to wait
      if (pending && pending.item === item) {
        clearTimeout(pending.timer)
        pending = null
        heart(item)
        toggleLike(form, true)
        return
      }
      if (pending) clearTimeout(pending.timer)
      pending = { item, timer: setTimeout(() => ((pending = null), single()), DOUBLE_TAP_MS) }
    },
    true,
  )
  // The browser's own double click selects text on a photo; the like is counted from the clicks above.
  document.addEventListener('dblclick', (e) => e.target.closest && e.target.closest('[data-post] .carousel-item') && e.preventDefault())

  // ---- Share
  async function copy(url) {
    try {
      await navigator.clipboard.writeText(url)
      return true
    } catch {
      // No clipboard API (a page not served over HTTPS): the old way, through a selected field.
      const field = document.createElement('textarea')
      field.value = url
      field.setAttribute('readonly', '')
      field.className = 'visually-hidden'
      document.body.append(field)
      field.select()
      let done = false
      try {
        done = document.execCommand('copy')
      } catch {}
      field.remove()
      return done
    }
  }
  document.addEventListener('click', async (e) => {
    const link = e.target.closest && e.target.closest('a[data-share]')
    if (!link || !plainClick(e)) return
    e.preventDefault()
    const url = new URL(link.dataset.share, location.href).href
    // "Send in a message" will be offered here too once messaging exists.
    if (navigator.share) {
      try {
        await navigator.share({ url, title: document.title })
        return
      } catch (err) {
        if (err && err.name === 'AbortError') return // closed by the member
      }
    }
    say((await copy(url)) ? 'Link copied' : `Copy this link: ${url}`)
  })

  // ---- Videos: muted while half in view, one at a time; the member's sound choice holds for the page.
  let soundOn = false
  function drawSound(v) {
    const b = v.parentElement.querySelector('.video-sound')
    if (!b) return
    b.setAttribute('aria-pressed', String(!v.muted))
    b.innerHTML = svg(v.muted ? MUTED : SOUND)
  }
  function setSound(on) {
    soundOn = on
    for (const v of document.querySelectorAll('video[data-autoplay]')) {
      v.muted = !on
      drawSound(v)
    }
  }
  const seen = 'IntersectionObserver' in window
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            const v = entry.target
            if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
              v.muted = !soundOn
              v.play().catch(() => {})
            } else if (!v.paused) v.pause()
          }
        },
        { threshold: [0, 0.5, 1] },
      )
    : null
  // Whatever starts a video (this script or the member with the controls), the others stop.
  document.addEventListener(
    'play',
    (e) => {
      if (!(e.target instanceof HTMLVideoElement)) return
      for (const v of document.querySelectorAll('video')) if (v !== e.target && !v.paused) v.pause()
    },
    true,
  )

  function enhanceVideo(v) {
    if (v.dataset.autoplay !== undefined || !seen || reducedMotion()) return
    v.dataset.autoplay = ''
    v.controls = false
    v.muted = !soundOn
    v.loop = true
    v.playsInline = true
    const b = document.createElement('button')
    b.type = 'button'
    b.className = 'video-sound'
    b.setAttribute('aria-label', 'Sound')
    b.addEventListener('click', () => setSound(v.muted))
    v.after(b)
    drawSound(v)
    seen.observe(v)
  }

  function init(scope) {
    for (const v of scope.querySelectorAll('[data-post] .carousel-item video.media')) enhanceVideo(v)
  }
  document.addEventListener('htmx:load', (e) => init(e.target))
  window.hearthPosts = init
  init(document)
})()
