// The social folder as a core module: profiles, follows and their API.
import { nav, type CoreModule } from '../module.js'
import { cardText } from '../views/cards.js'
import { socialApi } from './api.js'
import { socialPages } from './pages.js'

export const socialModule: CoreModule = {
  name: 'social',
  // `{me}` is the viewer's username: the member's own profile (guests do not get the item).
  wire(s) {
    nav(s, [['profile', 'Profile', '/u/{me}', 'members', 50, { placement: 'primary', priority: 60, icon: 'user' }]])
    // A profile shared elsewhere (a message): its name, picture and bio as the reader may see them; nothing across a
    // block or for a suspended member (profile() answers NOT_FOUND, which the registry reads as null).
    s.ui.addCard('core', 'profile', async (viewer, ref) => {
      const p = await s.social.profile(viewer?.id ?? null, ref)
      return {
        kind: 'profile',
        ref,
        url: `/u/${p.username}`,
        label: 'Profile',
        title: p.display_name,
        subtitle: `@${p.username}`,
        text: cardText(p.bio, 140),
        image: p.avatar_url ? { url: p.avatar_url, alt: `${p.display_name}'s picture`, round: true } : null,
      }
    })
  },
  pages: socialPages,
  api: socialApi,
}
