// The operators' console as a list of sections (core's and plugins'), each with its pages and API under one
// permission, and the dashboard's metrics and tiles. Every admin route is declared here, so the permissions
// matrix test (core/admin/permissions.test.ts) reads the whole list from one place.
import { Hono, type Context } from 'hono'
import type { ComponentChildren } from 'preact'
import type { AppEnv } from '../http/env.js'
import { requirePermission } from '../http/middleware.js'
import { allows, type Requirement } from '../users/permissions.js'
import type { Viewer } from '../users/types.js'
import type { Renderer } from '../views/render.js'
import { Icon } from '../views/icons.js'

export type AdminHandler = (c: Context<AppEnv>) => Response | Promise<Response>
export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Declares a section's routes; paths are relative to the section (`/` is the section itself). */
export interface AdminRouter {
  /** A route needing the section's permission, or `need` when given (a stricter one for one action). */
  get(path: string, handler: AdminHandler, need?: Requirement): void
  post(path: string, handler: AdminHandler, need?: Requirement): void
  put(path: string, handler: AdminHandler, need?: Requirement): void
  patch(path: string, handler: AdminHandler, need?: Requirement): void
  delete(path: string, handler: AdminHandler, need?: Requirement): void
}

/**
 * A section of the console: a page in its navigation at `/admin/ID` and an API at `/api/v1/admin/ID`, both behind
 * `need`. Core's and plugins' sections are the same shape (a plugin adds one with `ctx.admin.section`).
 * @example
 * ctx.admin.section({
 *   id: 'random-chat', label: 'Meet, live', icon: 'radio', need: 'moderate_content',
 *   pages: (r) => r.get('/', (c) => ctx.admin.page(c, { title: 'Meet, live' }, <LiveView />)),
 *   api: (r) => r.get('/', async (c) => ctx.http.json(c, await service.live())),
 * })
 */
export interface AdminSection {
  /** Lowercase letters, digits and dashes: its URL segment. A plugin's is its name or starts with `NAME-`. */
  id: string
  label: string
  /** A Lucide icon name. */
  icon?: string
  /** Place in the navigation, low first (core's: dashboard 0, users 10, roles 20, reports 30, audit 80, plugins 85, settings 90). */
  order?: number
  /** Who sees the section and may use its routes (each route may ask more). */
  need: Requirement
  /** Where the section lives when it is elsewhere (a page kept elsewhere): a link in the nav, no routes here. */
  href?: string
  pages?(r: AdminRouter): void
  api?(r: AdminRouter): void
}

/** One metric the dashboard charts: a value per UTC day, stored by the rollup job (core/admin/rollup.ts). */
export interface AdminMetric {
  /** Lowercase id; a plugin's is stored as `NAME.id`. */
  id: string
  label: string
  /** `count` per day (posts made that day), or a `gauge` read at the time of the rollup (bytes stored now). */
  kind: 'count' | 'gauge'
  /** `percent`: a whole number 0-100; `hundredths`: a ratio stored times 100 (125 shows as 1.25). */
  unit?: MetricUnit
  /**
   * The value for one UTC day, `from` (inclusive) to `to` (exclusive) as ISO times; a gauge is asked for today only.
   * `null`: no value that day (a ratio with nothing to divide by), drawn as a gap rather than a zero.
   * @example compute: async ({ from, to }) => Number((await db.selectFrom('stories').select((e) => e.fn.countAll().as('n')).where('created_at', '>=', from).where('created_at', '<', to).executeTakeFirstOrThrow()).n)
   */
  compute(range: { day: string; from: string; to: string }): Promise<number | null>
}

export type MetricUnit = 'number' | 'bytes' | 'percent' | 'hundredths'

/** A tile of the dashboard: a figure and a chart of one or more metrics over the chosen period. */
export interface AdminTile {
  id: string
  label: string
  /** The metrics it charts (ids as registered: a plugin's are `NAME.id`). */
  metrics: string[]
  need: Requirement
  order?: number
  /** What the big figure shows: the last day's value (`latest`, for gauges) or the period's sum (`sum`). Default: sum. */
  figure?: 'latest' | 'sum'
  /** A sentence under the figure. */
  help?: string
}

export interface AdminRoute {
  method: AdminMethod
  /** The full path as Hono matches it, e.g. `/admin/users/:id/warn`. */
  path: string
  need: Requirement
  kind: 'page' | 'api'
  section: string
  owner: string
}

interface Owned {
  owner: string
}

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/
const METRIC = /^[a-z0-9][a-z0-9_.-]{0,60}$/

/** Where a section's pages and API live. Core's dashboard is the console's front page, `/admin`. */
export const pagesBase = (id: string) => (id === 'dashboard' ? '/admin' : `/admin/${id}`)
export const apiBase = (id: string) => `/api/v1/admin/${id}`

export class AdminRegistry {
  readonly sections: (AdminSection & Owned)[] = []
  readonly metrics = new Map<string, AdminMetric & Owned>()
  readonly tiles: (AdminTile & Owned)[] = []

