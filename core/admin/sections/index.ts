// Core's sections of the console, in one list: each file is one section (its pages and its API).
import type { Services } from '../../services.js'
import type { AdminSection } from '../registry.js'
import { accessSection } from './access.js'
import { auditSection } from './audit.js'
import { backupsSection } from './backups.js'
import { dashboardSection } from './dashboard.js'
import { jobsSection } from './jobs.js'
import { mailSection } from './mail.js'
import { pluginsSection } from './plugins.js'
import { reportsSection } from './reports.js'
import { rolesSection } from './roles.js'
import { rulesSection } from './rules.js'
import { settingsSection } from './settings.js'
import { usageSection } from './usage.js'
import { usersSection } from './users.js'

export const CORE_SECTIONS: readonly ((s: Services) => AdminSection)[] = [
  dashboardSection,
  usersSection,
  accessSection,
  rolesSection,
  reportsSection,
  rulesSection,
  auditSection,
  usageSection,
  jobsSection,
  backupsSection,
  pluginsSection,
  mailSection,
  settingsSection,
]
