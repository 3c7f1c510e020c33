// Stories in the browser: the viewer plays each story with a progress bar, then follows the page's "next" link;
// hold (press or touch) to pause, tap left or right to go back or on, arrows, Space and Escape on the keyboard.
// On the new-story page a chosen file is uploaded at once through /api/v1/media. Without this script every
// page still works through its links and forms.
(() => {
  const viewerRoot = document.querySelector('[data-story-viewer]')
  if (viewerRoot) viewer(viewerRoot)
  const form = document.querySelector('form[data-story-new]')
  if (form) compose(form)

  function viewer(root) {
    root.classList.add('story-js')
    const bar = root.querySelector('[data-bar]')
    const stage = root.querySelector('[data-stage]')
    const video = root.querySelector('video[data-story-video]')
    const next = root.dataset.next || '/'
    const prev = root.dataset.prev || ''
    const close = root.dataset.close || '/'
    const total = Number(root.dataset.duration) || 5000
    const HOLD_MS = 250
    let elapsed = 0
    let last = performance.now()
    let held = false
    let stopped = false // Space
    let leaving = false
    let downAt = 0
    let swallowClick = false

    const go = (href) => {
      if (!href || leaving) return
      leaving = true
      location.assign(href)
    }
    const typing = () => {
      const a = document.activeElement
      return !!a && root.contains(a) && (a.tagName === 'INPUT' || a.tagName === 'TEXTAREA')
    }
    // Reading the viewer list (an open <details>) or typing a reply also holds the story.
    const paused = () => held || stopped || document.hidden || typing() || !!root.querySelector('details[open]')

    function frame(now) {
      const dt = now - last
      last = now
      let ratio
      if (video) {
        if (paused()) {
          if (!video.paused) video.pause()
        } else if (video.paused && !video.ended && video.readyState > 0) {
          video.play().catch(() => {})
        }
        ratio = video.duration && isFinite(video.duration) ? video.currentTime / video.duration : 0
        if (video.ended) ratio = 1
      } else {
        if (!paused()) elapsed += dt
        ratio = elapsed / total
      }
      if (bar) bar.style.width = `${Math.min(1, ratio) * 100}%`
      root.classList.toggle('story-paused', paused())
      if (ratio >= 1) return go(next)
      requestAnimationFrame(frame)

    // Videos start muted (browsers refuse sound without a gesture); this button turns it on.
    const sound = root.querySelector('[data-story-sound]')
    if (video && sound) {
      sound.hidden = false
      sound.addEventListener('click', () => {
        video.muted = !video.muted
        sound.textContent = video.muted ? 'Sound on' : 'Sound off'
      })
    }
    }
    requestAnimationFrame(frame)

    // Hold to pause; a short press on the left or right part is a tap that follows its link.
    if (stage) {
      const release = () => {
        if (!held) return
        held = false
        if (performance.now() - downAt > HOLD_MS) swallowClick = true
      }
      stage.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) return
        held = true
        downAt = performance.now()
        swallowClick = false
      })
      stage.addEventListener('pointerup', release)
      stage.addEventListener('pointercancel', release)
      stage.addEventListener('pointerleave', release)
      stage.addEventListener('contextmenu', (e) => e.preventDefault())
      stage.addEventListener('click', (e) => {
        if (!swallowClick) return
        swallowClick = false
        e.preventDefault()
      })
    }

    document.addEventListener('keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return
      if (typing()) {
        if (e.key === 'Escape') document.activeElement.blur()
        return
      }
      if (e.key === 'ArrowRight') {
        e.preventDefault()
        go(next)
      } else if (e.key === 'ArrowLeft') {
        if (!prev) return
        e.preventDefault()
        go(prev)
      } else if (e.key === ' ' || e.key === 'Spacebar') {
        // Space on a focused button or link keeps its own meaning.
        const a = document.activeElement
        if (a && a !== document.body && (a.tagName === 'BUTTON' || a.tagName === 'A' || a.tagName === 'SUMMARY')) return
        e.preventDefault()
        stopped = !stopped
      } else if (e.key === 'Escape') {
        e.preventDefault()
        go(close)
      }
    })

    // Reactions and replies go through the API, so the story keeps playing instead of reloading.
    for (const f of root.querySelectorAll('form.story-emoji, form.story-reply')) {
      f.addEventListener('submit', async (e) => {
        e.preventDefault()
        const csrf = f.querySelector('input[name=_csrf]').value
        const id = f.action.match(/\/stories\/(\d+)\/reactions$/)[1]
        const text = f.querySelector('input[name=text]')
        const body = e.submitter && e.submitter.name === 'emoji' ? { emoji: e.submitter.value } : { text: text ? text.value : '' }
        const note = root.querySelector('[data-story-sent]') || document.createElement('p')
        note.dataset.storySent = ''
        note.setAttribute('role', 'status')
        try {
          const res = await fetch(`/api/v1/stories/${id}/reactions`, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Accept: 'application/json' },
            body: JSON.stringify(body),
          })
          const data = await res.json().catch(() => null)
          if (!res.ok) throw new Error((data && data.error && data.error.message) || 'That did not go through.')
          note.className = 'alert alert-ok'
          note.textContent = body.emoji ? `Sent ${body.emoji}` : 'Reply sent.'
          if (text) text.value = ''
          if (typing()) document.activeElement.blur()
        } catch (err) {
          note.className = 'alert alert-error'
          note.textContent = err.message
        }
        f.parentElement.after(note)
      })
    }
  }

  function compose(form) {
    const input = form.querySelector('[data-story-file]')
    const hidden = form.querySelector('[data-story-media-id]')
    const preview = form.querySelector('[data-story-preview]')
    const csrf = form.querySelector('input[name=_csrf]').value
    let pending = null

    input.addEventListener('change', () => {
      const file = input.files && input.files[0]
      if (!file) return
      if (pending) pending.abort()
      preview.textContent = ''
      hidden.value = ''
      const { media, bar, status } = window.hearthPreview(file, 'Your story', 'p')
      status.className = 'hint'
      preview.append(media, bar, status)

      const request = window.hearthUpload(
        file,
        csrf,
        (fraction) => (bar.value = fraction),
        (result) => {
          if (pending !== request) return // replaced by a newer file
          pending = null
          if (result.ok) {
            bar.value = 1
            hidden.value = String(result.data.id)
            status.textContent = 'Uploaded'
            status.dataset.storyUploaded = ''
          } else if (!result.aborted) {
            status.textContent = result.message
            status.setAttribute('role', 'alert')
          }
        },
      )
      pending = request
      // The file now travels through the API; the form sends only its id.
      input.value = ''
    })

    form.addEventListener('submit', (e) => {
      if (!pending) return
      e.preventDefault()
      const note = form.querySelector('[data-story-wait]') || document.createElement('p')
      note.dataset.storyWait = ''
      note.className = 'alert alert-info'
      note.setAttribute('role', 'status')
      note.textContent = 'Wait until the upload finishes.'
      form.prepend(note)
    })
  }
})()
