// The policy engine: the operator's rules on what members write, checked on every surface before it is saved
// (refuse) and after (flag to the moderation queue), each hit logged with its rule; dry-run rules only log.
// Why it works this way: decision 038.
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { audit } from '../audit.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { Logger } from '../logger.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import { parse } from '../validation.js'
import { compile, conditionsInput, match, type Compiled, type Conditions, type Written } from './rules.js'
import type { PolicyRuleRow } from './tables.js'

/** A surface: a core one, or a plugin's (`messages.message`). */
const surface = z.string().regex(/^(post|comment|profile|username|[a-z0-9-]+\.[a-z0-9-]+)$/, 'Name a surface: post, comment, profile, username, or a plugin’s such as messages.message.')

/**
 * What a rule does: `refuse` (nothing is saved), `flag` (saved, and reported), `hold` (saved but shown to its author
 * only until staff approve it in the queue), `sensitive` (a post's media goes behind a warning), `silence` (saved; the
 * author's posts reach only their followers for `silence_days`).
 */
export const POLICY_ACTIONS = ['refuse', 'flag', 'hold', 'sensitive', 'silence'] as const
export type PolicyAction = (typeof POLICY_ACTIONS)[number]

/** Where each action can be carried out: sensitive media is a post's; a hold keeps posts, comments and sign-ups. */
const ACTION_SURFACES: Partial<Record<PolicyAction, readonly string[]>> = { sensitive: ['post'], hold: ['post', 'comment', 'username'] }

export const ruleInput = z
  .object({
    name: z.string({ error: 'Name the rule.' }).trim().min(1, 'Name the rule.').max(100),
    surfaces: z.array(surface, { error: 'Choose where the rule looks.' }).min(1, 'Choose where the rule looks.').max(20),
    conditions: conditionsInput,
    action: z.enum(POLICY_ACTIONS, { error: `The action is ${POLICY_ACTIONS.join(', ')}.` }),
    message: z.string().trim().max(300).default(''),
    mode: z.enum(['active', 'dry_run', 'off'], { error: 'The mode is active, dry_run or off.' }).default('active'),
    /** How long a `silence` lasts. */
    silence_days: z.number({ error: 'silence_days is a number of days.' }).int().min(1, 'Silence for at least a day.').max(365, 'Silence for at most 365 days.').default(7),
  })
  .superRefine((r, ctx) => {
    const only = ACTION_SURFACES[r.action]
    const wrong = only ? r.surfaces.filter((s) => !only.includes(s)) : []
    if (wrong.length) ctx.addIssue({ code: 'custom', path: ['surfaces'], message: `“${r.action}” works on ${only!.join(', ')} only, not ${wrong.join(', ')}.` })
  })
export type RuleInput = z.input<typeof ruleInput>

export interface PolicyRule {
  id: number
  name: string
  surfaces: string[]
  conditions: Conditions
  action: PolicyAction
  message: string
  mode: 'active' | 'dry_run' | 'off'
  silence_days: number
  created_at: string
  updated_at: string
}

/** What the rules said about one piece of writing. */
export interface Verdict {
  /** The first active refusing rule, whose message the member reads. */
  refused: { ruleId: number; message: string } | null
  /** Active flagging rules: a report each once the writing is saved (`flagSaved`). */
  flags: { ruleId: number; name: string; reasons: string[] }[]
  /** The first active holding rule: save the writing held (shown to its author only); `flagSaved` puts it in the queue. */
  hold: { ruleId: number; name: string; reasons: string[] } | null
  /** An active rule marks a post's media sensitive: save it so. */
  sensitive: boolean
  /** The longest active silence: `flagSaved` silences the author for that many days. */
  silence: { ruleId: number; name: string; days: number } | null
  /** Every rule that matched, dry-run ones too. */
  matched: { ruleId: number; name: string; action: string; dryRun: boolean; reasons: string[] }[]
}

export interface CheckInput {
  surface: string
  authorId: number | null
  text: string
}

/** What nothing matching says. */
export const NO_VERDICT: Verdict = Object.freeze({ refused: null, flags: [], hold: null, sensitive: false, silence: null, matched: [] }) as Verdict

/** The sentence a refused member reads when the rule gives none. */
export const DEFAULT_REFUSAL = 'This can’t be posted here: it breaks a rule of this community.'

const toRule = (r: PolicyRuleRow): PolicyRule => ({
  id: r.id,
  name: r.name,
  surfaces: JSON.parse(r.surfaces) as string[],
  conditions: JSON.parse(r.conditions) as Conditions,
  action: r.action,
  message: r.message,
  mode: r.mode,
  silence_days: r.silence_days,
  created_at: r.created_at,
  updated_at: r.updated_at,
})

export type PolicyService = ReturnType<typeof createPolicyService>

/** What services that save writing use of the engine: check before, flag after. */
export type ContentPolicy = Pick<PolicyService, 'enforce' | 'flagSaved'>

/**
 * @param file files a report by no member (core's moderation queue), for flagging rules.
 */
