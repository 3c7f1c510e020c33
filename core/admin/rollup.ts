// The dashboard's rollups (filled in step 3).
import type { Services } from '../services.js'

export function wireRollups(_s: Services): void {}
