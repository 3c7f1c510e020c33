// Reports and the moderation queue: one queue core and plugins file into. (Interface fixed; implementation in progress.)
import type { Db } from '../db/connect.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { PostsService } from '../posts/service.js'
import type { UsersService } from '../users/service.js'

/** What a plugin may do: file a report about something of its own (or a member). */
export interface PluginReportsApi {
  file(input: { reporterId: number | null; targetType: string; targetId: string | number; targetUserId?: number | null; reason: string; note?: string; snapshot?: Record<string, unknown> }): Promise<{ id: number }>
}

export type ModerationService = ReturnType<typeof createModerationService>

export function createModerationService(deps: { db: Db; hooks: HookRegistry; users: UsersService; posts: PostsService }) {
  void deps
  return {
    async file(_input: Parameters<PluginReportsApi['file']>[0]): Promise<{ id: number }> {
      throw new Error('reports are not implemented yet')
    },
  }
}
