// The audit log: every staff and automatic action (filled in step 5).
import type { Services } from '../../services.js'
import type { AdminSection } from '../registry.js'

/** Who acted, for an audit row made by no member: how it was made (`via`: the setup link), else the CLI. */
export function auditVia(details: string): string {
  try {
    const via = (JSON.parse(details) as { via?: unknown }).via
    return typeof via === 'string' ? via[0]!.toUpperCase() + via.slice(1) : 'CLI'
  } catch {
    return 'CLI'
  }
}

export function auditSection(s: Services): AdminSection {
  const { db, admin } = s
  return {
    id: 'audit',
    label: 'Audit log',
    icon: 'scroll-text',
    order: 80,
    need: 'admin',
    pages(r) {
      r.get('/', async (c) => {
        const rows = await db
          .selectFrom('audit_log')
          .leftJoin('users', 'users.id', 'audit_log.actor_id')
          .select(['audit_log.id', 'audit_log.action', 'audit_log.target_type', 'audit_log.target_id', 'audit_log.details', 'audit_log.created_at', 'users.username'])
          .orderBy('audit_log.id', 'desc')
          .limit(200)
          .execute()
        return admin.page(
          c,
          { title: 'Audit log' },
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Who</th>
                  <th>What</th>
                  <th>Target</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{r.created_at.replace('T', ' ').slice(0, 19)}</td>
                    <td>{r.username ? `@${r.username}` : auditVia(r.details)}</td>
                    <td>
                      {r.action} <span class="muted mono">{r.details !== '{}' ? r.details : ''}</span>
                    </td>
                    <td>{r.target_type ? `${r.target_type} ${r.target_id}` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>,
        )
      })
    },
  }
}
