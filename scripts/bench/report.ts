// The report: one table (scenario, figure, median, min-max, target, pass/miss) on stdout, and the same as JSON and
// Markdown under bench/results/ with the machine, versions and date. Full runs are kept by date (small files, meant
// to be committed as the project's history of figures); quick runs overwrite quick-latest.* (ignored by git).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem, type } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { ROOT } from '../../core/paths.js'
import { VERSION } from '../../core/version.js'
import { median } from './stats.js'

export type Op = '>=' | '<' | '<='

export interface Figure {
  scenario: string
  figure: string
  /** One value per repetition. */
  values: number[]
  unit?: string
  target?: { op: Op; value: number }
  /** How repetitions are judged: the median (default), or the worst (counts of errors). */
  judge?: 'median' | 'worst'
  note?: string
}

export interface Judged extends Figure {
  median: number
  min: number
  max: number
  result: 'pass' | 'miss' | ''
}

export function judge(f: Figure): Judged {
  const v = f.values.filter((x) => Number.isFinite(x))
  const med = median(v)
  const min = v.length ? Math.min(...v) : NaN
  const max = v.length ? Math.max(...v) : NaN
  let result: Judged['result'] = ''
  if (f.target) {
    const higher = f.target.op === '>='
    const x = f.judge === 'worst' ? (higher ? min : max) : med
    const ok = f.target.op === '>=' ? x >= f.target.value : f.target.op === '<' ? x < f.target.value : x <= f.target.value
    result = Number.isFinite(x) ? (ok ? 'pass' : 'miss') : 'miss'
  }
  return { ...f, median: med, min, max, result }
}

const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return 'n/a'
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en')
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

const targetText = (f: Figure) => (f.target ? `${f.target.op} ${fmt(f.target.value)}${f.unit ? ' ' + f.unit : ''}` : '')

function rows(figures: Judged[]): string[][] {
  return figures.map((f) => [f.scenario, f.figure + (f.unit ? ` (${f.unit})` : ''), fmt(f.median), f.values.length > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : '', targetText(f), f.result])
}

const HEAD = ['scenario', 'figure', 'median', 'min–max', 'target', 'result']

export function table(figures: Judged[]): string {
  const all = [HEAD, ...rows(figures)]
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n')
}

function markdownTable(figures: Judged[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  return [`| ${HEAD.join(' | ')} |`, `| ${HEAD.map((_, i) => (i >= 2 && i <= 3 ? '---:' : '---')).join(' | ')} |`, ...rows(figures).map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n')
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}

const pkgVersion = (name: string) => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export function environment() {
  const cpu = cpus()
  const sqlite = new SQLite(':memory:')
  const sqliteVersion = (sqlite.prepare('select sqlite_version() v').get() as { v: string }).v
  sqlite.close()
  return {
    date: new Date().toISOString(),
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memory_gb: Math.round(totalmem() / 2 ** 30), os: `${type()} ${release()}`, load_average_at_end: loadavg().map((x) => Math.round(x * 100) / 100) },
    versions: {
      hearth: VERSION,
      node: process.version,
      sqlite: sqliteVersion,
      'better-sqlite3': pkgVersion('better-sqlite3'),
      kysely: pkgVersion('kysely'),
      hono: pkgVersion('hono'),
      '@hono/node-server': pkgVersion('@hono/node-server'),
      preact: pkgVersion('preact'),
      'preact-render-to-string': pkgVersion('preact-render-to-string'),
      autocannon: pkgVersion('autocannon'),
    },
    git: { commit: git(['rev-parse', '--short', 'HEAD']), dirty: git(['status', '--porcelain']).length > 0 },
  }
}

export interface ReportInput {
  mode: 'quick' | 'full'
  figures: Figure[]
  /** Seed, settings, plugins, load parameters. */
  context: Record<string, unknown>
  notes: string[]
}

export function writeReport(input: ReportInput): { judged: Judged[]; files: string[] } {
  const env = environment()
  const judged = input.figures.map(judge)
  const dir = join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const stamp = env.date.slice(0, 16).replace(':', '')
  const base = input.mode === 'full' ? `${stamp}-full` : 'quick-latest'
  const json = join(dir, `${base}.json`)
  const md = join(dir, `${base}.md`)
  writeFileSync(json, JSON.stringify({ ...env, mode: input.mode, context: input.context, figures: judged, notes: input.notes }, null, 2) + '\n')
  const passes = judged.filter((f) => f.result === 'pass').length
  const misses = judged.filter((f) => f.result === 'miss').length
  const lines = [
    `# Hearth benchmark (${input.mode}), ${env.date.slice(0, 10)}`,
    '',
    `- machine: ${env.machine.cpu}, ${env.machine.cores} cores, ${env.machine.memory_gb} GB, ${env.machine.os}; load average at the end ${env.machine.load_average_at_end.join(' ')}`,
    `- versions: ${Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- commit: ${env.git.commit}${env.git.dirty ? ' (with uncommitted changes)' : ''}`,
    `- targets: ${passes} pass, ${misses} miss`,
    '',
    markdownTable(judged),
    '',
    ...(input.notes.length ? ['## Notes', '', ...input.notes.map((n) => `- ${n}`), ''] : []),
    '## Context',
    '',
    '```json',
    JSON.stringify(input.context, null, 2),
    '```',
    '',
  ]
  writeFileSync(md, lines.join('\n'))
  return { judged, files: [json, md] }
}
