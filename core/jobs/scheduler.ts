// Scheduled jobs (croner): registered by core and plugins, started only by the running server.
import { Cron } from 'croner'
import type { Logger } from '../logger.js'

interface JobDef {
  owner: string
  name: string
  pattern: string
  fn: () => void | Promise<void>
}

export class Scheduler {
  private readonly defs: JobDef[] = []
  private running: Cron[] = []

  constructor(private readonly log: Logger) {}

  /** Register a job; an invalid cron pattern throws at once. */
  add(owner: string, pattern: string, name: string, fn: () => void | Promise<void>): void {
    try {
      new Cron(pattern, { paused: true }).stop()
    } catch (err) {
      throw new Error(`Job "${name}" has an invalid cron pattern "${pattern}": ${err instanceof Error ? err.message : err}`)
    }
    if (this.defs.some((d) => d.owner === owner && d.name === name)) throw new Error(`Job "${name}" of ${owner} is already registered.`)
    this.defs.push({ owner, name, pattern, fn })
  }

  removeOwner(owner: string): void {
    this.defs.splice(0, this.defs.length, ...this.defs.filter((d) => d.owner !== owner))
  }

  start(): void {
    if (this.running.length) return
    for (const def of this.defs) {
      const job = new Cron(def.pattern, { name: `${def.owner}:${def.name}`, protect: true }, async () => {
        try {
          await def.fn()
        } catch (err) {
          this.log.error({ err, plugin: def.owner, job: def.name }, `job ${def.name} of ${def.owner} failed`)
        }
      })
      this.running.push(job)
    }
  }

  stop(): void {
    for (const job of this.running) job.stop()
    this.running = []
  }

  list(): { owner: string; name: string; pattern: string; next: string | null }[] {
    return this.defs.map((d) => ({
      owner: d.owner,
      name: d.name,
      pattern: d.pattern,
      next: new Cron(d.pattern, { paused: true }).nextRun()?.toISOString() ?? null,
    }))
  }

  /** Run one job now (for `hearth` tooling and tests). */
  async run(owner: string, name: string): Promise<void> {
    const def = this.defs.find((d) => d.owner === owner && d.name === name)
    if (!def) throw new Error(`No job "${name}" of ${owner}.`)
    await def.fn()
  }
}
