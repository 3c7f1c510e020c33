// The moderation queue, which lives at /moderation (core/moderation): a link in the console's navigation.
import type { AdminSection } from '../registry.js'

export const reportsSection = (): AdminSection => ({ id: 'reports', label: 'Reports', icon: 'flag', order: 30, need: 'moderate_content', href: '/moderation' })
