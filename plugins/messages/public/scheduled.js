// "Send later": the form posts the local time a datetime-local field holds; this adds the browser's offset from UTC
// at that date (minutes east), so the server sends it at the moment the member meant. Without it: UTC.
document.addEventListener('submit', (e) => {
  const form = e.target
  if (!(form instanceof HTMLFormElement) || !form.matches('form[data-schedule]')) return
  const when = form.querySelector('input[name="send_at"]')
  const offset = form.querySelector('input[data-tz-offset]')
  if (!when || !offset || !when.value) return
  const local = new Date(when.value)
  if (!Number.isNaN(local.getTime())) offset.value = String(-local.getTimezoneOffset())
})
