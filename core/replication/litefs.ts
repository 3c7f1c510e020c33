// What this node is under LiteFS (docs/operators.md, "Replicas with LiteFS"): the role read from the mount's
// `.primary` file, the replication position from the database's `-pos` file, and where the primary answers.
// A single node (no HEARTH_LITEFS_DIR) is always primary and none of this runs.
import { existsSync, readFileSync } from 'node:fs'
import type { ReplicationConfig } from '../config.js'
import type { PrimaryGate } from '../jobs/primary.js'
import type { Logger } from '../logger.js'
import { healthzClaim } from './health.js'
import { NODE_HEADER } from './media.js'

export type NodeRole = { role: 'primary'; primary: null } | { role: 'replica'; primary: string } | { role: 'unknown'; primary: null }

/**
 * The role as LiteFS tells it: `.primary` exists only on a replica connected to the primary and holds its hostname;
 * absent, this node is the primary if it may be one, else it cannot tell.
 */
export function readRole(mount: string, candidate: boolean): NodeRole {
  let text: string | null = null
  try {
    text = readFileSync(`${mount}/.primary`, 'utf8')
  } catch {
    // Absent: primary, or not connected.
  }
  const host = text?.trim()
  if (host) return { role: 'replica', primary: host }
  return candidate ? { role: 'primary', primary: null } : { role: 'unknown', primary: null }
}

/** The position LiteFS has applied: the transaction id of `<db>-pos` ("16 hex digits/16 hex digits"); null when absent. */
export function readPosition(dbFile: string): number | null {
  let text: string
  try {
    text = readFileSync(`${dbFile}-pos`, 'utf8')
  } catch {
    return null
  }
  const m = /^([0-9a-f]{16})\/[0-9a-f]{16}/i.exec(text.trim())
  return m ? Number.parseInt(m[1]!, 16) : null
}

export interface ReplicationState {
  mode: 'single' | 'litefs'
  role: 'primary' | 'replica' | 'unknown'
  /** The primary's hostname, on a replica. */
  primary: string | null
  /** This node's applied transaction id. */
  position: number | null
  /** The primary's, as its /healthz last said (a replica asks every few seconds). */
  primaryPosition: number | null
  /** Transactions this replica is behind, when both are known. */
  lag: number | null
  /** Where a replica's media files come from: storage every node shares, or the primary on first use. */
  media: 'shared' | 'fetched' | null
}

/** How often the role and position are read (the lease can move at any time). */
const TICK_MS = 1000
/** Every how many ticks a replica asks the primary for its position (the lag). */
const LAG_EVERY = 5

/**
 * Watches the role and position and opens or closes the primary-only gate with the role: the scheduler, the job
 * queue and the background threads run only while this node holds the lease, checked every second.
 */
export class Replication {
  private timer: NodeJS.Timeout | null = null
  private ticks = 0
  private current: NodeRole = { role: 'primary', primary: null }
  private primaryPosition: number | null = null
  private readonly changeHandlers = new Set<(from: NodeRole, to: NodeRole) => void>()

  constructor(
    readonly config: ReplicationConfig,
    private readonly dbFile: string,
    private readonly gate: PrimaryGate,
    private readonly log: Logger,
    /** Let this node's connection write, or refuse writes itself (SQLite's query_only), as the role changes. */
    private readonly writable: (yes: boolean) => void = () => {},
    /** The instance secret, to ask the primary for its position as a node (its `/healthz` details are internal). */
    private readonly secret: () => Promise<string> = async () => '',
  ) {
    if (config.mount) this.current = readRole(config.mount, config.candidate)
  }

  get enabled(): boolean {
    return this.config.mount !== null
  }

  get role(): NodeRole {
    return this.current
  }

  position(): number | null {
    return this.enabled ? readPosition(this.dbFile) : null
  }

  /** The URL the primary answers on, when this node is a replica and the operator named it. */
  primaryUrl(): string | null {
    return this.current.role === 'replica' ? (this.config.primaryUrls.get(this.current.primary) ?? null) : null
  }

  state(): ReplicationState {
    const position = this.position()
    const lag = this.current.role === 'replica' && position !== null && this.primaryPosition !== null ? Math.max(0, this.primaryPosition - position) : this.current.role === 'primary' && this.enabled ? 0 : null
    return { mode: this.enabled ? 'litefs' : 'single', role: this.current.role, primary: this.current.primary, position, primaryPosition: this.current.role === 'replica' ? this.primaryPosition : position, lag, media: this.enabled ? (this.config.mediaShared ? 'shared' : 'fetched') : null }
  }

  /** Read the role now and open or close the gate to match (each tick; tests call it to skip the wait). */
  async refresh(): Promise<void> {
    if (!this.config.mount) return
    const next = readRole(this.config.mount, this.config.candidate)
    if (next.role !== this.current.role || next.primary !== this.current.primary) {
      this.log.info({ from: this.current, to: next }, `replication: this node is now ${next.role === 'replica' ? `a replica of ${next.primary}` : next.role}`)
      this.primaryPosition = null
      const from = this.current
      this.current = next
      for (const fn of this.changeHandlers) fn(from, next)
    }
    this.current = next
    if (next.role === 'primary') {
      this.writable(true)
      await this.gate.setPrimary(true)
    } else {
      await this.gate.setPrimary(false)
      this.writable(false)
    }
    if (next.role === 'replica' && this.ticks++ % LAG_EVERY === 0) await this.askPrimary()
  }

  /** Be told when the role or the primary changes (sockets relayed to the old primary end, say); returns an unsubscribe. */
  onChange(fn: (from: NodeRole, to: NodeRole) => void): () => void {
    this.changeHandlers.add(fn)
    return () => this.changeHandlers.delete(fn)
  }

  start(): void {
    if (!this.enabled || this.timer) return
    this.timer = setInterval(() => void this.refresh().catch((err) => this.log.error({ err }, 'replication: reading the role failed')), TICK_MS)
    this.timer.unref()
    void this.refresh()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Wait until this node has applied `txid` (read-your-writes), checking every 20 ms, at most `ms`. */
  async reached(txid: number, ms: number): Promise<boolean> {
    const until = Date.now() + ms
    for (;;) {
      const at = this.position()
      if (at !== null && at >= txid) return true
      if (Date.now() >= until) return false
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  private async askPrimary(): Promise<void> {
    const url = this.primaryUrl()
    if (!url) return
    try {
      const headers = { [NODE_HEADER]: healthzClaim(await this.secret(), this.config.nodeName) }
      const res = await fetch(`${url}/healthz`, { headers, signal: AbortSignal.timeout(1000) })
      const body = (await res.json()) as { replication?: { position?: number | null } }
      this.primaryPosition = body.replication?.position ?? null
    } catch {
      this.primaryPosition = null
    }
  }
}

/** Whether a LiteFS mount looks right, for `hearth doctor`. */
export function mountProblem(config: ReplicationConfig): string | null {
  if (!config.mount) return null
  if (!existsSync(config.mount)) return `HEARTH_LITEFS_DIR is ${config.mount}, which does not exist: is LiteFS mounted?`
  return null
}