export function createPolicyService(deps: { db: Db; log: Logger; file: (report: { targetType: string; targetId: string; note: string }) => Promise<unknown> }) {
  const { db, log } = deps
  /** Rules compiled once, kept until one changes (this process's writes; another process's show after a restart). */
  let compiled: (PolicyRule & { compiled: Compiled })[] | null = null

  async function rules(): Promise<(PolicyRule & { compiled: Compiled })[]> {
    if (compiled) return compiled
    const rows = await db.selectFrom('policy_rules').selectAll().where('mode', '!=', 'off').orderBy('id').execute()
    const out: (PolicyRule & { compiled: Compiled })[] = []
    for (const r of rows.map(toRule)) {
      try {
        out.push({ ...r, compiled: compile(r.conditions) })
      } catch (err) {
        log.error({ err, rule: r.id }, `policy rule "${r.name}" cannot be compiled; it is skipped`)
      }
    }
    return (compiled = out)
  }

  function checked(input: unknown): z.output<typeof ruleInput> {
    const data = parse(ruleInput, input)
    try {
      compile(data.conditions)
    } catch (err) {
      throw validationFailed({ 'conditions.regex': (err as Error).message })
    }
    return data
  }

  async function author(userId: number | null): Promise<Written['author']> {
    if (userId === null) return null
    return (await db.selectFrom('users').select(['created_at', 'posts_count']).where('id', '=', userId).executeTakeFirst()) ?? null
  }

  /** Match rules (those given, or the stored active and dry-run ones) against a piece of writing. */
  function evaluate(list: (PolicyRule & { compiled: Compiled })[], input: CheckInput, who: Written['author']): Verdict {
    const verdict: Verdict = { refused: null, flags: [], hold: null, sensitive: false, silence: null, matched: [] }
    for (const rule of list) {
      if (!rule.surfaces.includes(input.surface)) continue
      const reasons = match(rule.compiled, { text: input.text, author: who })
      if (!reasons) continue
      const dryRun = rule.mode === 'dry_run'
      verdict.matched.push({ ruleId: rule.id, name: rule.name, action: rule.action, dryRun, reasons })
      if (dryRun) continue
      if (rule.action === 'refuse') verdict.refused ??= { ruleId: rule.id, message: rule.message || DEFAULT_REFUSAL }
      else if (rule.action === 'flag') verdict.flags.push({ ruleId: rule.id, name: rule.name, reasons })
      else if (rule.action === 'hold') verdict.hold ??= { ruleId: rule.id, name: rule.name, reasons }
      else if (rule.action === 'sensitive') verdict.sensitive = true
      else if (!verdict.silence || rule.silence_days > verdict.silence.days) verdict.silence = { ruleId: rule.id, name: rule.name, days: rule.silence_days }
    }
    return verdict
  }

  async function log_(verdict: Verdict, input: CheckInput, target: string | null, only?: (m: Verdict['matched'][number]) => boolean): Promise<void> {
    const hits = verdict.matched.filter(only ?? (() => true))
    if (!hits.length) return
    await db
      .insertInto('policy_hits')
      .values(hits.map((m) => ({ rule_id: m.ruleId, rule_name: m.name, surface: input.surface, user_id: input.authorId, action: m.action, dry_run: m.dryRun ? 1 : 0, excerpt: input.text.slice(0, 280), reasons: JSON.stringify(m.reasons), target, created_at: now() })))
      .execute()
  }

  const service = {
    /**
     * Check writing before it is saved: throws `422 REFUSED_BY_POLICY` with the rule's message when an active
     * rule refuses it (the refusal and any dry-run matches are logged). Otherwise returns the verdict, whose flags
     * `flagSaved` files once the writing has an id.
     * @example const verdict = await ctx.core.policy.enforce({ surface: 'messages.message', authorId: me.id, text })
     */
    async enforce(input: CheckInput): Promise<Verdict> {
      const list = await rules()
      if (!list.length || !input.text) return { ...NO_VERDICT, flags: [], matched: [] }
      const verdict = evaluate(list, input, await author(input.authorId))
      if (verdict.refused) {
        // Only what happened is logged: the refusal, and dry runs; flags of refused writing never apply.
        await log_(verdict, input, null, (m) => m.dryRun || m.ruleId === verdict.refused!.ruleId)
        throw new AppError(422, 'REFUSED_BY_POLICY', verdict.refused.message, { fields: { text: verdict.refused.message } })
      }
      return verdict
    },

    /**
     * After the writing was saved as `target` (`post:12`): log the matches, file a report for each flag and for a hold
     * (the held writing waits in the queue), and silence the author when a rule says so. Holding and marking sensitive
     * are the saving service's to do as it saves (`verdict.hold`, `verdict.sensitive`).
     */
    async flagSaved(verdict: Verdict, input: CheckInput, target: { type: string; id: string | number }): Promise<void> {
      if (!verdict.matched.length) return
      const ref = `${target.type}:${target.id}`
      await log_(verdict, input, ref)
      if (verdict.silence && input.authorId !== null) {
        const until = new Date(Date.now() + verdict.silence.days * 86_400_000).toISOString()
        // A longer silence already running is kept.
        await db.updateTable('users').set({ silenced_until: until }).where('id', '=', input.authorId).where((eb) => eb.or([eb('silenced_until', 'is', null), eb('silenced_until', '<', until)])).execute()
        await audit(db, { actorId: null, action: 'policy.silence', targetType: 'user', targetId: input.authorId, details: { rule_id: verdict.silence.ruleId, rule: verdict.silence.name, until, target: ref } })
      }
      const reports = [...verdict.flags.map((f) => ({ ...f, verb: 'Flagged' })), ...(verdict.hold ? [{ ...verdict.hold, verb: 'Held for review' }] : [])]
      for (const f of reports) {
        try {
          await deps.file({ targetType: target.type, targetId: String(target.id), note: `${f.verb} by the rule “${f.name}”: ${f.reasons.join('; ')}.` })
        } catch (err) {
          log.error({ err, rule: f.ruleId, target: ref }, 'a policy flag could not be filed')
        }
      }
    },

    /** The rule tester: what these rules (a draft, or the stored ones) would do to this text by this member. */
    async test(input: { text?: unknown; surface?: unknown; username?: unknown; rule?: unknown }): Promise<{ verdict: Verdict }> {
      const text = typeof input.text === 'string' ? input.text.slice(0, 10_000) : ''
      if (!text) throw validationFailed({ text: 'Write a text to test.' })
      const surfaceName = typeof input.surface === 'string' ? input.surface : 'post'
      let who: Written['author'] = null
      let authorId: number | null = null
      if (typeof input.username === 'string' && input.username) {
        const u = await db.selectFrom('users').select(['id', 'created_at', 'posts_count']).where('username', '=', input.username).executeTakeFirst()
        if (!u) throw validationFailed({ username: 'There is no member with that username.' })
        who = u
        authorId = u.id
      }
      let list = await rules()
      if (input.rule !== undefined) {
        const draft = checked(input.rule)
        list = [{ id: 0, ...draft, created_at: now(), updated_at: now(), compiled: compile(draft.conditions) }]
      }
      return { verdict: evaluate(list, { surface: surfaceName, authorId, text }, who) }
    },

    async list(): Promise<PolicyRule[]> {
      return (await db.selectFrom('policy_rules').selectAll().orderBy('id').execute()).map(toRule)
    },

    async get(id: number): Promise<PolicyRule> {
      const row = await db.selectFrom('policy_rules').selectAll().where('id', '=', id).executeTakeFirst()
      if (!row) throw notFound('That rule')
      return toRule(row)
    },

    async create(input: unknown, actorId: number | null): Promise<PolicyRule> {
      const data = checked(input)
      const row = await db
        .insertInto('policy_rules')
        .values({ name: data.name, surfaces: JSON.stringify(data.surfaces), conditions: JSON.stringify(data.conditions), action: data.action, message: data.message, mode: data.mode, silence_days: data.silence_days, created_by: actorId, created_at: now(), updated_at: now() })
        .returningAll()
        .executeTakeFirstOrThrow()
      compiled = null
      await audit(db, { actorId, action: 'policy.rule.create', targetType: 'policy_rule', targetId: row.id, details: { name: data.name, action: data.action, mode: data.mode } })
      return toRule(row)
    },

    async update(id: number, input: unknown, actorId: number | null): Promise<PolicyRule> {
      await service.get(id)
      const data = checked(input)
      const row = await db
        .updateTable('policy_rules')
        .set({ name: data.name, surfaces: JSON.stringify(data.surfaces), conditions: JSON.stringify(data.conditions), action: data.action, message: data.message, mode: data.mode, silence_days: data.silence_days, updated_at: now() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
      compiled = null
      await audit(db, { actorId, action: 'policy.rule.update', targetType: 'policy_rule', targetId: id, details: { name: data.name, action: data.action, mode: data.mode } })
      return toRule(row)
    },

    async remove(id: number, actorId: number | null): Promise<void> {
      const rule = await service.get(id)
      await db.deleteFrom('policy_rules').where('id', '=', id).execute()
      compiled = null
      await audit(db, { actorId, action: 'policy.rule.delete', targetType: 'policy_rule', targetId: id, details: { name: rule.name } })
    },

    /** What the rules did, newest first; `ruleId` for one rule's. */
    async hits(options: { ruleId?: number; cursor?: string | null; limit?: number } = {}): Promise<Page<{ id: number; rule_id: number | null; rule_name: string; surface: string; user_id: number | null; action: string; dry_run: boolean; excerpt: string; reasons: string[]; target: string | null; created_at: string }>> {
      const limit = Math.min(Math.max(1, options.limit ?? 50), 100)
      const after = decodeCursor(options.cursor, { id: 'id' })
      let q = db.selectFrom('policy_hits').selectAll().orderBy('id', 'desc').limit(limit + 1)
      if (options.ruleId) q = q.where('rule_id', '=', options.ruleId)
      if (after) q = q.where('id', '<', Number(after.id))
      const page = pageOf(await q.execute(), limit, (r) => ({ id: r.id }))
      return { items: page.items.map((h) => ({ ...h, dry_run: h.dry_run === 1, reasons: JSON.parse(h.reasons) as string[] })), nextCursor: page.nextCursor }
    },
  }
  return service
}
