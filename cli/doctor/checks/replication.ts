// Replicas with LiteFS: whether it is on, this node's role, the primary, the position, and where writes go.
import { mountProblem, readPosition, readRole } from '../../../core/replication/litefs.js'
import type { Check } from '../check.js'

export const replication: Check = {
  name: 'Replication',
  async run(config) {
    const r = config.replication
    if (!r.mount) return { status: 'ok', message: 'a single node (HEARTH_LITEFS_DIR is not set)' }
    const problem = mountProblem(r)
    if (problem) return { status: 'fail', message: problem, hint: 'Start Hearth from LiteFS (`exec` in litefs.yml), or unset HEARTH_LITEFS_DIR.' }
    const role = readRole(r.mount, r.candidate)
    const at = readPosition(config.dbFile)
    const position = at === null ? 'no position yet' : `position ${at}`
    if (role.role === 'primary') return { status: 'ok', message: `LiteFS at ${r.mount}: this node (${r.nodeName}) is the primary, ${position}` }
    if (role.role === 'unknown') return { status: 'warn', message: `LiteFS at ${r.mount}: this node (${r.nodeName}) cannot tell which node is the primary, ${position}`, hint: 'Writes answer 503 until LiteFS connects to the primary.' }
    const url = r.primaryUrls.get(role.primary)
    const media = r.mediaShared ? 'media on shared storage' : 'media fetched from the primary on first use'
    if (url) return { status: 'ok', message: `LiteFS at ${r.mount}: a replica of ${role.primary}, ${position}; writes go to ${url}; ${media}` }
    if (r.fly) return { status: 'ok', message: `LiteFS at ${r.mount}: a replica of ${role.primary}, ${position}; writes are replayed there by Fly's proxy; ${media}` }
    return { status: 'fail', message: `LiteFS at ${r.mount}: a replica of ${role.primary}, but HEARTH_PRIMARY_URLS has no address for it`, hint: `Add ${role.primary}=http://its-internal-address:port to HEARTH_PRIMARY_URLS; until then writes answer 503.` }
  },
}
