// Backups kept in the data directory's backups/ folder: made now or on the operator's schedule (a cron pattern,
// through the job queue so one runs at a time and a restart does not lose it), the newest N kept, downloaded by admins.
// The archive is core/backup.ts's, the same as `hearth backup FILE`.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Cron } from 'croner'
import { z } from 'zod'
import { audit } from '../audit.js'
import { createBackup, type DataPaths } from '../backup.js'
import type { Db } from '../db/connect.js'
import type { JobQueue } from '../jobs/queue.js'
import { PrimaryOnlyRead } from '../errors.js'
import type { SettingsService } from '../settings/service.js'
import { parse } from '../validation.js'
import { VERSION } from '../version.js'
import { LAST_BACKUP_KEY } from './problems.js'

/** The name every backup made here has; nothing else in the folder is listed, served or deleted. */
export const BACKUP_NAME = /^hearth-\d{8}-\d{6}\.tar\.gz$/
export const BACKUP_JOB = 'backup.run'
const SCHEDULE_KEY = 'backup.schedule'
/** When the schedule last started one, so a failing backup is tried once per scheduled time, not every minute. */
const ATTEMPT_KEY = 'backup.attempted_at'

export interface BackupFile {
  name: string
  bytes: number
  created_at: string
}

export interface BackupSchedule {
  /** A cron pattern (`0 3 * * *`: every day at 03:00 UTC), or empty: no schedule. */
  cron: string
  /** How many backups of this folder to keep; older ones are deleted after each new one. */
  keep: number
}

export const scheduleInput = z.object({
  cron: z
    .string({ error: 'cron is a cron pattern, or empty for no schedule.' })
    .trim()
    .max(100)
    .refine(
      (v) => {
        if (!v) return true
        try {
          new Cron(v, { paused: true }).stop()
          return true
        } catch {
          return false
        }
      },
      { error: 'That is not a cron pattern (five fields, such as 0 3 * * * for every day at 03:00 UTC).' },
    ),
  keep: z.coerce.number({ error: 'keep is a number of backups.' }).int({ error: 'keep is a whole number.' }).min(1, { error: 'Keep at least one backup.' }).max(365, { error: 'Keep at most 365 backups.' }),
})

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)

export interface BackupsDeps extends DataPaths {
  db: Db
  settings: SettingsService
  queue: JobQueue
  /**
   * Whether this node holds the backups: they are made by a job, so on the primary (LiteFS), in its data folder. A
   * replica sends its reads of them there. Default: always (a single node).
   */
  isPrimary?: () => boolean
}

export function createBackups(deps: BackupsDeps) {
  const { db, settings, queue, dataDir } = deps
  const dir = join(dataDir, 'backups')

  const list = (): BackupFile[] => {
    if (deps.isPrimary && !deps.isPrimary()) throw new PrimaryOnlyRead()
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return []
    }
    return names
      .filter((n) => BACKUP_NAME.test(n))
      .map((name) => {
        const st = statSync(join(dir, name))
        return { name, bytes: st.size, created_at: st.mtime.toISOString() }
      })
      .sort((a, b) => (a.name < b.name ? 1 : -1))
  }

  const schedule = async (): Promise<BackupSchedule> => {
    const v = (await settings.read(SCHEDULE_KEY)) as Partial<BackupSchedule> | null
    return { cron: typeof v?.cron === 'string' ? v.cron : '', keep: typeof v?.keep === 'number' ? v.keep : 7 }
  }

  /** Delete all but the newest `keep` backups. Returns the names deleted. */
  const prune = async (): Promise<string[]> => {
    const { keep } = await schedule()
    const gone = list().slice(keep).map((b) => b.name)
    for (const name of gone) rmSync(join(dir, name), { force: true })
    return gone
  }

  return {
    dir,
    list,
    schedule,

    /** The path of a listed backup, or null (a name of another shape, or none such): never a path outside the folder. */
    path(name: string): string | null {
      return BACKUP_NAME.test(name) && list().some((b) => b.name === name) ? join(dir, name) : null
    },

    /** Make a backup now (the job's work), record its time, keep the newest N. */
    async run(actorId: number | null, now = new Date()): Promise<BackupFile & { pruned: string[] }> {
      await settings.write(ATTEMPT_KEY, now.toISOString())
      mkdirSync(dir, { recursive: true })
      const name = `hearth-${stamp(now)}.tar.gz`
      const made = await createBackup(deps, join(dir, name), VERSION)
      await settings.write(LAST_BACKUP_KEY, made.created_at)
      const pruned = await prune()
      await audit(db, { actorId, action: 'backup.created', targetType: 'backup', targetId: name, details: { bytes: made.bytes, pruned } })
      return { name, bytes: made.bytes, created_at: made.created_at, pruned }
    },

    /** Ask the queue for a backup (one at a time: a second ask while one waits is the same job). Returns the job's id. */
    enqueue(actorId: number | null): Promise<number> {
      return queue.enqueue(BACKUP_JOB, { actorId }, { key: BACKUP_JOB, maxAttempts: 2 })
    },

    async setSchedule(input: unknown, actorId: number | null): Promise<BackupSchedule> {
      const next = parse(scheduleInput, input)
      await settings.write(SCHEDULE_KEY, { ...next, since: new Date().toISOString() })
      await audit(db, { actorId, action: 'backup.schedule', targetType: 'backup', details: next })
      await prune()
      return next
    },

    async remove(name: string, actorId: number | null): Promise<boolean> {
      if (!BACKUP_NAME.test(name) || !list().some((b) => b.name === name)) return false
      rmSync(join(dir, name), { force: true })
      await audit(db, { actorId, action: 'backup.deleted', targetType: 'backup', targetId: name })
      return true
    },

    /**
     * Whether the schedule has a run due: its next time after the last backup (or after the schedule was set, when
     * none was made since) has passed. Checked every minute, so a changed schedule or a restart is picked up.
     */
    async due(now = new Date()): Promise<boolean> {
      const v = (await settings.read(SCHEDULE_KEY)) as { cron?: string; since?: string } | null
      if (!v?.cron) return false
      const times = [await settings.read(LAST_BACKUP_KEY), await settings.read(ATTEMPT_KEY), v.since].filter((t): t is string => typeof t === 'string')
      const from = times.sort().pop() ?? now.toISOString()
      const next = new Cron(v.cron, { paused: true, timezone: 'UTC' }).nextRun(new Date(from))
      return next !== null && next <= now
    },
  }
}

export type BackupsService = ReturnType<typeof createBackups>
