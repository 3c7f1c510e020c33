// The anti-spam proof of work on sign-up and password-reset forms (ALTCHA's protocol): find the number whose
// SHA-256 with the salt is the challenge, then put the answer in the form's hidden `proof` field. It starts as soon
// as the page loads, so it is usually done before the form is filled in; a form sent earlier waits for it.
;(() => {
  const enc = new TextEncoder()
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')
  async function solve(c) {
    for (let n = 0; n <= c.maxnumber; n++) {
      if (hex(await crypto.subtle.digest('SHA-256', enc.encode(c.salt + n))) === c.challenge) return n
    }
    return null
  }
  for (const input of document.querySelectorAll('input[data-proof]')) {
    const form = input.form
    const status = form.querySelector('[data-proof-status]')
    const c = JSON.parse(input.dataset.proof)
    let sending = false
    const done = solve(c).then((number) => {
      if (number === null) return false
      input.value = btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature }))
      if (status) status.textContent = ''
      return true
    })
    form.addEventListener('submit', (event) => {
      if (input.value || sending) return
      event.preventDefault()
      sending = true
      if (status) status.textContent = 'Checking that you are not a robot… a few seconds.'
      done.then(() => form.requestSubmit())
    })
  }
})()
