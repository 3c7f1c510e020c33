// The compose page, enhanced: each chosen file is uploaded at once to /api/v1/media with a progress bar and a
// preview; the form then sends only the media ids. Without this script the form posts the files itself.
(() => {
  const form = document.querySelector('form[data-compose]')
  if (!form) return
  const input = form.querySelector('[data-files]')
  const previews = form.querySelector('[data-previews]')
  const text = form.querySelector('textarea[name=text]')
  const counter = form.querySelector('[data-counter]')
  const csrf = form.querySelector('input[name=_csrf]').value
  const max = 10
  let pending = 0

  if (text && counter) {
    const max = text.maxLength
    const update = () => (counter.textContent = `${text.value.length} / ${max}`)
    text.addEventListener('input', update)
    update()
  }

  // Each preview gets its own alt field, so the lines field for the files the form would send is not needed.
  form.querySelector('[data-alt-lines]')?.remove()

  const count = () => previews.querySelectorAll('.preview:not(.preview-error)').length

  const limitMb = (file) => Number(form.dataset[file.type.startsWith('video/') ? 'videoMaxMb' : 'imageMaxMb']) || Infinity

  /** A Remove button for a preview (an uploaded file, or one refused, which must be removed before posting). */
  function removeButton(file, box, onRemove) {
    const remove = document.createElement('button')
    remove.type = 'button'
    remove.className = 'link'
    remove.textContent = 'Remove'
    remove.setAttribute('aria-label', `Remove ${file.name}`)
    remove.addEventListener('click', () => {
      onRemove?.()
      box.remove()
      form.querySelector('[data-wait]')?.remove()
    })
    return remove
  }

  function refuse(file, message) {
    const box = document.createElement('div')
    box.className = 'preview preview-error'
    const status = document.createElement('div')
    status.className = 'status'
    status.setAttribute('role', 'alert')
    status.textContent = `${file.name}: ${message}`
    box.append(status, removeButton(file, box))
    previews.append(box)
  }

  function upload(file) {
    // Checked here too, so a large file is refused at once rather than cut off mid-upload.
    if (file.size > limitMb(file) * 1024 * 1024) return refuse(file, `larger than ${limitMb(file)} MB.`)
    const box = document.createElement('div')
    box.className = 'preview'
    const { url, media, bar, status } = window.hearthPreview(file, file.name)
    status.className = 'status'
    let xhr = null
    const remove = removeButton(file, box, () => {
      if (xhr && xhr.readyState !== 4) xhr.abort()
      URL.revokeObjectURL(url)
    })
    box.append(media, bar, status, remove)
    previews.append(box)

    pending++
    xhr = window.hearthUpload(
      file,
      csrf,
      (fraction) => (bar.value = fraction),
      (result) => {
        pending--
        if (result.ok) {
          bar.value = 1
          status.textContent = result.data.status === 'processing' ? 'Uploaded, processing…' : 'Uploaded'
          const hidden = document.createElement('input')
          hidden.type = 'hidden'
          hidden.name = 'media_ids'
          hidden.value = String(result.data.id)
          // Beside its media id, in the same order, so the server pairs them.
          const alt = document.createElement('input')
          alt.type = 'text'
          alt.name = 'media_alt'
          alt.maxLength = 1000
          alt.placeholder = 'Describe it (alt text)'
          alt.setAttribute('aria-label', `Alt text for ${file.name}`)
          box.append(hidden, alt)
        } else if (!result.aborted) {
          box.classList.add('preview-error')
          status.textContent = `${file.name}: ${result.message}`
          status.setAttribute('role', 'alert')
        }
      },
    )
  }

  input.addEventListener('change', () => {
    for (const file of input.files) {
      if (count() >= max) break
      upload(file)
    }
    // The files now travel through the API; the form itself sends only their ids.
    input.value = ''
  })

  // Nothing goes out while a file is uploading or was refused: the member decides (remove it, or choose another).
  form.addEventListener('submit', (e) => {
    const refused = previews.querySelectorAll('.preview-error').length
    if (pending === 0 && refused === 0) return
    e.preventDefault()
    const note = form.querySelector('[data-wait]') || document.createElement('p')
    note.dataset.wait = ''
    note.className = refused ? 'alert alert-error' : 'alert alert-info'
    note.setAttribute('role', refused ? 'alert' : 'status')
    note.textContent = refused
      ? `${refused === 1 ? 'One file' : `${refused} files`} could not be added. Remove ${refused === 1 ? 'it' : 'them'} to post without ${refused === 1 ? 'it' : 'them'}, or choose another.`
      : 'Wait until the uploads finish.'
    form.prepend(note)
    if (refused) previews.querySelector('.preview-error button')?.focus()
  })
})()
