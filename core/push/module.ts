// The push folder as a core module: a job per notification for members with push on, and the API browsers use.
import type { CoreModule } from '../module.js'
import { pushApi } from './api.js'
import { PUSH_JOB } from './service.js'

export const pushModule: CoreModule = {
  name: 'push',
  wire(s) {
    s.queue.define<{ userId: number; batchId: number }>(PUSH_JOB, async ({ userId, batchId }) => void (await s.push.send(userId, batchId)), { maxAttempts: 4 })
    s.hooks.on('action:notification.created', ({ userId, batchId }) => s.push.queueFor(userId, batchId))
  },
  api: pushApi,
}
