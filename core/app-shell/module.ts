// The installable app as a core module: manifest, icons, service worker, offline page, and the colour scheme choice.
import type { CoreModule } from '../module.js'
import { appearancePanel, appShellPages } from './pages.js'

export const appShellModule: CoreModule = {
  name: 'app-shell',
  wire: (s) => s.ui.addSettingsPanel('core', appearancePanel(s)),
  pages: appShellPages,
}
