// The data directory exists (or can be made) and is writable.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Check } from '../check.js'

export const dataDir: Check = {
  name: 'Data directory',
  async run(config) {
    try {
      mkdirSync(config.dataDir, { recursive: true })
      accessSync(config.dataDir, constants.W_OK)
      const probe = join(config.dataDir, `.doctor-${process.pid}`)
      writeFileSync(probe, 'ok')
      rmSync(probe)
      return { status: 'ok', message: `${config.dataDir} is writable` }
    } catch (err) {
      return { status: 'fail', message: `${config.dataDir} is not writable: ${(err as Error).message}`, hint: 'Fix its owner or permissions, or choose another with --data.' }
    }
  },
}
