// Random chat's scenario: a match with 10,000 members waiting (in process, on the real matchmaker), and the
// signaling messages per second the real server relays between two paired members (plugins/random-chat/bench.ts).
import { benchMatchmaker, benchSignaling } from '../../plugins/random-chat/bench.js'
import type { Ctx } from './scenarios.js'

/** The plugin settings the relay needs for two bench members who meet again and again; restored afterwards. */
const RELAY_SETTINGS = { min_account_age_hours: 0, cooldown_minutes: 0, daily_matches: 0 }

export async function randomChat(ctx: Ctx): Promise<void> {
  const rounds = ctx.settings.samples * 100
  ctx.log(`random chat matchmaker: 10,000 waiting, ${rounds} matches of each kind, ${ctx.settings.reps} repetitions`)
  ctx.figures.push(...benchMatchmaker({ waiting: 10_000, rounds, repetitions: ctx.settings.reps }))

  const enabled = ctx.h.db.selectFrom('plugins').select('enabled').where('name', '=', 'random-chat')
  if (!(await enabled.executeTakeFirst())?.enabled) {
    ctx.notes.push('random chat signaling: the random-chat plugin is not enabled in the bench server, so the relay was not measured.')
    return
  }
  const key = (k: string) => `plugin.random-chat.${k}`
  const before = new Map<string, unknown>()
  for (const [k, v] of Object.entries(RELAY_SETTINGS)) {
    before.set(k, await ctx.h.settings.read(key(k)))
    await ctx.h.settings.write(key(k), v)
  }
  try {
    // Eight pairs take turns: each search counts against a member's 30 a minute.
    const tokens = ctx.picks.members.slice(0, 16).map((m) => m.api)
    if (tokens.length < 2) throw new Error('the bench has fewer than two members with sessions')
    const messages = ctx.settings.samples * 200
    const rates: number[] = []
    for (let rep = 0; rep < ctx.settings.reps; rep++) {
      rates.push(await benchSignaling({ baseUrl: ctx.hearth.origin, tokens: tokens.length % 2 ? tokens.slice(1) : tokens, messages, window: 64 }))
      ctx.log(`  rep ${rep + 1}: ${rates[rep]} signals/s`)
    }
    ctx.figures.push({ scenario: 'random chat signaling', figure: 'ICE candidates relayed to the partner', unit: 'msg/s', values: rates, note: `${messages.toLocaleString('en')} a repetition, 64 in flight, over the real socket` })
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) await ctx.h.db.deleteFrom('settings').where('key', '=', key(k)).execute()
      else await ctx.h.settings.write(key(k), v)
    }
  }
}
