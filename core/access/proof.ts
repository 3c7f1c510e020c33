// A proof of work on sign-up and password reset (ALTCHA's protocol, altcha-lib): the browser finds a number whose
// SHA-256 with a salt matches a challenge the server signed, costing a script seconds per form and a person
// nothing. Self-hosted: no third-party CAPTCHA sees the members.
import { createChallenge, verifySolution } from 'altcha-lib'
import type { Challenge } from 'altcha-lib/types'
import { validationFailed } from '../errors.js'
import type { SettingsService } from '../settings/service.js'

/** How long a challenge may be solved and sent in. */
const MINUTES = 15
/** Solutions already used, by signature, until their challenge expires: one solution, one form. */
const used = new Map<string, number>()

export const proofMissing = () => validationFailed({ proof: 'The anti-spam check did not finish. It needs JavaScript: allow it for this site, wait a few seconds and send the form again.' })

export function createProofs(settings: SettingsService) {
  return {
    /** Whether sign-up and password-reset forms need a proof (`registration.proof_of_work`). */
    async required(): Promise<boolean> {
      return settings.get('registration.proof_of_work')
    },

    /** A new signed challenge for one form. */
    async challenge(): Promise<Challenge> {
      return createChallenge({ hmacKey: await settings.secret(), maxnumber: await settings.get('registration.proof_of_work_cost'), expires: new Date(Date.now() + MINUTES * 60_000) })
    },

    /** Check a solution (base64 JSON, as the form sends it) when proofs are required; throws on a missing, wrong, expired or reused one. */
    async check(payload: unknown): Promise<void> {
      if (!(await settings.get('registration.proof_of_work'))) return
      if (typeof payload !== 'string' || payload.length > 2000 || !payload) throw proofMissing()
      let ok = false
      try {
        ok = await verifySolution(payload, await settings.secret(), true)
      } catch {
        ok = false
      }
      if (!ok) throw proofMissing()
      const signature = (JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { signature: string }).signature
      const t = Date.now()
      for (const [k, until] of used) if (until < t) used.delete(k)
      if (used.has(signature)) throw proofMissing()
      used.set(signature, t + MINUTES * 60_000)
    },
  }
}

export type Proofs = ReturnType<typeof createProofs>

