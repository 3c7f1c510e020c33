// A thread's attachments, live: draws photos, videos, files and voice notes of messages that arrive over the topic
// (the same markup as attachment-views.tsx), redraws them when processed, sends a message with files without a
// reload, opens a view-once item in place (once), and shows "Opened" when a recipient opens one.
// Without this script the form posts, the open button posts, and the page reloads.
(() => {
  const root = document.querySelector('.messages-thread[data-conversation]')
  const form = root && root.querySelector('form[data-compose]')
  if (!root || !form || !window.hearthTopic) return
  const id = Number(root.dataset.conversation)
  const me = Number(root.dataset.me)
  const csrf = form.querySelector('input[name="_csrf"]').value
  // The first of the thread's scripts to join: with the same catch-up as messages.js (the first join carries it).
  const topic = window.hearthTopic(`messages:conv:${id}`, root.dataset.newest ? { after: Number(root.dataset.newest) } : undefined)

  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v))
    e.append(...children)
    return e
  }
  const clock = (ms) => {
    const s = Math.round((ms || 0) / 1000)
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
  }
  const size = (n) => (n < 1e6 ? `${Math.max(1, Math.round(n / 1e3))} KB` : `${(n / 1e6).toFixed(1)} MB`)
  const noun = (a) => (a.kind === 'video' ? 'Video' : 'Photo')

  function wave(bars) {
    const ns = 'http://www.w3.org/2000/svg'
    const svg = document.createElementNS(ns, 'svg')
    svg.setAttribute('class', 'msg-wave')
    svg.setAttribute('viewBox', `0 0 ${bars.length * 3} 24`)
    svg.setAttribute('width', String(bars.length * 3))
    svg.setAttribute('height', '24')
    svg.setAttribute('aria-hidden', 'true')
    svg.setAttribute('preserveAspectRatio', 'none')
    bars.forEach((b, i) => {
      const h = Math.max(2, Math.round((b / 100) * 22))
      const r = document.createElementNS(ns, 'rect')
      for (const [k, v] of Object.entries({ x: i * 3, y: 12 - h / 2, width: 2, height: h, rx: 1 })) r.setAttribute(k, String(v))
      svg.append(r)
    })
    return svg
  }

  function item(a, sender) {
    if (a.view_once) {
      const opened = (a.opened_by || []).length > 0
      if (sender === me) return el('p', { class: 'msg-once', 'data-once': a.id, 'data-opened': opened ? '1' : '0' }, `${noun(a)} · view once · `, el('span', { 'data-once-state': '' }, opened ? 'Opened' : 'Not opened yet'))
      if ((a.opened_by || []).includes(me)) return el('p', { class: 'msg-once', 'data-once': a.id, 'data-opened': '1' }, `${noun(a)} · `, el('span', { 'data-once-state': '' }, 'Opened'))
      if (a.status === 'processing') return el('p', { class: 'msg-once msg-processing muted', 'data-once': a.id, 'data-opened': '0', 'data-status': 'processing' }, `${noun(a)} · view once · processing…`)
      const f = el('form', { method: 'post', action: `/messages/${id}/attachments/${a.id}/open`, class: 'msg-once', 'data-once': a.id, 'data-opened': '0' })
      f.append(el('input', { type: 'hidden', name: '_csrf', value: csrf }), el('button', { type: 'submit', class: 'link', 'data-open': a.id }, `${noun(a)}, tap to view`))
      return f
    }
    if (a.status === 'failed') return el('p', { class: 'msg-failed muted' }, a.kind === 'voice' ? 'This voice message could not be converted.' : `This ${noun(a).toLowerCase()} could not be processed.`)
    if (a.kind === 'photo' && a.media && a.status !== 'ready') return el('p', { class: 'msg-processing muted', 'data-media': a.media.id, 'data-status': 'processing' }, 'Processing photo…')
    if (a.kind === 'photo' && a.media) {
      const img = el('img', { src: a.media.urls['640'] || `/media/${a.media.id}/640`, alt: 'Photo', loading: 'lazy', width: a.media.width, height: a.media.height })
      return el('a', { href: a.media.urls['1080'] || `/media/${a.media.id}/1080`, class: 'msg-photo', 'data-media': a.media.id, 'data-status': a.status }, img)
    }
    if (a.kind === 'video' && a.media) {
      if (a.status !== 'ready' || !a.media.urls.video) return el('p', { class: 'msg-processing muted', 'data-media': a.media.id, 'data-status': 'processing' }, el('img', { src: `/media/${a.media.id}/poster`, alt: '', width: 64, height: 64 }), ' Processing video…')
      return el('video', { class: 'msg-video', 'data-media': a.media.id, controls: '', preload: 'metadata', poster: a.media.urls.poster, src: a.media.urls.video })
    }
    if (a.kind === 'file' && a.url) return el('a', { href: a.url, class: 'msg-file', download: a.name || '', 'data-file': a.id }, el('span', { class: 'msg-file-name' }, a.name || ''), ' ', el('span', { class: 'muted' }, size(a.size || 0)))
    if (a.kind === 'voice') {
      if (a.status !== 'ready' || !a.sources) return el('p', { class: 'msg-processing muted', 'data-voice': a.id, 'data-status': 'processing' }, 'Voice message, converting…')
      const audio = el('audio', { controls: '', preload: 'metadata', 'aria-label': `Voice message, ${clock(a.duration_ms)}` }, ...a.sources.map((s) => el('source', { src: s.url, type: s.type })))
      return el('div', { class: 'msg-voice', 'data-voice': a.id, 'data-status': 'ready' }, ...(a.waveform ? [wave(a.waveform)] : []), audio, el('span', { class: 'muted msg-duration' }, clock(a.duration_ms)))
    }
    return el('span')
  }

  /** A message's items (messages.js calls it while drawing a message). */
  function draw(m) {
    return el('div', { class: 'msg-attachments', 'data-attachments': '' }, ...m.attachments.map((a) => item(a, m.sender ? m.sender.id : null)))
  }
  window.hearthAttachments = { draw }

  // Processed, converted or failed: the message's items anew.
  topic.on('attachments', ({ id: mid, attachments }) => {
    const li = document.getElementById(`m-${mid}`)
    const box = li && li.querySelector('[data-attachments]')
    if (!box) return
    const fresh = draw({ attachments, sender: { id: Number(li.dataset.sender) } })
    // A view-once item open on this page stays open (its address loads once).
    for (const open of box.querySelectorAll('[data-once-open]')) fresh.querySelector(`[data-once="${open.dataset.onceOpen}"]`)?.replaceWith(open)
    box.replaceWith(fresh)
  })

  // Someone opened a view-once item: its sender sees "Opened"; the opener's other pages lose the button.
  topic.on('opened', ({ attachment, userId }) => {
    const box = root.querySelector(`[data-once="${attachment}"]`)
    if (!box) return
    const li = box.closest('li.msg')
    const sender = li ? Number(li.dataset.sender) : null
    if (sender === me) {
      box.dataset.opened = '1'
      const state = box.querySelector('[data-once-state]')
      if (state) state.textContent = 'Opened'
    } else if (userId === me && box.tagName === 'FORM' && !box.dataset.opening) {
      box.replaceWith(el('p', { class: 'msg-once', 'data-once': attachment, 'data-opened': '1' }, 'Opened'))
    }
  })

  // Opening a view-once item in place: the one-time address is loaded once; leaving it shows "Opened".
  root.addEventListener('submit', async (e) => {
    const f = e.target
    if (!(f instanceof HTMLFormElement) || !f.matches('form[data-once]')) return
    e.preventDefault()
    if (f.dataset.opening) return
    // This page opens it: the "opened" event it causes must not replace the form first.
    f.dataset.opening = '1'
    const aid = Number(f.dataset.once)
    const res = await fetch(`/api/v1/messages/conversations/${id}/attachments/${aid}/open`, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf } })
    const answer = await res.json().catch(() => null)
    const done = el('p', { class: 'msg-once', 'data-once': aid, 'data-opened': '1' }, 'Opened')
    if (res.status === 409) {
      // Still being processed: not spent; the button stays for a moment later.
      delete f.dataset.opening
      f.querySelector('[data-once-note]')?.remove()
      f.append(el('span', { class: 'muted', role: 'status', 'data-once-note': '' }, ` ${(answer && answer.error && answer.error.message) || 'Not ready yet.'}`))
      return
    }
    if (!res.ok || !answer || !answer.data) {
      f.replaceWith(done)
      return
    }
    const media = answer.data.media
    const shown =
      media.kind === 'video'
        ? el('video', { class: 'msg-video msg-once-open', controls: '', autoplay: '', playsinline: '', src: media.urls.video })
        : el('img', { class: 'msg-once-photo msg-once-open', src: media.urls['1080'] || media.urls['640'], alt: 'View-once photo' })
    const close = el('button', { type: 'button', class: 'link' }, 'Close')
    const box = el('div', { class: 'msg-once-box', 'data-once-open': aid }, shown, close)
    close.addEventListener('click', () => box.replaceWith(done))
    f.replaceWith(box)
    close.focus()
  })

  // Sending with files: the whole form (files, caption, view-once) to the API, shown when it is stored.
  const hasFiles = () => [...form.querySelectorAll('input[type="file"]')].some((i) => i.files && i.files.length > 0)
  form.addEventListener(
    'submit',
    async (e) => {
      if (!hasFiles()) return
      e.preventDefault()
      e.stopImmediatePropagation()
      const button = form.querySelector('button[type="submit"]')
      const status = form.querySelector('[data-attach-status]') || el('p', { class: 'muted', 'data-attach-status': '', role: 'status' })
      form.append(status)
      status.textContent = 'Sending…'
      button.disabled = true
      try {
        const res = await fetch(`/api/v1/messages/conversations/${id}/messages`, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf }, body: new FormData(form) })
        const answer = await res.json().catch(() => null)
        if (!res.ok || !answer || !answer.data) throw new Error((answer && answer.error && answer.error.message) || 'The message was not sent.')
        form.reset()
        const clientId = form.querySelector('input[name="client_id"]')
        clientId.value = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`
        form.dispatchEvent(new CustomEvent('hearth:sent', { detail: answer.data }))
        status.textContent = ''
        form.querySelector('details[data-attach]')?.removeAttribute('open')
      } catch (err) {
        status.textContent = `Not sent: ${err.message}`
      } finally {
        button.disabled = false
      }
    },
    true,
  )
})()
