// The scheduling form: the time typed is the member's local time, so the page sends its offset from UTC along.
const form = document.querySelector('[data-live-event-form]')
if (form) {
  form.querySelector('[data-tz]').value = String(new Date().getTimezoneOffset())
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  if (zone) form.querySelector('[data-tz-label]').textContent = `your time, ${zone}`
}
