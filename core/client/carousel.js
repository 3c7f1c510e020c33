// Post carousels, enhanced: arrows, dots and the ← → keys move one item at a time through the snapping scroller
// (which swipes without this script), and a photo's link opens it whole in a lightbox (<dialog>, Esc closes).
(() => {
  // Loaded once by the layout; htmx:load (below) takes the cards htmx adds later (it runs no script tags).
  if (window.hearthCarousel) return
  const svg = (d) => `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${d}" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`

  function enhance(root) {
    const track = root.querySelector('.carousel-track')
    const frame = root.querySelector('.carousel-frame')
    const items = [...track.children]
    const button = (cls, label, icon) => {
      const b = document.createElement('button')
      b.type = 'button'
      b.className = `carousel-arrow ${cls}`
      b.setAttribute('aria-label', label)
      b.innerHTML = svg(icon)
      frame.append(b)
      return b
    }
    const prev = button('carousel-prev', 'Previous', 'M15 5l-7 7 7 7')
    const next = button('carousel-next', 'Next', 'M9 5l7 7-7 7')
    const dots = document.createElement('div')
    dots.className = 'carousel-dots'
    const dotButtons = items.map((_, i) => {
      const d = document.createElement('button')
      d.type = 'button'
      d.className = 'carousel-dot'
      d.setAttribute('aria-label', `Item ${i + 1} of ${items.length}`)
      d.addEventListener('click', () => go(i))
      dots.append(d)
      return d
    })
    root.append(dots)

    const current = () => Math.round(track.scrollLeft / Math.max(1, track.clientWidth))
    const go = (i) => track.scrollTo({ left: Math.max(0, Math.min(items.length - 1, i)) * track.clientWidth, behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' })
    const show = () => {
      const i = current()
      prev.hidden = i <= 0
      next.hidden = i >= items.length - 1
      root.dataset.index = String(i)
      dotButtons.forEach((d, j) => d.setAttribute('aria-current', String(i === j)))
    }
    prev.addEventListener('click', () => go(current() - 1))
    next.addEventListener('click', () => go(current() + 1))
    root.addEventListener('keydown', (e) => {
      if (e.target.closest('input, textarea, select') || e.altKey || e.ctrlKey || e.metaKey) return
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault()
        go(current() + (e.key === 'ArrowLeft' ? -1 : 1))
      }
    })
    let pending = 0
    track.addEventListener('scroll', () => {
      cancelAnimationFrame(pending)
      pending = requestAnimationFrame(show)
    })
    show()
  }

  let dialog = null
  function lightbox(link) {
    if (!dialog) {
      dialog = document.createElement('dialog')
      dialog.className = 'lightbox'
      dialog.setAttribute('aria-label', 'Photo')
      dialog.innerHTML = '<img alt=""><form method="dialog"><button class="lightbox-close" aria-label="Close">Close</button></form>'
      dialog.addEventListener('click', (e) => e.target === dialog && dialog.close())
      document.body.append(dialog)
    }
    const img = dialog.querySelector('img')
    const shown = link.querySelector('img')
    img.src = link.href
    img.alt = shown ? shown.alt : ''
    dialog.showModal()
  }

  function init(scope) {
    for (const root of scope.querySelectorAll('[data-carousel]:not([data-ready])')) {
      root.dataset.ready = ''
      enhance(root)
    }
  }
  document.addEventListener('click', (e) => {
    const link = e.target.closest && e.target.closest('a[data-lightbox]')
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return
    e.preventDefault()
    lightbox(link)
  })
  // Pages of posts that htmx adds later carry their own carousels.
  document.addEventListener('htmx:load', (e) => init(e.target))
  window.hearthCarousel = init
  init(document)
})()
