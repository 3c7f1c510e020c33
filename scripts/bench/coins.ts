// The coins plugin's scenarios (issue 17):
//  1. transfers through the ledger service, in this process on the bench database: one at a time (each its own
//     immediate transaction) and 100 in flight (queued on the one connection), target 5,000 a second;
//  2. a burst of gifts over HTTP as during a live stream: 500 a second from 500 viewers (quick: the 300
//     picked members) to one creator's post, open loop, p99 < 50 ms with zero errors, and the ledger verifies after.
// Viewers get their coins straight from the ledger (a `world` credit standing in for purchases); the plugin's daily
// limit stays at its default (each viewer sends well under it); who may receive is set to everyone for the run.
import { availableParallelism, loadavg } from 'node:os'
import type { GiftTables } from '../../plugins/coins/gifts-tables.js'
import type { Template } from './load.js'
import type { Ctx } from './scenarios.js'
import { cpuSeconds } from './servers.js'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const SETTINGS = { gift_receivers: 'everyone' }

export async function coinsScenarios(ctx: Ctx): Promise<void> {
  await ledgerTransfers(ctx)
  const enabled = await ctx.h.db.selectFrom('plugins').select('enabled').where('name', '=', 'coins').executeTakeFirst()
  if (!enabled?.enabled) {
    ctx.notes.push('coins: the coins plugin is not enabled in the bench server, so the gift burst was not measured.')
    return
  }
  await giftBurst(ctx)
}

async function ledgerTransfers(ctx: Ctx): Promise<void> {
  const run = `${Date.now().toString(36)}`
  const world = { kind: 'world', name: 'bench', unit: 'coin' } as const
  const n = ctx.settings.samples * 200
  const members = ctx.picks.members.slice(0, 50)
  const one: number[] = []
  const many: number[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    let t0 = performance.now()
    for (let i = 0; i < n; i++) {
      const m = members[i % members.length]!
      await ctx.h.ledger.transfer({ key: `bench:${run}:${rep}:seq:${i}`, debit: world, credit: { kind: 'member_coins', userId: m.id, unit: 'coin' }, amount: 1 })
    }
    one.push(Math.round(n / ((performance.now() - t0) / 1000)))
    t0 = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < n) {
          const i = next++
          const m = members[i % members.length]!
          await ctx.h.ledger.transfer({ key: `bench:${run}:${rep}:par:${i}`, debit: world, credit: { kind: 'member_coins', userId: m.id, unit: 'coin' }, amount: 1 })
        }
      }),
    )
    many.push(Math.round(n / ((performance.now() - t0) / 1000)))
    ctx.log(`  ledger rep ${rep + 1}: ${one[rep]} transfers/s one at a time, ${many[rep]} with 100 in flight`)
  }
  ctx.figures.push({ scenario: 'ledger', figure: 'transfers through the ledger service, one at a time', unit: 'transfers/s', values: one, target: { op: '>=', value: 5000 }, note: `${n.toLocaleString('en')} a repetition, each its own immediate transaction, in process on the bench database` })
  ctx.figures.push({ scenario: 'ledger', figure: 'transfers through the ledger service, 100 in flight', unit: 'transfers/s', values: many, target: { op: '>=', value: 5000 }, note: 'queued on the one connection (Kysely’s mutex)' })
}

