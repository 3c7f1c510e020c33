// The moderators a streamer names: they moderate the chat of every stream the streamer goes live with (delete,
// time out, ban, slow mode, pin) and see it at the live edge. Staff keep those powers on every stream.
import { AppError, type Viewer } from '../../core/plugins/api.js'
import type { LiveContext } from './plugin.js'
import * as tq from './timeline-queries.js'

/** How many moderators one streamer may name. */
export const MAX_MODERATORS = 50

export function moderatorService(ctx: LiveContext, recheck: () => Promise<void>) {
  const db = ctx.db
  const member = async (actor: Viewer, username: string) => {
    const target = await ctx.core.users.find(username)
    // A member blocked either way is answered like an unknown one.
    if (!target || (await ctx.core.social.blockedEitherWay(actor.id, target.id))) throw new AppError(404, 'NOT_FOUND', 'No member has that username.')
    return target
  }
  return {
    list: (actor: Viewer) => tq.moderatorsOf(db, actor.id),

    async add(actor: Viewer, username: string): Promise<tq.ModeratorView[]> {
      const target = await member(actor, username)
      if (target.id === actor.id) throw new AppError(400, 'VALIDATION_FAILED', 'You moderate your own streams already.')
      const now = await tq.moderatorsOf(db, actor.id)
      if (now.length >= MAX_MODERATORS && !now.some((m) => m.id === target.id)) throw new AppError(400, 'VALIDATION_FAILED', `You may name at most ${MAX_MODERATORS} moderators.`)
      await tq.addModerator(db, actor.id, target.id)
      return tq.moderatorsOf(db, actor.id)
    },

    /** Removed at once: out of the live edge's topic of any stream of the streamer's that is on. */
    async remove(actor: Viewer, username: string): Promise<void> {
      const target = await ctx.core.users.find(username)
      if (!target || !(await tq.removeModerator(db, actor.id, target.id))) throw new AppError(404, 'NOT_FOUND', 'They are not one of your moderators.')
      await recheck()
    },
  }
}
