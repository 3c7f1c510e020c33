// Renders pages inside the active theme's layout, and error pages for every failure that reaches a browser.
import type { Context } from 'hono'
import type { ComponentChildren, VNode } from 'preact'
import { renderToString } from 'preact-render-to-string'
import type { HookRegistry } from '../hooks/registry.js'
import type { AppEnv } from '../http/env.js'
import { takeFlash } from '../http/flash.js'
import type { SettingsService } from '../settings/service.js'
import type { LoadedTheme } from '../themes/loader.js'
import { ThemeContext, withTheme, type ErrorPageProps, type LayoutProps, type ThemeDefinition } from './theme.js'
import { arrangeNav } from './nav.js'
import type { UiRegistry } from './ui.js'
import { baseUrl, colorSchemeOf, type ShareMeta, type SiteMeta } from './meta.js'
import { ViewAsBanner } from './view-as-banner.js'
import { withIconSprite } from './icons.js'

export interface PageOptions {
  title: string
  status?: number
  /** The page's link preview: give one only for what a guest may see (core/posts/meta.ts, core/social/meta.ts). */
  share?: ShareMeta | null
  /**
   * Draw the page as a guest's whoever asks: no viewer, no CSRF token, no flash message (left for the next page),
   * the device's colours. For pages kept by the service worker (the offline page), which must hold nothing of a member.
   */
  guest?: boolean
}

export type Renderer = ReturnType<typeof createRenderer>

export function createRenderer(deps: { settings: SettingsService; hooks: HookRegistry; ui: UiRegistry; themes: Map<string, LoadedTheme>; config?: { publicUrl: string | null } }) {
  const { settings, hooks, ui, themes } = deps
  const fallback = themes.get('default')!.definition
  /** The site's preview image for pages without their own (core/admin/share-image.ts); without one, the icon. */
  let siteImage: ((base: string, siteName: string) => Promise<SiteMeta['image']>) | null = null

  async function activeTheme(): Promise<ThemeDefinition> {
    const name = await settings.get('theme')
    return themes.get(name)?.definition ?? fallback
  }

  function styleUrls(theme: ThemeDefinition): string[] {
    const urls = fallback.styles.map((s) => `/theme/default/${s}`)
    if (theme !== fallback) urls.push(...theme.styles.map((s) => `/theme/${theme.name}/${s}`))
    return urls
  }

  async function document(c: Context<AppEnv>, title: string, body: ComponentChildren, share: ShareMeta | null = null, guest = false): Promise<string> {
    const theme = await activeTheme()
    const viewer = guest ? null : (c.get('viewer') ?? null)
    const viewAs = c.get('viewAs')
    const Layout = (theme.templates.layout ?? fallback.templates.layout)!
    const nav = await hooks.apply('filter:ui.nav-items', ui.navFor(viewer), { viewer })
    const footer = await ui.renderSlot('layout.footer', { viewer })
    const banner = viewer ? await ui.renderSlot('layout.banner', { viewer, csrfToken: c.get('csrfToken') ?? '', path: c.req.path }) : []
    const siteName = await settings.get('site.name')
    const props: LayoutProps = {
      title: await hooks.apply('filter:page.title', title, { path: c.req.path }),
      siteName,
      viewer,
      nav,
      navGroups: arrangeNav(nav),
      flash: guest ? [] : takeFlash(c),
      csrfToken: guest ? '' : (c.get('csrfToken') ?? ''),
      styles: styleUrls(theme),
      path: c.req.path,
      colorScheme: guest ? 'system' : colorSchemeOf(c),
      share,
      site: {
        siteName,
        description: await settings.get('site.description'),
        icon: `${baseUrl(c, deps.config?.publicUrl ?? null)}/app-icon/512.png`,
        image: await siteImage?.(baseUrl(c, deps.config?.publicUrl ?? null), siteName),
      },
      footer,
      banner,
      // Staff viewing as a member see it on every page, with the way out.
      children: viewAs && !guest ? <><ViewAsBanner as={viewAs} csrf={c.get('csrfToken') ?? ''} />{body}</> : body,
    }
    return '<!doctype html>' + withTheme(theme, () => withIconSprite((icons) => renderToString(<ThemeContext.Provider value={theme}><Layout {...props} icons={icons} /></ThemeContext.Provider>)))
  }

  return {
    /** Where pages without a preview image of their own take one from (set once by core's admin module). */
    useSiteImage(fn: typeof siteImage): void {
      siteImage = fn
    },

    /** A full page in the layout. */
    async page(c: Context<AppEnv>, options: PageOptions, body: ComponentChildren): Promise<Response> {
      return c.html(await document(c, options.title, body, options.share ?? null, options.guest), (options.status ?? 200) as 200)
    },

    /** A fragment for htmx swaps, rendered with the active theme's templates. */
    async partial(c: Context<AppEnv>, node: VNode, status = 200): Promise<Response> {
      const theme = await activeTheme()
      return c.html(withTheme(theme, () => renderToString(<ThemeContext.Provider value={theme}>{node}</ThemeContext.Provider>)), status as 200)
    },

    /** The theme's error page; for htmx requests only the message, to swap in place. */
    async error(c: Context<AppEnv>, props: ErrorPageProps): Promise<Response> {
      const theme = await activeTheme()
      const ErrorPage = (theme.templates.error ?? fallback.templates.error)!
      if (c.req.header('hx-request') && !c.req.header('hx-boosted')) {
        return c.html(renderToString(<p class="alert alert-error" role="alert">{props.message}</p>), props.status as 400)
      }
      return c.html(await document(c, `Error ${props.status}`, <ErrorPage {...props} />), props.status as 400)
    },
  }
}
