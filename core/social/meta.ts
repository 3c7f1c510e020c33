// A profile's link preview (OpenGraph, Twitter card): only for a public account, as a crawler without a cookie sees it.
import { excerpt, type ShareMeta } from '../views/meta.js'
import type { ProfileView } from './service.js'

/**
 * The preview of a profile as a guest sees it (`social.profile(null, name)`), or null for a private account (its
 * name and bio stay on its page, not in previews shared elsewhere) or one a guest may not see: then the page gives
 * the site's generic preview, the same as a missing profile's.
 */
export function profileShareMeta(profile: ProfileView | null, base: string, siteName: string): ShareMeta | null {
  if (!profile || profile.is_private || !profile.can_see_content) return null
  return {
    title: `${profile.display_name} (@${profile.username}) on ${siteName}`,
    description: excerpt(profile.bio) || `${profile.display_name} is on ${siteName}.`,
    url: `${base}/u/${profile.username}`,
    type: 'profile',
    image: profile.avatar_url ? { url: base + profile.avatar_url, alt: `${profile.display_name}'s picture` } : undefined,
    card: 'summary',
  }
}
