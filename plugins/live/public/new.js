// The go-live form: a preview of the camera (or the shared screen) before going live. The capture itself starts on
// the stream's page; this one only shows what will be sent, and stops when the form is sent.
;(() => {
  const form = document.querySelector('[data-live-new]')
  if (!form || !navigator.mediaDevices) return
  const box = form.querySelector('[data-preview]')
  const video = box.querySelector('video')
  const status = form.querySelector('[data-preview-status]')
  const button = form.querySelector('[data-preview-button]')
  let media = null
  const stop = () => {
    if (media) for (const t of media.getTracks()) t.stop()
    media = null
  }
  const source = () => form.querySelector('input[name="source"]:checked')?.value ?? 'camera'
  button.hidden = false
  button.addEventListener('click', async () => {
    stop()
    box.hidden = false
    try {
      media = source() === 'screen' ? await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true }) : await navigator.mediaDevices.getUserMedia({ video: true, audio: true })
      video.srcObject = media
      status.textContent = ''
    } catch (err) {
      status.textContent = `No preview: ${err.message}`
    }
  })
  form.addEventListener('change', (e) => {
    if (e.target.name === 'source') stop()
  })
  form.addEventListener('submit', stop)
})()
