// Voice messages recorded in the page: a record button beside Send (MediaRecorder); stopping puts the recording in the
// form's voice input and sends it, and the server converts it (Opus and AAC, a duration and a waveform). Without this
// script, or without a microphone, the form's "Voice message" input takes a recording chosen from the device.
(() => {
  const form = document.querySelector('.messages-thread form[data-compose]')
  const input = form && form.querySelector('input[type="file"][name="voice"]')
  if (!form || !input || !window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) return
  const type = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) => MediaRecorder.isTypeSupported(t)) || ''
  const record = document.createElement('button')
  record.type = 'button'
  record.className = 'button secondary messages-record'
  record.dataset.record = ''
  record.setAttribute('aria-pressed', 'false')
  record.textContent = 'Record voice message'
  const cancel = document.createElement('button')
  cancel.type = 'button'
  cancel.className = 'link'
  cancel.hidden = true
  cancel.textContent = 'Cancel'
  const timer = document.createElement('span')
  timer.className = 'muted'
  timer.setAttribute('role', 'status')
  form.querySelector('button[type="submit"]').after(record, cancel, timer)

  let recorder = null
  let stream = null
  let chunks = []
  let started = 0
  let tick = null
  let keep = false

  function stopAll() {
    clearInterval(tick)
    if (stream) for (const t of stream.getTracks()) t.stop()
    stream = null
    record.setAttribute('aria-pressed', 'false')
    record.textContent = 'Record voice message'
    cancel.hidden = true
  }

  record.addEventListener('click', async () => {
    if (recorder && recorder.state === 'recording') {
      keep = true
      recorder.stop()
      return
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch {
      timer.textContent = 'The microphone is not available; choose a recording under Attach instead.'
      return
    }
    chunks = []
    keep = false
    recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream)
    recorder.addEventListener('dataavailable', (e) => e.data.size && chunks.push(e.data))
    recorder.addEventListener('stop', () => {
      stopAll()
      timer.textContent = ''
      if (!keep || chunks.length === 0) return
      const mime = recorder.mimeType || type || 'audio/webm'
      const ext = mime.includes('mp4') ? 'm4a' : mime.includes('ogg') ? 'ogg' : 'webm'
      const data = new DataTransfer()
      data.items.add(new File(chunks, `voice.${ext}`, { type: mime }))
      input.files = data.files
      form.requestSubmit()
    })
    recorder.start(250)
    started = Date.now()
    record.setAttribute('aria-pressed', 'true')
    record.textContent = 'Stop and send'
    cancel.hidden = false
    timer.textContent = 'Recording 0:00'
    tick = setInterval(() => {
      const s = Math.floor((Date.now() - started) / 1000)
      timer.textContent = `Recording ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
    }, 500)
  })

  cancel.addEventListener('click', () => {
    keep = false
    if (recorder && recorder.state === 'recording') recorder.stop()
  })
})()
