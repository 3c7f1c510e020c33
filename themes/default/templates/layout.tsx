// The page frame: top bar, the navigation (a tab bar on phones, a sidebar on desktops), flash messages, main content.
import { CsrfField } from '../../../core/views/components.js'
import { Icon } from '../../../core/views/icons.js'
import { HeadMeta } from '../../../core/views/head.js'
import type { NavItem } from '../../../core/hooks/types.js'
import type { LayoutProps } from '../../../core/views/theme.js'

function NavLink({ item, path }: { item: NavItem; path: string }) {
  return (
    <a href={item.href} aria-current={path === item.href ? 'page' : undefined} data-nav={item.id}>
      <Icon name={item.icon ?? 'circle'} />
      <span class="nav-label">{item.label}</span>
      {item.badge ? (
        <span class="nav-badge" aria-hidden="true">
          {item.badge}
        </span>
      ) : null}
    </a>
  )
}

export function Layout(props: LayoutProps) {
  const { viewer, navGroups, path } = props
  return (
    <html lang="en" data-theme={props.colorScheme === 'system' ? undefined : props.colorScheme}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}' />
        <title>{props.title === props.siteName ? props.siteName : `${props.title} · ${props.siteName}`}</title>
        <link rel="icon" href="/theme/default/assets/icon.svg" type="image/svg+xml" />
        <HeadMeta share={props.share} site={props.site} colorScheme={props.colorScheme} />
        {props.styles.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/hearth.js" defer></script>
        {/* Post cards' carousel and interactions, on every page: htmx may bring cards later (a list's next page, the
            New posts pill) and runs no script tags it brings. */}
        <script src="/static/carousel.js" defer></script>
        <script src="/static/post.js" defer></script>
        <script src="/static/app-shell.js" defer></script>
      </head>
      <body hx-headers={JSON.stringify({ 'X-CSRF-Token': props.csrfToken })} data-member={viewer ? String(viewer.id) : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            {props.siteName}
          </a>
          {/* A plain GET form to /search; with JavaScript, a combobox suggesting members and hashtags (typeahead.js). */}
          <form method="get" action="/search" role="search" class="site-search">
            <input
              type="search"
              name="q"
              aria-label="Search members, posts and hashtags"
              placeholder="Search"
              maxLength={100}
              autocomplete="off"
              spellcheck={false}
              enterkeyhint="search"
              data-typeahead
              aria-controls="site-search-suggestions"
              hx-get="/search/suggest"
              hx-trigger="input changed delay:200ms, search"
              hx-target="#site-search-suggestions"
              hx-sync="this:replace"
            />
            <div id="site-search-suggestions" class="typeahead-list" hidden></div>
          </form>
          <script src="/static/typeahead.js" defer></script>
          {/* Phones: the 'top' entries (messages) as icons here; desktops show them in the sidebar instead. */}
          {navGroups.top.length > 0 && (
            <ul class="nav-top" aria-label="Shortcuts">
              {navGroups.top.map((item) => (
                <li>
                  <NavLink item={item} path={path} />
                </li>
              ))}
            </ul>
          )}
        </header>
        <nav class="site-nav" aria-label="Main">
          <ul class="nav-primary">
            {navGroups.primary.map((item) => (
              <li>
                <NavLink item={item} path={path} />
              </li>
            ))}
            {navGroups.top.map((item) => (
              <li class="nav-top-item">
                <NavLink item={item} path={path} />
              </li>
            ))}
          </ul>
          {(navGroups.more.length > 0 || viewer) && (
            // A disclosure so "More" opens without JavaScript, by keyboard (Enter/Space on its summary) too.
            <details class="nav-more">
              <summary>
                <Icon name="menu" />
                <span class="nav-label">More</span>
              </summary>
              <ul>
                {navGroups.more.map((item) => (
                  <li>
                    <NavLink item={item} path={path} />
                  </li>
                ))}
                {viewer && (
                  <li>
                    <form method="post" action="/logout" class="logout">
                      <CsrfField token={props.csrfToken} />
                      <button type="submit" class="link">
                        <Icon name="log-out" />
                        <span class="nav-label">Log out</span>
                      </button>
                    </form>
                  </li>
                )}
              </ul>
            </details>
          )}
        </nav>
        <main id="main">
          {props.banner}
          {props.flash.map((f) => (
            <p class={`alert alert-${f.kind}`} role={f.kind === 'error' ? 'alert' : 'status'}>
              {f.text}
            </p>
          ))}
          {props.children}
        </main>
        <footer class="site-footer">{props.footer}</footer>
        {props.icons}
      </body>
    </html>
  )
}
