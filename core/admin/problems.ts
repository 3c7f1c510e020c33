// Problem checks, as Discourse's dashboard has them: things an operator should fix before members notice (an old
// ffmpeg, a disk nearly full, jobs failing, no recent backup, no outgoing email). One check per entry; the dashboard
// shows the last run (made with the rollup, every 10 minutes) and `hearth doctor` runs them on the spot.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { ffmpegPath, ffmpegVersion } from '../media/ffmpeg.js'
import type { SettingsService } from '../settings/service.js'
import { diskOf } from './usage.js'

export interface ProblemContext {
  db: Db
  settings: SettingsService
  dataDir: string
  now?: Date
}

export interface Problem {
  id: string
  /** `critical`: members are (or soon will be) hurt; `warn`: fix it soon. */
  level: 'warn' | 'critical'
  message: string
  /** What to do about it. */
  hint: string
}

export interface ProblemCheck {
  id: string
  label: string
  run(ctx: ProblemContext): Promise<Omit<Problem, 'id'> | null>
}

/** Where the last backup's time is kept (written by every backup: the console's, the schedule's and `hearth backup`). */
export const LAST_BACKUP_KEY = 'backup.last_at'
/** ffmpeg older than this major version lacks atomic HLS playlists and current codecs (docs/operators.md, "ffmpeg"). */
export const FFMPEG_MIN_MAJOR = 5
const GiB = 1024 ** 3

/** The major and minor version in ffmpeg's first line (`ffmpeg version 4.1.3-static …`, `n6.0`); null for git builds. */
export function ffmpegRelease(line: string): [number, number] | null {
  const m = /version\s+n?(\d+)\.(\d+)/.exec(line)
  return m ? [Number(m[1]), Number(m[2])] : null
}

export const PROBLEM_CHECKS: ProblemCheck[] = [
  {
    id: 'disk',
    label: 'Disk space',
    async run({ dataDir }) {
      const { free, total } = await diskOf(dataDir)
      const share = total ? free / total : 1
      const said = `${(free / GiB).toFixed(1)} GB free of ${(total / GiB).toFixed(1)} GB (${Math.round(share * 100)}%) on the disk holding ${dataDir}.`
      if (share < 0.05 || free < GiB) return { level: 'critical', message: `The disk is nearly full: ${said}`, hint: 'Free space or move the data directory to a larger disk: when it fills, uploads and posts fail.' }
      if (share < 0.1 || free < 5 * GiB) return { level: 'warn', message: `The disk is getting full: ${said}`, hint: 'Plan more space; old backups in the data directory’s backups folder can go first.' }
      return null
    },
  },
  {
    id: 'jobs',
    label: 'Failing jobs',
    async run({ db, now = new Date() }) {
      const since = new Date(now.getTime() - 86_400_000).toISOString()
      const rows = await db.selectFrom('jobs').select(['kind', (e) => e.fn.countAll<number>().as('n')]).where('status', '=', 'failed').where('updated_at', '>=', since).groupBy('kind').orderBy(sql`count(*)`, 'desc').execute()
      if (!rows.length) return null
      const total = rows.reduce((n, r) => n + Number(r.n), 0)
      return {
        level: 'warn',
        message: `${total} background job${total === 1 ? '' : 's'} failed in the last day: ${rows.map((r) => `${r.kind} (${r.n})`).join(', ')}.`,
        hint: 'Read each error in Admin → Jobs, fix the cause, then retry or discard them.',
      }
    },
  },
  {
    id: 'backup',
    label: 'Backups',
    async run({ settings, now = new Date() }) {
      const last = await settings.read(LAST_BACKUP_KEY)
      if (typeof last !== 'string') return { level: 'warn', message: 'No backup has been made.', hint: 'Turn on scheduled backups in Admin → Backups, or run `hearth backup FILE` from cron.' }
      const hours = (now.getTime() - Date.parse(last)) / 3_600_000
      if (hours > 24) return { level: 'warn', message: `The last backup is ${Math.floor(hours / 24)} day(s) old (${last.slice(0, 16).replace('T', ' ')} UTC).`, hint: 'Check the schedule in Admin → Backups, or run `hearth backup FILE`.' }
      return null
    },
  },
  {
    id: 'mail',
    label: 'Outgoing email',
    async run({ settings }) {
      if ((await settings.get('mail.host')) !== '') return null
      return { level: 'warn', message: 'Outgoing email is not set up: members cannot reset a forgotten password or confirm their address.', hint: 'Set the SMTP server in Admin → Site settings, then send a test from Admin → Mail.' }
    },
  },
  {
    id: 'ffmpeg',
    label: 'ffmpeg',
    async run() {
      let line: string
      try {
        line = await ffmpegVersion(ffmpegPath())
      } catch (err) {
        return { level: 'critical', message: `ffmpeg does not run: ${(err as Error).message}`, hint: 'Videos cannot be processed. Install ffmpeg and set FFMPEG_PATH.' }
      }
      const release = ffmpegRelease(line)
      if (release && release[0] < FFMPEG_MIN_MAJOR) {
        return { level: 'warn', message: `ffmpeg ${release.join('.')} is old (${line.trim()}).`, hint: `Install ffmpeg ${FFMPEG_MIN_MAJOR}.1 or later (e.g. \`apt-get install ffmpeg\`) and set FFMPEG_PATH=/usr/bin/ffmpeg.` }
      }
      return null
    },
  },
]

/** Run every check; one that throws is itself reported, the others still run. */
export async function findProblems(ctx: ProblemContext, checks: readonly ProblemCheck[] = PROBLEM_CHECKS): Promise<Problem[]> {
  const out: Problem[] = []
  for (const check of checks) {
    try {
      const p = await check.run(ctx)
      if (p) out.push({ id: check.id, ...p })
    } catch (err) {
      out.push({ id: check.id, level: 'warn', message: `The ${check.label.toLowerCase()} check could not run: ${(err as Error).message}`, hint: 'See the server log.' })
    }
  }
  return out
}

/** Where the last run is kept for the dashboard. */
export const PROBLEMS_KEY = 'admin.problems'

/** Run the checks and keep the result for the dashboard. */
export async function refreshProblems(ctx: ProblemContext): Promise<Problem[]> {
  const found = await findProblems(ctx)
  await ctx.settings.write(PROBLEMS_KEY, { at: (ctx.now ?? new Date()).toISOString(), problems: found })
  return found
}

/** The last run, or null before the first. */
export async function storedProblems(settings: SettingsService): Promise<{ at: string; problems: Problem[] } | null> {
  const v = await settings.read(PROBLEMS_KEY)
  return v && typeof v === 'object' && 'problems' in v ? (v as { at: string; problems: Problem[] }) : null
}
