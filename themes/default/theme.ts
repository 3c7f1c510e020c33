// The default theme: every template core needs, light and dark through CSS variables.
import { defineTheme } from '../../core/views/theme.js'
import { ErrorPage } from './templates/error.js'
import { Layout } from './templates/layout.js'

export default defineTheme({
  name: 'default',
  description: 'Hearth default: light and dark, phone first.',
  styles: ['styles/main.css', 'styles/search.css', 'styles/nav.css', 'styles/posts.css', 'styles/reposts.css', 'styles/cards.css', 'styles/profile.css', 'styles/activity.css', 'styles/admin.css'],
  templates: { layout: Layout, error: ErrorPage },
})
