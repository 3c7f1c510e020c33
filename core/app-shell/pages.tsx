// The installable app: the web app manifest, its icons, the service worker, the offline page; and the colour
// scheme a member or guest chooses (System / Light / Dark).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Hono, type Context } from 'hono'
import { AppError, notFound } from '../errors.js'
import { setAppCookie } from '../http/cookies.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { formFields } from '../http/forms.js'
import { safeNext } from '../http/middleware.js'
import type { Services } from '../services.js'
import type { SettingsPanel } from '../views/slots.js'
import type { ColorScheme } from '../db/schema.js'
import { CsrfField } from '../views/components.js'
import { COLOR_SCHEME_COOKIE, colorSchemeOf, isColorScheme } from '../views/meta.js'
import { template } from '../views/theme.js'
import { VERSION } from '../version.js'
import { IconCache, iconSource, isAppIcon } from './icons.js'

/** The manifest's colours: the brand colour for the window's frame, the page's background for the splash screen. */
export const MANIFEST_COLORS = { theme: '#c2410c', background: '#faf7f2' } as const

const SW_SOURCE = join(import.meta.dirname, 'sw.js')

const LABELS: Record<ColorScheme, string> = { system: 'System (follow this device)', light: 'Light', dark: 'Dark' }

/** The colour scheme form, for the Appearance settings panel and the guests' /appearance page. */
export const ColorSchemeForm = template('appearance.form', function ColorSchemeForm({ current, csrfToken, action, next }: { current: ColorScheme; csrfToken: string; action: string; next?: string }) {
  return (
    <form method="post" action={next ? `${action}?next=${encodeURIComponent(next)}` : action} class="card" data-color-scheme-form>
      <CsrfField token={csrfToken} />
      <fieldset>
        <legend>Colours</legend>
        {(Object.keys(LABELS) as ColorScheme[]).map((v) => (
          <label class="choice">
            <input type="radio" name="color_scheme" value={v} checked={v === current} /> {LABELS[v]}
          </label>
        ))}
      </fieldset>
      <button type="submit">Save</button>
    </form>
  )
})

const OfflinePage = template('offline', function OfflinePage({ siteName }: { siteName: string }) {
  return (
    <section class="card offline" data-offline>
      <h1>You are offline</h1>
      <p>{siteName} cannot be reached from this device right now. Check your connection, then try again.</p>
      <p>
        {/* An empty link is this page's own address: the worker shows this page at the address asked for. */}
        <a class="button" href="">
          Try again
        </a>
      </p>
    </section>
  )
})

/** The stylesheets the layout links (the default theme's, then the active theme's), as the service worker keeps them. */
function shellUrls(s: Services, themeName: string): string[] {
  const fallback = s.themes.get('default')!.definition
  const active = s.themes.get(themeName)?.definition ?? fallback
  const styles = fallback.styles.map((f) => `/theme/default/${f}`)
  if (active !== fallback) styles.push(...active.styles.map((f) => `/theme/${active.name}/${f}`))
  return ['/offline', ...styles, '/static/htmx.min.js', '/static/hearth.js', '/static/carousel.js', '/static/post.js', '/static/app-shell.js', '/theme/default/assets/icon.svg', '/app-icon/192.png']
}

/** Store a choice: in the member's row, or in a guest's cookie (a year). */
async function saveScheme(s: Services, c: Context<AppEnv>, value: ColorScheme): Promise<void> {
  const viewer = c.get('viewer')
  if (viewer) await s.db.updateTable('users').set({ color_scheme: value }).where('id', '=', viewer.id).execute()
  else setAppCookie(c, COLOR_SCHEME_COOKIE, value, { maxAge: 365 * 86400 })
}

export function readScheme(form: Record<string, string>): ColorScheme {
  const value = form.color_scheme
  if (!isColorScheme(value)) throw new AppError(400, 'VALIDATION_FAILED', 'Choose System, Light or Dark.', { fields: { color_scheme: 'Choose System, Light or Dark.' } })
  return value
}

