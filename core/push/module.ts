// The push folder as a core module: a job per notification for members with push on, and the API browsers use.
import type { CoreModule } from '../module.js'
import { pushApi } from './api.js'
import { PUSH_DELIVER_JOB, PUSH_JOB, type PushPayload } from './service.js'

export const pushModule: CoreModule = {
  name: 'push',
  wire(s) {
    s.queue.define<{ userId: number; batchId: number }>(PUSH_JOB, async ({ userId, batchId }) => void (await s.push.send(userId, batchId)), { maxAttempts: 4 })
    s.queue.define<{ userId: number; payload: PushPayload }>(PUSH_DELIVER_JOB, async ({ userId, payload }) => void (await s.push.deliver(userId, payload)), { maxAttempts: 4 })
    // Announcements choose their own channels: their in-app notification pushes only when staff picked push too.
    s.hooks.on('action:notification.created', ({ userId, batchId, type }) => (type === 'announcement' ? undefined : s.push.queueFor(userId, batchId)))
  },
  api: pushApi,
}
