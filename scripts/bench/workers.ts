// Issue 20, part 1: the home feed API and page on one HTTP thread and on one per core (HEARTH_WORKERS), side by side
// in one run against the baseline. The load generator shares this machine's cores, so each run also reports the CPU
// the server and the load generator used, and the server's requests per CPU-second: what a core of its own gives.
import { availableParallelism } from 'node:os'
import { dirname } from 'node:path'
import type { RunResult, Template } from './load.js'
import { settle, type Ctx } from './scenarios.js'
import { cpuSeconds, startHearth, type Running } from './servers.js'

const CSRF = 'benchcsrfbenchcsrfbenchcsrfbenchcsrf'

interface Measured {
  r: RunResult
  /** Cores the server kept busy on average (CPU seconds over wall seconds), all its threads together. */
  serverCores: number
  loadCores: number
}

async function measured(ctx: Ctx, target: Running, templates: Template[]): Promise<Measured> {
  await settle(target)
  const s0 = cpuSeconds(target.pid)
  const l0 = cpuSeconds(ctx.load.pid ?? 0)
  const r = await ctx.load.run({ origin: target.origin, templates, connections: ctx.settings.connections, durationSec: ctx.settings.durationSec, warmupSec: 0 })
  const server = cpuSeconds(target.pid) - s0
  const load = cpuSeconds(ctx.load.pid ?? 0) - l0
  // The load process's CPU includes its warm-up-free run only; both over the run's own seconds.
  return { r, serverCores: Math.round((server / r.seconds) * 100) / 100, loadCores: Math.round((load / r.seconds) * 100) / 100 }
}

const perCore = (m: Measured) => (m.serverCores > 0 ? Math.round(m.r.rps / m.serverCores) : NaN)

export async function workersScenario(ctx: Ctx): Promise<void> {
  const n = availableParallelism()
  if (n < 2) {
    ctx.notes.push('worker threads: this machine has one core, so one thread and one per core are the same; nothing was measured.')
    return
  }
  const cases: { name: string; hearth: Template[]; base: Template[] }[] = [
    { name: 'home feed API', hearth: [{ label: 'feed', paths: ['/api/v1/feed/home'], headers: ctx.picks.members.map((m) => ({ authorization: `Bearer ${m.api}` })) }], base: [{ label: 'feed', paths: ['/feed.json'] }] },
    {
      name: 'home feed page (HTML)',
      hearth: [{ label: 'home', paths: ['/'], headers: ctx.picks.members.map((m) => ({ cookie: `hearth_session=${m.web}; hearth_csrf=${CSRF}` })) }],
      base: [{ label: 'home', paths: ['/feed.html'] }],
    },
  ]
  const runDir = dirname(ctx.hearth.logFile)
  const dataDir = ctx.h.config.dataDir
  const results = new Map<string, { one: Measured[]; many: Measured[]; base: Measured[] }>(cases.map((c) => [c.name, { one: [], many: [], base: [] }]))
  const warm = async (target: Running, templates: Template[]) => {
    if (ctx.settings.warmupSec > 0) await ctx.load.run({ origin: target.origin, templates, connections: ctx.settings.connections, durationSec: ctx.settings.warmupSec, warmupSec: 0 })
  }
  const line = (m: Measured) => `${m.r.rps} req/s, p50 ${m.r.p50} ms, p99 ${m.r.p99} ms; server ${m.serverCores} cores, load ${m.loadCores} cores`

  // One server at a time on the data directory (as an operator runs it): the server the other scenarios use (the
  // default, a thread per core) is stopped while a one-thread and then an N-thread server run, and started again after.
  const main = ctx.hearth
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    await main.stop()
    try {
      const single = await startHearth(dataDir, runDir, { workers: 1 })
      try {
        for (const c of cases) {
          await warm(single, c.hearth)
          const m = await measured(ctx, single, c.hearth)
          results.get(c.name)!.one.push(m)
          ctx.log(`  ${c.name}, 1 thread   rep ${rep + 1}: ${line(m)}`)
          if (rep === 0) await warm(ctx.baseline, c.base)
          const b = await measured(ctx, ctx.baseline, c.base)
          results.get(c.name)!.base.push(b)
          ctx.log(`  ${c.name}, baseline   rep ${rep + 1}: ${line(b)}`)
        }
      } finally {
        await single.stop()
      }
      const many = await startHearth(dataDir, runDir, { workers: n })
      try {
        for (const c of cases) {
          await warm(many, c.hearth)
          const m = await measured(ctx, many, c.hearth)
          results.get(c.name)!.many.push(m)
          ctx.log(`  ${c.name}, ${n} threads rep ${rep + 1}: ${line(m)}`)
        }
      } finally {
        await many.stop()
      }
    } finally {
      // The same Running object, so the benchmark's own stop at the end stops the new process.
      Object.assign(main, await startHearth(dataDir, runDir))
    }
  }

  for (const c of cases) {
    const { one, many, base } = results.get(c.name)!
    const s = `worker threads: ${c.name}`
    const ratio = (xs: Measured[]) => xs.map((m, i) => Math.round((m.r.rps / base[i]!.r.rps) * 1000) / 1000)
    ctx.figures.push(
      { scenario: s, figure: 'req/s, 1 thread', values: one.map((m) => m.r.rps) },
      { scenario: s, figure: `req/s, ${n} threads`, values: many.map((m) => m.r.rps) },
      { scenario: s, figure: 'baseline req/s', values: base.map((m) => m.r.rps) },
      { scenario: s, figure: 'ratio to baseline, 1 thread', values: ratio(one) },
      { scenario: s, figure: `ratio to baseline, ${n} threads`, values: ratio(many), target: { op: '>=', value: 0.5 } },
      { scenario: s, figure: `p99, ${n} threads`, unit: 'ms', values: many.map((m) => m.r.p99) },
      { scenario: s, figure: 'server cores busy, 1 thread', values: one.map((m) => m.serverCores) },
      { scenario: s, figure: `server cores busy, ${n} threads`, values: many.map((m) => m.serverCores) },
      { scenario: s, figure: `load generator cores busy, ${n} threads`, values: many.map((m) => m.loadCores) },
      // The load generator's CPU left out: what the server does with each core it gets.
      { scenario: s, figure: 'req per server CPU-second, 1 thread', values: one.map(perCore) },
      { scenario: s, figure: `req per server CPU-second, ${n} threads`, values: many.map(perCore) },
      { scenario: s, figure: 'req per server CPU-second, baseline', values: base.map(perCore) },
    )
  }
}
