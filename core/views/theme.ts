// Themes: named templates a theme may override, and its stylesheets. The active theme is read per request.
import { createContext, h, type ComponentChildren, type ComponentType, type FunctionComponent } from 'preact'
import { useContext } from 'preact/hooks'
import type { NavItem } from '../hooks/types.js'
import type { NavGroups } from './nav.js'
import type { Flash } from '../http/flash.js'
import type { Viewer } from '../users/types.js'
import type { ColorScheme } from '../db/schema.js'
import type { ShareMeta, SiteMeta } from './meta.js'

export interface LayoutProps {
  title: string
  siteName: string
  viewer: Viewer | null
  nav: NavItem[]
  /** `nav` split by the navigation model: the tab bar / sidebar entries and the "More" menu. */
  navGroups: NavGroups
  flash: Flash[]
  csrfToken: string
  /** Stylesheet URLs, default theme first, then the active theme's. */
  styles: string[]
  path: string
  /** The colours to draw in: 'system' follows prefers-color-scheme; the layout sets `data-theme` on <html> for the others. */
  colorScheme: ColorScheme
  /** The page's own link preview (a public post or profile), or null: then `site` gives the generic one. */
  share: ShareMeta | null
  site: SiteMeta
  footer: ComponentChildren
  /** What goes above the page's content for a member (an announcement's banner); a theme without it shows none. */
  banner?: ComponentChildren
  children: ComponentChildren
  /**
   * The symbols of the page's icons (core/views/icons.tsx), to put last in <body>: icons draw references to them. A
   * layout without it has them written before its </body>, at the cost of a search of the page.
   */
  icons?: ComponentChildren
}

export interface ErrorPageProps {
  status: number
  code: string
  message: string
  requestId: string | null
}

export interface ThemeDefinition {
  name: string
  description: string
  /** CSS files relative to the theme folder, served at /theme/NAME/... */
  styles: string[]
  /** Templates by name: 'layout', 'error', and any page template such as 'auth.login'. */
  templates: Partial<Record<string, ComponentType<any>>> & {
    layout?: ComponentType<LayoutProps>
    error?: ComponentType<ErrorPageProps>
  }
}

/** Define a theme: the default export of `themes/NAME/theme.ts`. */
export function defineTheme(theme: ThemeDefinition): ThemeDefinition {
  return theme
}

export const ThemeContext = createContext<ThemeDefinition | null>(null)

/**
 * The theme of the page being rendered, while the renderer's synchronous renderToString runs: templates read it
 * here instead of through ThemeContext (a context lookup per template, twenty post cards and their reaction bars a
 * page). ThemeContext is still provided, for themes' own components.
 */
let rendering: ThemeDefinition | null = null

/** Run a synchronous render with `theme` as the templates' theme. */
export function withTheme<T>(theme: ThemeDefinition, render: () => T): T {
  const outer = rendering
  rendering = theme
  try {
    return render()
  } finally {
    rendering = outer
  }
}

const known = new Set<string>(['layout', 'error'])

/** Every template name a theme can override (listed by `hearth theme list --json`). */
export const templateNames = () => [...known].sort()

/**
 * Make a page component overridable by themes under `name`.
 * @example export const LoginPage = template('auth.login', DefaultLoginPage)
 */
export function template<P extends object>(name: string, fallback: ComponentType<P>): ComponentType<P> {
  known.add(name)
  function Themed(props: P) {
    const theme = rendering ?? useContext(ThemeContext)
    const Component = (theme?.templates[name] as ComponentType<P> | undefined) ?? fallback
    // In the renderer's pass a plain function template is called in place: one component fewer per template (a post
    // card is five). Hooks it calls land on this component, which has none of its own there. Classes and defaultProps
    // go through h().
    if (rendering && !Component.prototype?.render && !Component.defaultProps) return (Component as FunctionComponent<P>)(props)
    return h(Component as ComponentType<any>, props)
  }
  Themed.displayName = `template(${name})`
  return Themed
}
