// The realtime folder as a core module: the sockets, and the rule that they end with the session they were opened under.
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { CoreModule } from '../module.js'

export const realtimeModule: CoreModule = {
  name: 'realtime',
  wire({ hooks, realtime }) {
    // An open page's sockets must not outlive the session rules they were opened under.
    const disconnect = ({ userId }: { userId: number }) => realtime.disconnectUser(userId)
    hooks.on('action:user.logged-out', disconnect)
    hooks.on('action:user.password-changed', disconnect)
    hooks.on('action:user.suspended', ({ user }) => disconnect({ userId: user.id }))
    hooks.on('action:user.role-changed', ({ user }) => disconnect({ userId: user.id }))
  },
  pages(s) {
    const app = new Hono<AppEnv>()
    const sockets = s.realtime.routes()
    app.get('/realtime', sockets.core)
    app.get('/realtime/:owner/:channel', sockets.channel)
    return app
  },
}
