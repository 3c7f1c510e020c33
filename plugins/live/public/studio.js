// The streamer's page: captures the camera (or a shared screen), records it with MediaRecorder and sends each chunk
// as a binary frame on the stream's ingest topic. Every (re)join after a dropped socket starts a new recording,
// whose WebM header lets the server start ffmpeg again and continue the same stream.
;(() => {
  const root = document.querySelector('[data-live-stream][data-mine]')
  if (!root || !window.hearthTopic || !window.MediaRecorder) return
  const id = root.dataset.liveStream
  const video = root.querySelector('[data-studio-preview]')
  const status = root.querySelector('[data-studio-status]')
  const start = root.querySelector('[data-studio-start]')
  const source = video.dataset.source
  const mime = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp8', 'video/webm'].find((m) => MediaRecorder.isTypeSupported(m))
  let media = null
  let recorder = null
  let topic = null
  const say = (text) => (status.textContent = text)

  function stopRecording() {
    if (!recorder) return
    recorder.ondataavailable = null
    if (recorder.state !== 'inactive') recorder.stop()
    recorder = null
  }

  function record() {
    if (!media || !topic) return
    stopRecording()
    recorder = new MediaRecorder(media, { mimeType: mime, videoBitsPerSecond: 1_500_000 })
    topic.send({ start: true })
    recorder.ondataavailable = (e) => {
      if (e.data.size) topic.sendBinary(e.data)
    }
    // 250 ms chunks: each one is as late as its length on the WebRTC path (glass to glass under a second).
    recorder.start(250)
    say('Sending.')
  }

  function finish() {
    stopRecording()
    if (media) for (const track of media.getTracks()) track.stop()
    topic?.leave()
    topic = null
    say('The stream has ended.')
  }

  async function capture() {
    try {
      media =
        source === 'screen'
          ? await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true })
          : await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true })
    } catch (err) {
      say(`Could not start the ${source === 'screen' ? 'screen share' : 'camera'}: ${err.message}`)
      return
    }
    video.srcObject = media
    start.hidden = true
    topic = window.hearthTopic(`live:ingest:${id}`)
    topic.on('joined', record)
    topic.on('state', (d) => {
      if (d.state === 'restart') record()
      else if (d.state === 'ended') finish()
    })
    topic.on('error', (e) => say(e.message))
    topic.on('left', () => say('Disconnected from the stream.'))
    // The browser's own "Stop sharing" ends the capture: the stream then times out unless shared again.
    media.getVideoTracks()[0]?.addEventListener('ended', () => {
      stopRecording()
      say('Capture stopped. Reload the page to share again.')
    })
  }

  start.addEventListener('click', capture)
  // A camera starts at once (permission was asked on the go-live page); a screen share needs a click.
  if (source !== 'screen') capture()
  window.hearthStudio = {
    get recording() {
      return !!recorder && recorder.state === 'recording'
    },
  }
})()
