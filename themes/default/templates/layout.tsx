// The page frame: header with navigation, flash messages, main content and footer.
import { CsrfField } from '../../../core/views/components.js'
import type { LayoutProps } from '../../../core/views/theme.js'

export function Layout(props: LayoutProps) {
  const { viewer } = props
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}' />
        <title>{props.title === props.siteName ? props.siteName : `${props.title} · ${props.siteName}`}</title>
        <link rel="icon" href="/theme/default/assets/icon.svg" type="image/svg+xml" />
        {props.styles.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/hearth.js" defer></script>
      </head>
      <body hx-headers={JSON.stringify({ 'X-CSRF-Token': props.csrfToken })} data-member={viewer ? String(viewer.id) : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            {props.siteName}
          </a>
          <nav aria-label="Main">
            <ul>
              {props.nav.map((item) => (
                <li>
                  <a href={item.href} aria-current={props.path === item.href ? 'page' : undefined} data-nav={item.id}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <form method="get" action="/search" role="search" class="site-search">
            <input type="search" name="q" aria-label="Search members, posts and hashtags" placeholder="Search" maxLength={100} />
          </form>
          {viewer && (
            <form method="post" action="/logout" class="logout">
              <CsrfField token={props.csrfToken} />
              <button type="submit" class="link">
                Log out
              </button>
            </form>
          )}
        </header>
        <main id="main">
          {props.flash.map((f) => (
            <p class={`alert alert-${f.kind}`} role={f.kind === 'error' ? 'alert' : 'status'}>
              {f.text}
            </p>
          ))}
          {props.children}
        </main>
        <footer class="site-footer">{props.footer}</footer>
      </body>
    </html>
  )
}
