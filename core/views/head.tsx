// What every layout puts in <head> besides its title and styles: link previews, the app manifest and icons, the colour scheme.
import type { LayoutProps } from './theme.js'

/** Colours the browser paints around the page (the phone's status bar), light and dark: the header's background. */
export const THEME_COLORS = { light: '#ffffff', dark: '#221e19' } as const

/**
 * The OpenGraph and Twitter card tags, the manifest, the touch icon and the colour scheme's meta tags. A page with
 * no preview of its own (anything a guest may not see, a missing page) gets the site's: the same tags, whatever
 * was hidden.
 * @example <head><meta charset="utf-8" /><HeadMeta {...props} />...</head>
 */
export function HeadMeta({ share, site, colorScheme }: Pick<LayoutProps, 'share' | 'site' | 'colorScheme'>) {
  const title = share?.title ?? site.siteName
  const description = share?.description ?? site.description
  // A page without an image of its own (a text post, a profile without a picture, a missing page) shows the site's.
  const image = share?.image ?? site.image ?? { url: site.icon, alt: `${site.siteName} icon`, width: 512, height: 512 }
  const card = share?.image ? share.card : site.image ? 'summary_large_image' : (share?.card ?? 'summary')
  return (
    <>
      <meta name="color-scheme" content={colorScheme === 'system' ? 'light dark' : colorScheme} />
      {colorScheme === 'system' ? (
        <>
          <meta name="theme-color" content={THEME_COLORS.light} media="(prefers-color-scheme: light)" />
          <meta name="theme-color" content={THEME_COLORS.dark} media="(prefers-color-scheme: dark)" />
        </>
      ) : (
        <meta name="theme-color" content={THEME_COLORS[colorScheme]} />
      )}
      <meta name="description" content={description} />
      <meta property="og:site_name" content={site.siteName} />
      <meta property="og:title" content={title} />
      <meta property="og:description" content={description} />
      <meta property="og:type" content={share?.type ?? 'website'} />
      {share && <meta property="og:url" content={share.url} />}
      {share && <link rel="canonical" href={share.url} />}
      {image && <meta property="og:image" content={image.url} />}
      {image?.width ? <meta property="og:image:width" content={String(image.width)} /> : null}
      {image?.height ? <meta property="og:image:height" content={String(image.height)} /> : null}
      {image?.alt ? <meta property="og:image:alt" content={image.alt} /> : null}
      <meta name="twitter:card" content={card} />
      <meta name="twitter:title" content={title} />
      <meta name="twitter:description" content={description} />
      {image && <meta name="twitter:image" content={image.url} />}
      {image?.alt ? <meta name="twitter:image:alt" content={image.alt} /> : null}
      <link rel="manifest" href="/manifest.webmanifest" />
      <link rel="apple-touch-icon" href="/app-icon/180.png" />
    </>
  )
}
