// Search suggestions as an ARIA combobox: a search box marked `data-typeahead` (the header's, the search page's)
// asks /search/suggest as you type (htmx, 200 ms after the last key) and this script makes the links it shows a
// listbox: ↓/↑ move, Enter opens the chosen one (or searches), Esc closes, a click outside closes. Without it the
// box is a plain GET form to /search.
(() => {
  // The search page carries the header's box and its own: one copy of the script does both.
  if (window.hearthTypeahead) return
  window.hearthTypeahead = true
  const boxes = () => document.querySelectorAll('input[data-typeahead]')
  const listOf = (input) => document.getElementById(input.getAttribute('aria-controls'))
  const options = (list) => [...list.querySelectorAll('[role="option"]')]

  function setup(input) {
    if ('typeaheadReady' in input.dataset) return
    input.dataset.typeaheadReady = ''
    input.setAttribute('role', 'combobox')
    input.setAttribute('aria-autocomplete', 'list')
    input.setAttribute('aria-expanded', 'false')
    const list = listOf(input)
    if (!list) return
    list.setAttribute('role', 'listbox')
    list.setAttribute('aria-label', 'Suggestions')

    const close = () => {
      list.hidden = true
      input.setAttribute('aria-expanded', 'false')
      input.removeAttribute('aria-activedescendant')
      for (const o of options(list)) o.setAttribute('aria-selected', 'false')
    }
    const active = () => options(list).findIndex((o) => o.getAttribute('aria-selected') === 'true')
    const choose = (i) => {
      const all = options(list)
      if (!all.length) return
      const n = ((i % all.length) + all.length) % all.length
      all.forEach((o, j) => o.setAttribute('aria-selected', String(j === n)))
      input.setAttribute('aria-activedescendant', all[n].id)
      all[n].scrollIntoView({ block: 'nearest' })
    }

    // Each answer: give its links option roles and ids, then show it (or close when it is empty).
    list.addEventListener('htmx:afterSwap', () => {
      const links = [...list.querySelectorAll('a')]
      links.forEach((a, i) => {
        a.setAttribute('role', 'option')
        a.setAttribute('aria-selected', 'false')
        a.id = `${list.id}-option-${i}`
        a.tabIndex = -1
      })
      for (const ul of list.querySelectorAll('ul')) ul.setAttribute('role', 'group')
      for (const el of list.querySelectorAll('li, p')) el.setAttribute('role', 'presentation')
      const empty = !list.textContent.trim()
      list.hidden = empty || document.activeElement !== input
      input.setAttribute('aria-expanded', String(!list.hidden && links.length > 0))
      input.removeAttribute('aria-activedescendant')
    })

    input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (list.hidden) {
          if (!options(list).length) return
          list.hidden = false
          input.setAttribute('aria-expanded', 'true')
        }
        e.preventDefault()
        const i = active()
        choose(i < 0 ? (e.key === 'ArrowDown' ? 0 : -1) : i + (e.key === 'ArrowDown' ? 1 : -1))
      } else if (e.key === 'Enter') {
        const i = active()
        if (list.hidden || i < 0) return // the form searches
        e.preventDefault()
        location.assign(options(list)[i].href)
      } else if (e.key === 'Escape') {
        if (list.hidden) return
        e.preventDefault()
        close()
      }
    })
    input.addEventListener('input', () => input.removeAttribute('aria-activedescendant'))
    input.addEventListener('focus', () => {
      if (options(list).length || list.textContent.trim()) {
        list.hidden = false
        input.setAttribute('aria-expanded', String(options(list).length > 0))
      }
    })
    // Closed when focus and pointer leave the box and its list (a click on an option still lands first).
    document.addEventListener('pointerdown', (e) => {
      if (!input.contains(e.target) && !list.contains(e.target)) close()
    })
    input.addEventListener('blur', () => setTimeout(() => {
      if (document.activeElement !== input && !list.contains(document.activeElement)) close()
    }, 150))
    close()
  }

  for (const input of boxes()) setup(input)
  document.addEventListener('htmx:load', (e) => e.target.querySelectorAll && e.target.querySelectorAll('input[data-typeahead]').forEach(setup))
})()
