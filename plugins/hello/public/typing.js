// The wave board's typing indicator, over the hello:typing topic: says when this member types a wave and shows who else does.
;(() => {
  const line = document.querySelector('[data-typing]')
  if (!line || !window.hearthTopic) return
  const topic = window.hearthTopic('hello:typing')
  const typing = new Map() // userId → username
  const show = () => {
    const names = [...typing.values()].map((u) => `@${u}`)
    line.textContent = names.length ? `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…` : ''
  }
  topic.on('typing', (d) => (d.typing ? typing.set(d.userId, d.username) : typing.delete(d.userId), show()))
  topic.on('presence', (d) => !d.online && typing.delete(d.userId) && show())
  // Listen on the document: htmx replaces the board (and its input) after each wave.
  let idle = null
  document.addEventListener('input', (e) => {
    if (!e.target.matches('#wave-board input[name="message"]')) return
    if (!idle) topic.send({ typing: true })
    clearTimeout(idle)
    idle = setTimeout(() => {
      idle = null
      topic.send({ typing: false })
    }, 3000)
  })
})()