async function giftBurst(ctx: Ctx): Promise<void> {
  const key = (k: string) => `plugin.coins.${k}`
  const before = new Map<string, unknown>()
  for (const [k, v] of Object.entries(SETTINGS)) {
    before.set(k, await ctx.h.settings.read(key(k)))
    await ctx.h.settings.write(key(k), v)
  }
  try {
    const rate = 500
    const post = ctx.picks.posts[0]
    if (!post) throw new Error('the bench has no public post to send gifts on')
    const author = (await ctx.h.db.selectFrom('posts').select('author_id').where('id', '=', post).executeTakeFirstOrThrow()).author_id
    const viewers = ctx.picks.members.filter((m) => m.id !== author).slice(0, 500)
    const gift = await ctx.h.db
      .withTables<GiftTables>()
      .insertInto('coins_gifts')
      .values({ name: 'Bench rose', icon: 'rose', media_id: null, price: 10, position: 0, enabled: 1, retired_at: null, updated_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    // Enough coins for every gift a viewer could send in the run.
    const perViewer = Math.ceil(((rate * (ctx.settings.durationSec + ctx.settings.warmupSec)) / viewers.length) * 10 * 2) + 100
    const run = Date.now().toString(36)
    for (const v of viewers) {
      await ctx.h.ledger.transfer({ key: `bench:${run}:coins:${v.id}`, debit: { kind: 'world', name: 'bench', unit: 'coin' }, credit: { kind: 'member_coins', userId: v.id, unit: 'coin' }, amount: perViewer * ctx.settings.reps })
    }
    const template: Template = {
      label: 'gift',
      method: 'POST',
      paths: [`/api/v1/coins/gifts/${gift.id}/send`],
      headers: viewers.map((v) => bearer(v.api)),
      common: { 'content-type': 'application/json' },
      bodies: [JSON.stringify({ target: { kind: 'post', id: post } }), JSON.stringify({ target: { kind: 'post', id: post }, note: 'Bravo!' })],
    }
    const p99: number[] = []
    const errors: number[] = []
    const serverMs: number[] = []
    const loadMs: number[] = []
    const sent = async () => Number((await ctx.h.db.withTables<GiftTables>().selectFrom('coins_gift_sends').select((eb) => eb.fn.countAll<number>().as('n')).where('gift_id', '=', gift.id).executeTakeFirstOrThrow()).n)
    const busy: string[] = []
    for (let rep = 0; rep < ctx.settings.reps; rep++) {
      // What the server's one HTTP thread spent per gift (warm-up included, over the gifts it made), and the load
      // generator's CPU on the same machine: a p99 on a machine that others load is read with these beside it.
      const [g0, s0, l0] = [await sent(), cpuSeconds(ctx.hearth.pid, ctx.hearth.pid), cpuSeconds(ctx.load.pid ?? 0)]
      const r = await ctx.load.run({ origin: ctx.hearth.origin, templates: [template], connections: 64, durationSec: ctx.settings.durationSec, warmupSec: ctx.settings.warmupSec, overallRate: rate })
      const made = Math.max(1, (await sent()) - g0)
      serverMs.push(Math.round(((cpuSeconds(ctx.hearth.pid, ctx.hearth.pid) - s0) / made) * 1e5) / 100)
      loadMs.push(Math.round(((cpuSeconds(ctx.load.pid ?? 0) - l0) / made) * 1e5) / 100)
      busy.push(loadavg()[0]!.toFixed(1))
      p99.push(r.p99)
      errors.push(r.non2xx + r.errors + r.timeouts)
      ctx.log(`  gifts rep ${rep + 1}: ${r.rps} a second, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors; server thread ${serverMs[rep]} ms CPU a gift, load generator ${loadMs[rep]} ms; load average ${busy[rep]}`)
    }
    const report = await ctx.h.ledger.verify()
    const note = `${viewers.length} viewers to one post, open loop over 64 keep-alive connections, each gift two linked transfers and two notifications`
    ctx.figures.push({ scenario: `gift burst: ${rate} a second`, figure: 'p99 of POST /api/v1/coins/gifts/{id}/send', unit: 'ms', values: p99, target: { op: '<', value: 50 }, note })
    ctx.figures.push({ scenario: `gift burst: ${rate} a second`, figure: 'CPU of the server’s HTTP thread per gift', unit: 'ms', values: serverMs, note: `the load generator's: ${loadMs.join(', ')} ms a gift; the machine's load average after each repetition: ${busy.join(', ')} (${availableParallelism()} cores)` })
    ctx.figures.push({ scenario: `gift burst: ${rate} a second`, figure: 'errors (non-2xx, failed, timed out)', values: errors, target: { op: '<=', value: 0 }, judge: 'worst' })
    ctx.figures.push({ scenario: `gift burst: ${rate} a second`, figure: 'ledger verify problems afterwards', values: [report.problems.length], target: { op: '<=', value: 0 }, judge: 'worst', note: `${report.transfers.toLocaleString('en')} transfers, ${report.accounts.toLocaleString('en')} accounts` })
    if (!report.ok) ctx.notes.push(`ledger verify after the gift burst: ${report.problems.slice(0, 3).join(' ')}`)
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) await ctx.h.db.deleteFrom('settings').where('key', '=', key(k)).execute()
      else await ctx.h.settings.write(key(k), v)
    }
  }
}
