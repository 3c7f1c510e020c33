// Core's sections of the console, in one list: each file is one section (its pages and its API).
import type { Services } from '../../services.js'
import type { AdminSection } from '../registry.js'
import { auditSection } from './audit.js'
import { dashboardSection } from './dashboard.js'
import { pluginsSection } from './plugins.js'
import { reportsSection } from './reports.js'
import { rolesSection } from './roles.js'
import { settingsSection } from './settings.js'
import { usersSection } from './users.js'

export const CORE_SECTIONS: readonly ((s: Services) => AdminSection)[] = [dashboardSection, usersSection, rolesSection, reportsSection, auditSection, pluginsSection, settingsSection]
