// The console's problem checks (core/admin/problems.ts) as doctor checks, one line each: the disk, failing jobs, the
// last backup, outgoing email. ffmpeg has its own, fuller check (ffmpeg.ts).
import { existsSync } from 'node:fs'
import { openStore } from '../../../core/db/connect.js'
import { PROBLEM_CHECKS, type ProblemCheck } from '../../../core/admin/problems.js'
import { createSettings } from '../../../core/settings/service.js'
import type { Check } from '../check.js'

function asDoctorCheck(problem: ProblemCheck): Check {
  return {
    name: problem.label,
    async run(config) {
      if (!existsSync(config.dbFile)) return { status: 'warn', message: `no database yet at ${config.dbFile}`, hint: 'Run `hearth init`.' }
      const store = openStore(config.dbFile, { readonly: true })
      try {
        const found = await problem.run({ db: store.db, settings: createSettings(store.db), dataDir: config.dataDir })
        if (!found) return { status: 'ok', message: 'no problem found' }
        // A full disk stops the site; the rest are warnings the site runs with.
        return { status: found.level === 'critical' ? 'fail' : 'warn', message: found.message, hint: found.hint }
      } finally {
        await store.close()
      }
    },
  }
}

export const problemChecks: Check[] = PROBLEM_CHECKS.filter((p) => p.id !== 'ffmpeg').map(asDoctorCheck)
