// Notifications: stored per member, grouped, live over the realtime socket. (Interface fixed; implementation in progress.)
import type { Db } from '../db/connect.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { Logger } from '../logger.js'
import type { Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import type { RealtimeHub } from '../realtime/hub.js'
import type { SafetyService } from '../safety/service.js'

/** What a plugin may do: send a notification of a type it registered. */
export interface PluginNotificationsApi {
  notify(input: { userId: number; type: string; actorId?: number | null; postId?: number | null; data?: Record<string, unknown> }): Promise<void>
}

export interface NotificationView {
  id: number
  type: string
  text: string
  url: string | null
  read: boolean
  created_at: string
}

export type NotificationsService = ReturnType<typeof createNotificationsService>

export function createNotificationsService(deps: { db: Db; hooks: HookRegistry; realtime: RealtimeHub; posts: PostsService; safety: SafetyService; log: Logger }) {
  void deps
  return {
    async notify(_input: Parameters<PluginNotificationsApi['notify']>[0]): Promise<void> {},
    async list(_userId: number, _options: { cursor?: string | null; limit?: number } = {}): Promise<Page<NotificationView>> {
      return { items: [], nextCursor: null }
    },
    async unreadCount(_userId: number): Promise<number> {
      return 0
    },
  }
}
