// The shape of one `hearth doctor` check.
import type { Config } from '../../core/config.js'

export interface CheckResult {
  status: 'ok' | 'warn' | 'fail'
  message: string
  hint?: string
}

export interface Check {
  name: string
  run(config: Config): Promise<CheckResult>
}
