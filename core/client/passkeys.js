// Passkeys (WebAuthn) in the browser: the login page's button and autofill, the two-factor page's "use a passkey",
// and Settings → Security's "Add a passkey". The server speaks JSON with base64url fields (@simplewebauthn/server's
// shapes); this file turns them into the ArrayBuffers navigator.credentials wants and back.
;(() => {
  if (window.__hearthPasskeys) return
  window.__hearthPasskeys = true
  if (!window.PublicKeyCredential || !navigator.credentials) return

  const toBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0)).buffer
  const toB64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  const post = async (url, csrf, body) => {
    const res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) })
    const json = await res.json().catch(() => ({}))
    if (!res.ok) throw new Error(json.error?.message ?? 'Something went wrong. Try again.')
    return json.data ?? json
  }
  // A person cancelling the browser's dialog is not an error worth a red message.
  const cancelled = (err) => err && (err.name === 'NotAllowedError' || err.name === 'AbortError')

  const requestOptions = (o) => ({ ...o, challenge: toBytes(o.challenge), allowCredentials: (o.allowCredentials ?? []).map((c) => ({ ...c, id: toBytes(c.id) })) })
  const assertionJSON = (cred) => ({
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: toB64url(cred.response.clientDataJSON),
      authenticatorData: toB64url(cred.response.authenticatorData),
      signature: toB64url(cred.response.signature),
      ...(cred.response.userHandle && cred.response.userHandle.byteLength ? { userHandle: toB64url(cred.response.userHandle) } : {}),
    },
    clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
    ...(cred.authenticatorAttachment ? { authenticatorAttachment: cred.authenticatorAttachment } : {}),
  })

  // ---- Signing in (login page, two-factor page)
  const box = document.querySelector('[data-passkey-login]')
  if (box) {
    box.hidden = false
    const say = (t) => (box.querySelector('[data-passkey-message]').textContent = t)
    const secondFactor = !!box.dataset.secondFactor
    const next = box.dataset.next && box.dataset.next !== '/' ? `?next=${encodeURIComponent(box.dataset.next)}` : ''
    let pending = null // the autofill request, cancelled when the button asks instead
    const signIn = async (mediation) => {
      const { options } = await post('/login/passkey/options', box.dataset.csrf, { second_factor: secondFactor })
      pending = new AbortController()
      const cred = await navigator.credentials.get({ publicKey: requestOptions(options), mediation, signal: pending.signal })
      if (!cred) return
      say('Signing you in…')
      const done = await post(`/login/passkey${next}`, box.dataset.csrf, { credential: assertionJSON(cred), second_factor: secondFactor })
      location.assign(done.redirect)
    }
    box.querySelector('[data-passkey-button]').addEventListener('click', async () => {
      pending?.abort()
      say('')
      try {
        await signIn(undefined)
      } catch (err) {
        if (!cancelled(err)) say(err.message)
      }
    })
    // The username field's autofill offers passkeys where the browser can (conditional UI); sign-in only, not the code step.
    if (!secondFactor && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then((yes) => {
        if (yes) signIn('conditional').catch((err) => cancelled(err) || say(err.message))
      })
    }
  }

  // ---- Adding one (Settings → Security)
  const form = document.querySelector('[data-passkey-add]')
  if (form) {
    const say = (t) => (form.querySelector('[data-passkey-message]').textContent = t)
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      const button = form.querySelector('button[type=submit]')
      button.disabled = true
      say('')
      try {
        const field = (n) => form.elements.namedItem(n)?.value ?? ''
        const { options } = await post('/api/v1/users/me/passkeys/options', form.dataset.csrf, { password: field('password'), code: field('code') })
        const cred = await navigator.credentials.create({
          publicKey: { ...options, challenge: toBytes(options.challenge), user: { ...options.user, id: toBytes(options.user.id) }, excludeCredentials: (options.excludeCredentials ?? []).map((c) => ({ ...c, id: toBytes(c.id) })) },
        })
        const credential = {
          id: cred.id,
          rawId: toB64url(cred.rawId),
          type: cred.type,
          response: { clientDataJSON: toB64url(cred.response.clientDataJSON), attestationObject: toB64url(cred.response.attestationObject), transports: cred.response.getTransports?.() ?? [] },
          clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
          ...(cred.authenticatorAttachment ? { authenticatorAttachment: cred.authenticatorAttachment } : {}),
        }
        await post('/api/v1/users/me/passkeys', form.dataset.csrf, { name: field('name'), credential })
        // Drawn again by the server, at the list (a hash change alone would not reload).
        location.hash = 'passkeys'
        location.reload()
      } catch (err) {
        say(cancelled(err) ? 'No passkey was added.' : err.message)
      } finally {
        button.disabled = false
      }
    })
  }
})()