  constructor(private readonly render: Renderer) {}

  addSection(owner: string, section: AdminSection): void {
    if (!ID.test(section.id)) throw new Error(`Admin section id "${section.id}" must be lowercase letters, digits and dashes.`)
    if (owner !== 'core' && section.id !== owner && !section.id.startsWith(`${owner}-`)) throw new Error(`Plugin ${owner}'s admin section id must be "${owner}" or start with "${owner}-".`)
    if (this.sections.some((s) => s.id === section.id)) throw new Error(`An admin section "${section.id}" already exists.`)
    this.sections.push({ ...section, owner, order: section.order ?? 50 })
    this.sections.sort((a, b) => a.order! - b.order!)
  }

  addMetric(owner: string, metric: AdminMetric): void {
    const id = owner === 'core' ? metric.id : `${owner}.${metric.id}`
    if (!METRIC.test(metric.id) || (owner !== 'core' && metric.id.includes('.'))) throw new Error(`Metric id "${metric.id}" must be lowercase letters, digits, dashes and underscores.`)
    if (this.metrics.has(id)) throw new Error(`A metric "${id}" already exists.`)
    this.metrics.set(id, { ...metric, id, owner })
  }

  addTile(owner: string, tile: AdminTile): void {
    if (!ID.test(tile.id)) throw new Error(`Tile id "${tile.id}" must be lowercase letters, digits and dashes.`)
    if (this.tiles.some((t) => t.id === tile.id)) throw new Error(`A dashboard tile "${tile.id}" already exists.`)
    const metrics = tile.metrics.map((m) => (owner === 'core' || m.includes('.') ? m : `${owner}.${m}`))
    this.tiles.push({ ...tile, metrics, owner, order: tile.order ?? 50 })
    this.tiles.sort((a, b) => a.order! - b.order!)
  }

  removeOwner(owner: string): void {
    const keep = <T extends Owned>(list: T[]) => list.splice(0, list.length, ...list.filter((x) => x.owner !== owner))
    keep(this.sections)
    keep(this.tiles)
    for (const [id, m] of this.metrics) if (m.owner === owner) this.metrics.delete(id)
  }

  /** The sections a viewer may open, in order. */
  sectionsFor(viewer: Viewer | null): AdminSection[] {
    return this.sections.filter((s) => allows(viewer, s.need))
  }

  /** Every admin route, declared by the sections: the list the permissions matrix test walks. */
  routes(): AdminRoute[] {
    return this.collect().map(({ handler: _, ...r }) => r)
  }

  private collect(): (AdminRoute & { handler: AdminHandler })[] {
    const out: (AdminRoute & { handler: AdminHandler })[] = []
    for (const s of this.sections) {
      for (const kind of ['page', 'api'] as const) {
        const declare = kind === 'page' ? s.pages : s.api
        if (!declare) continue
        const base = kind === 'page' ? pagesBase(s.id) : apiBase(s.id)
        const add = (method: AdminMethod) => (path: string, handler: AdminHandler, need?: Requirement) => {
          if (!path.startsWith('/')) throw new Error(`Admin route "${path}" of section ${s.id} must start with "/".`)
          out.push({ method, path: path === '/' ? base : base + path, need: need ?? s.need, kind, section: s.id, owner: s.owner, handler })
        }
        declare({ get: add('GET'), post: add('POST'), put: add('PUT'), patch: add('PATCH'), delete: add('DELETE') })
      }
    }
    return out
  }

  /**
   * The sections' routes as one Hono app: each route behind its permission (checked before the handler runs; a guest
   * is sent to log in, or answered 401 by the API). A section never checks for itself, so none can forget.
   */
  app(): Hono<AppEnv> {
    const app = new Hono<AppEnv>()
    for (const r of this.collect()) app.on(r.method, r.path, requirePermission(r.need), r.handler)
    return app
  }

  /**
   * A page in the console's layout: the section navigation the viewer may see beside the page's content.
   * @example return ctx.admin.page(c, { title: 'Meet, live' }, <LiveView live={live} />)
   */
  async page(c: Context<AppEnv>, options: { title: string; status?: number; active?: string }, body: ComponentChildren): Promise<Response> {
    const active = options.active ?? this.sectionOf(c.req.path)
    const sections = this.sectionsFor(c.get('viewer'))
    return this.render.page(
      c,
      { title: `${options.title} · Admin`, status: options.status },
      <div class="admin-layout" data-admin>
        <nav class="admin-nav" aria-label="Admin">
          <ul>
            {sections.map((s) => (
              <li>
                <a href={s.href ?? pagesBase(s.id)} aria-current={s.id === active ? 'page' : undefined} data-section={s.id}>
                  <Icon name={s.icon ?? 'circle'} /> {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="admin-main stack">
          <h1>{options.title}</h1>
          {body}
        </div>
      </div>,
    )
  }

  private sectionOf(path: string): string | undefined {
    const seg = path.split('/')[2]
    return seg && this.sections.some((s) => s.id === seg) ? seg : path === '/admin' ? 'dashboard' : undefined
  }
}
