// Node.js must be 20.11 or newer (tsx's register API and import.meta.dirname).
import type { Check } from '../check.js'

export const nodeVersion: Check = {
  name: 'Node.js version',
  async run() {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
    const ok = major > 20 || (major === 20 && minor >= 11)
    return ok
      ? { status: 'ok', message: `Node.js ${process.version}` }
      : { status: 'fail', message: `Node.js ${process.version} is too old`, hint: 'Install Node.js 20.11 or newer.' }
  },
}