/** Settings → Appearance: the member's colour scheme, kept in their row so every device of theirs shows it. */
export function appearancePanel(s: Services): SettingsPanel {
  return {
    id: 'appearance',
    label: 'Appearance',
    order: 1,
    async render({ viewer, csrfToken, message }) {
      const row = await s.db.selectFrom('users').select('color_scheme').where('id', '=', viewer.id).executeTakeFirstOrThrow()
      return (
        <>
          {message && (
            <p class="alert alert-error" role="alert">
              {message}
            </p>
          )}
          <ColorSchemeForm current={row.color_scheme} csrfToken={csrfToken} action="/settings/appearance" />
        </>
      )
    },
    async save({ viewer, form }) {
      await s.db.updateTable('users').set({ color_scheme: readScheme(form) }).where('id', '=', viewer.id).execute()
      return 'Your colours are saved.'
    },
  }
}

export function appShellPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const icons = new IconCache()
  const defaultDir = s.themes.get('default')!.dir
  let worker: { theme: string; body: string } | null = null

  const activeTheme = async () => {
    const name = await s.settings.get('theme')
    return s.themes.get(name) ?? s.themes.get('default')!
  }

  app.get('/manifest.webmanifest', async (c) => {
    const name = await s.settings.get('site.name')
    const manifest = {
      name,
      short_name: name.length <= 12 ? name : `${name.slice(0, 11).trimEnd()}…`,
      description: await s.settings.get('site.description'),
      id: '/',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: MANIFEST_COLORS.theme,
      background_color: MANIFEST_COLORS.background,
      icons: [
        { src: '/app-icon/192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
        { src: '/app-icon/512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        { src: '/app-icon/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    }
    c.header('Cache-Control', 'no-cache')
    return c.body(JSON.stringify(manifest), 200, { 'Content-Type': 'application/manifest+json; charset=utf-8' })
  })

  app.get('/app-icon/:file', async (c) => {
    const file = c.req.param('file')
    if (!isAppIcon(file)) throw notFound('That icon')
    const theme = await activeTheme()
    const png = await icons.get(iconSource(theme.dir, defaultDir), file, MANIFEST_COLORS.theme)
    return c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=86400' })
  })

  app.get('/sw.js', async (c) => {
    const theme = (await activeTheme()).definition.name
    if (worker?.theme !== theme) {
      // The version changes with Hearth's, the worker's code and the shell's files, so browsers take a new worker
      // (and drop the old cache) when any of them changes.
      const urls = shellUrls(s, theme)
      const source = readFileSync(SW_SOURCE, 'utf8')
      const hash = createHash('sha256').update(VERSION).update(source).update(JSON.stringify(urls))
      for (const url of urls) {
        const m = url.match(/^\/theme\/([^/]+)\/(.+)$/)
        const dir = m ? s.themes.get(m[1]!)?.dir : undefined
        if (dir) hash.update(readFileSync(join(dir, m![2]!)))
      }
      const version = hash.digest('hex').slice(0, 12)
      worker = { theme, body: source.replace("'__VERSION__'", JSON.stringify(version)).replace('__PRECACHE__', JSON.stringify(urls)) }
    }
    return c.body(worker.body, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'Service-Worker-Allowed': '/' })
  })

  // Drawn as a guest's page whoever asks: the service worker keeps it, and it must hold nothing of a member.
  app.get('/offline', async (c) => {
    c.header('Cache-Control', 'no-store')
    return s.render.page(c, { title: 'Offline', guest: true }, <OfflinePage siteName={await s.settings.get('site.name')} />)
  })

  // Guests choose their colours here (a cookie); members have Settings → Appearance, which this also serves.
  app.get('/appearance', async (c) => {
    if (c.get('viewer')) return c.redirect('/settings/appearance')
    const next = safeNext(c.req.query('next'), '/')
    return s.render.page(
      c,
      { title: 'Appearance' },
      <>
        <h1>Appearance</h1>
        <ColorSchemeForm current={colorSchemeOf(c)} csrfToken={c.get('csrfToken')} action="/appearance" next={next} />
      </>,
    )
  })
  app.post('/appearance', async (c) => {
    const scheme = readScheme(await formFields(c))
    await saveScheme(s, c, scheme)
    flash(c, 'ok', 'Your colours are saved.')
    return c.redirect(safeNext(c.req.query('next'), '/'), 303)
  })

  return app
}
