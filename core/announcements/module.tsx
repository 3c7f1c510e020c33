// The announcements folder as a core module: the sending and re-engagement jobs and schedule, the console's two
// sections, the banner above members' pages, and members' own view of what reached them (pages and API).
import { Hono } from 'hono'
import type { CoreModule } from '../module.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { idParam } from '../http/params.js'
import { requireMember, safeNext } from '../http/middleware.js'
import type { Services } from '../services.js'
import { CsrfField } from '../views/components.js'
import { Icon } from '../views/icons.js'
import { createReengageService, REENGAGE_JOB, type ReengageService } from './reengage.js'
import { announcementsSection, reengagementSection } from './sections.js'
import { BATCH_JOB, createAnnouncementsService, type AnnouncementsService } from './service.js'

const made = new WeakMap<Services, { announcements: AnnouncementsService; reengage: ReengageService }>()
/** The folder's services for one instance, made once. */
export function reachServices(s: Services) {
  let r = made.get(s)
  if (!r) made.set(s, (r = { announcements: createAnnouncementsService(s), reengage: createReengageService(s) }))
  return r
}

function Banner(p: { id: number; title: string; html: string; csrfToken: string; path: string }) {
  return (
    <aside class="announcement-banner card" role="region" aria-label="Announcement" data-banner={p.id}>
      <div class="stack">
        <strong>
          <Icon name="megaphone" /> {p.title}
        </strong>
        <div class="prose" dangerouslySetInnerHTML={{ __html: p.html }} />
      </div>
      <form method="post" action={`/announcements/${p.id}/dismiss`} class="inline-form">
        <CsrfField token={p.csrfToken} />
        <input type="hidden" name="next" value={p.path} />
        <button type="submit" class="secondary" aria-label={`Dismiss the announcement “${p.title}”`}>
          <Icon name="x" /> Dismiss
        </button>
      </form>
    </aside>
  )
}

export const announcementsModule: CoreModule = {
  name: 'announcements',
  wire(s) {
    const { announcements, reengage } = reachServices(s)
    s.queue.define<{ id: number }>(BATCH_JOB, async ({ id }) => void (await announcements.runBatch(id)), { maxAttempts: 8 })
    s.queue.define<{ logId: number }>(REENGAGE_JOB, async ({ logId }) => void (await reengage.send(logId)), { maxAttempts: 4 })
    s.scheduler.add('core', '23 * * * *', 'reengagement', async () => void (await reengage.run()))
    s.admin.addSection('core', announcementsSection(s, announcements))
    s.admin.addSection('core', reengagementSection(s, reengage))
    s.ui.addSlot('layout.banner', 'core', async ({ viewer, csrfToken, path }) => {
      if (path.startsWith('/announcements/')) return null
      const b = await announcements.bannerFor(viewer.id)
      return b && <Banner {...b} csrfToken={csrfToken} path={path} />
    })
  },
  pages(s) {
    const { announcements } = reachServices(s)
    const app = new Hono<AppEnv>()
    app.get('/announcements/:id', requireMember, async (c) => {
      const a = await announcements.forMember(c.get('viewer')!.id, idParam(c, 'id', 'That announcement'))
      return s.render.page(
        c,
        { title: a.title },
        <article class="card stack" data-announcement={a.id}>
          <h1>{a.title}</h1>
          <p class="muted">An announcement from the team · {a.created_at.slice(0, 10)}</p>
          <div class="prose" dangerouslySetInnerHTML={{ __html: a.html }} />
        </article>,
      )
    })
    app.post('/announcements/:id/dismiss', requireMember, async (c) => {
      await announcements.dismiss(c.get('viewer')!.id, idParam(c, 'id', 'That announcement'))
      const form = await c.req.parseBody()
      return c.redirect(safeNext(typeof form.next === 'string' ? form.next : null), 303)
    })
    return app
  },
  api(s) {
    const { announcements } = reachServices(s)
    const app = new Hono<AppEnv>()
    app.get('/announcements', requireMember, async (c) => ok(c, await announcements.mine(c.get('viewer')!.id)))
    app.get('/announcements/:id', requireMember, async (c) => ok(c, await announcements.forMember(c.get('viewer')!.id, idParam(c, 'id', 'That announcement'))))
    app.post('/announcements/:id/dismiss', requireMember, async (c) => {
      await announcements.dismiss(c.get('viewer')!.id, idParam(c, 'id', 'That announcement'))
      return ok(c, { dismissed: true })
    })
    return app
  },
}
