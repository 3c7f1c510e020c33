// Re-engagement rules: the operator's "a member away for N days gets the digest, an email or a push", run by a
// schedule; each member is reached at most once per rule per period, and every reach is logged with its outcome.
import { sql } from 'kysely'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { sqlLimit } from '../db/compiler.js'
import { now } from '../db/schema.js'
import { audit } from '../audit.js'
import { notFound } from '../errors.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { EmailPreferencesService } from '../mail/digests.js'
import { composeMail } from '../mail/messages.js'
import type { MailService } from '../mail/service.js'
import type { NotificationsService } from '../notifications/service.js'
import type { PushService } from '../push/service.js'
import type { SettingsService } from '../settings/service.js'
import { markdownParagraphs, markdownToText } from '../text/markdown.js'
import { parse } from '../validation.js'
import type { ReengageAction, ReengageRuleRow } from './tables.js'

export const REENGAGE_JOB = 'reengage.send'
/** Members one rule queues per run at most; the next run takes the rest (a first run on a big community is spread out). */
export const PER_RUN = 500
export const ACTIONS: Record<ReengageAction, string> = {
  digest: 'Send their digest email (unread notifications)',
  email: 'Send an email with the message',
  push: 'Send a push with the message',
}

const days = (what: string) => z.coerce.number({ error: `Give ${what} in days.` }).int(`Give ${what} in whole days.`).min(1, `${what} is at least one day.`).max(3650, `${what} is at most 3650 days.`)

export const ruleInput = z
  .object({
    name: z.string({ error: 'Name the rule.' }).trim().min(1, 'Name the rule.').max(100),
    inactive_days: days('The time away'),
    action: z.enum(['digest', 'email', 'push'], { error: 'The action is digest, email or push.' }),
    message: z.string().trim().max(1000, 'Keep the message under 1000 characters.').default(''),
    period_days: days('The period').optional(),
    enabled: z.boolean().default(true),
  })
  .refine((r) => r.action === 'digest' || r.message.length > 0, { message: 'Write the message members get.', path: ['message'] })
export type ReengageRuleInput = z.input<typeof ruleInput>

export interface ReengageRule {
  id: number
  name: string
  inactive_days: number
  action: ReengageAction
  message: string
  period_days: number
  enabled: boolean
  last_run_at: string | null
  /** Members reached in the last 30 days. */
  reached_30d: number
}

const ago = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString()

export type ReengageService = ReturnType<typeof createReengageService>

export function createReengageService(deps: { db: Db; settings: SettingsService; queue: JobQueue; mail: MailService; emails: EmailPreferencesService; notifications: NotificationsService; push: PushService; log: Logger; config: { publicUrl: string | null } }) {
  const { db, settings, queue, mail, emails, notifications, push, log } = deps

  const toRule = async (r: ReengageRuleRow): Promise<ReengageRule> => {
    const n = await db.selectFrom('reengage_log').select((eb) => eb.fn.countAll<number>().as('n')).where('rule_id', '=', r.id).where('sent_at', '>', ago(30)).where('outcome', '=', 'sent').executeTakeFirstOrThrow()
    return { id: r.id, name: r.name, inactive_days: r.inactive_days, action: r.action, message: r.message, period_days: r.period_days, enabled: r.enabled === 1, last_run_at: r.last_run_at, reached_30d: Number(n.n) }
  }

  async function row(id: number): Promise<ReengageRuleRow> {
    const r = await db.selectFrom('reengage_rules').selectAll().where('id', '=', id).executeTakeFirst()
    if (!r) throw notFound('That rule')
    return r
  }

  /**
   * Members away `inactive_days` or more (their last day seen, or the day they joined) whom this rule has not
   * reached within its period: the ones a run queues.
   */
  async function due(rule: ReengageRuleRow, limit = PER_RUN): Promise<number[]> {
    const cutoff = ago(rule.inactive_days).slice(0, 10)
    const rows = await sql<{ id: number }>`
      select u.id from users u
      where u.suspended_at is null and u.approval is null
        and coalesce((select max(d.day) from member_days d where d.user_id = u.id), substr(u.created_at, 1, 10)) <= ${cutoff}
        and not exists (select 1 from reengage_log l where l.rule_id = ${rule.id} and l.user_id = u.id and l.sent_at > ${ago(rule.period_days)})
      order by u.id limit ${sqlLimit(limit)}`.execute(db)
    return rows.rows.map((r) => r.id)
  }

  const service = {
    async list(): Promise<ReengageRule[]> {
      return Promise.all((await db.selectFrom('reengage_rules').selectAll().orderBy('id').execute()).map(toRule))
    },

    async get(id: number): Promise<ReengageRule> {
      return toRule(await row(id))
    },

    /** Make a rule, or change rule `id`. The period defaults to the time away (once per absence). */
    async save(input: unknown, actorId: number | null, id?: number): Promise<ReengageRule> {
      const r = parse(ruleInput, input)
      const values = { name: r.name, inactive_days: r.inactive_days, action: r.action, message: r.message, period_days: r.period_days ?? r.inactive_days, enabled: r.enabled ? 1 : 0, updated_at: now() }
      if (id !== undefined) await row(id)
      const saved = await db.transaction().execute(async (trx) => {
        const out =
          id === undefined
            ? await trx.insertInto('reengage_rules').values({ ...values, created_at: now() }).returning('id').executeTakeFirstOrThrow()
            : await trx.updateTable('reengage_rules').set(values).where('id', '=', id).returning('id').executeTakeFirstOrThrow()
        await audit(trx, { actorId, action: id === undefined ? 'reengage.rule.create' : 'reengage.rule.update', targetType: 'reengage_rule', targetId: out.id, details: values })
        return out.id
      })
      return service.get(saved)
    },

    async remove(id: number, actorId: number | null): Promise<void> {
      await row(id)
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('reengage_rules').where('id', '=', id).execute()
        await audit(trx, { actorId, action: 'reengage.rule.delete', targetType: 'reengage_rule', targetId: id })
      })
    },

    /** How many members a rule would reach if it ran now (the console shows it beside each rule). */
    async wouldReach(id: number): Promise<number> {
      return (await due(await row(id), 100_000)).length
    },

    /** The rule's log, newest first. */
    async log(id: number, limit = 50) {
      await row(id)
      return db
        .selectFrom('reengage_log as l')
        .innerJoin('users as u', 'u.id', 'l.user_id')
        .select(['l.id', 'l.user_id', 'u.username', 'l.sent_at', 'l.outcome'])
        .where('l.rule_id', '=', id)
        .orderBy('l.id', 'desc')
        .limit(limit)
        .execute()
    },

    /**
     * One run of every enabled rule (the schedule's, or "Run now"): the members each rule finds are logged and their
     * jobs queued together, so a member is never queued twice for one period, even by two runs at once.
     */
    async run(): Promise<number> {
      let queued = 0
      for (const rule of await db.selectFrom('reengage_rules').selectAll().where('enabled', '=', 1).orderBy('id').execute()) {
        const members = await due(rule)
        await db.transaction().execute(async (trx) => {
          for (const userId of members) {
            const l = await trx.insertInto('reengage_log').values({ rule_id: rule.id, user_id: userId, sent_at: now(), outcome: 'queued' }).returning('id').executeTakeFirstOrThrow()
            await queue.enqueueIn(trx, REENGAGE_JOB, { logId: l.id })
          }
          await trx.updateTable('reengage_rules').set({ last_run_at: now() }).where('id', '=', rule.id).execute()
        })
        queued += members.length
      }
      if (queued) log.info({ queued }, 're-engagement reminders queued')
      return queued
    },

    /** Reach one member for one logged run (the job): by the rule's action, as their own choices allow. */
    async send(logId: number): Promise<string> {
      const entry = await db.selectFrom('reengage_log').selectAll().where('id', '=', logId).executeTakeFirst()
      const rule = entry && (await db.selectFrom('reengage_rules').selectAll().where('id', '=', entry.rule_id).executeTakeFirst())
      const u = entry && (await db.selectFrom('users').selectAll().where('id', '=', entry.user_id).executeTakeFirst())
      if (!entry || !rule || !u || entry.outcome !== 'queued') return 'skipped'
      const origin = await emails.scheduledOrigin(deps.config.publicUrl)
      const siteName = await settings.get('site.name')
      let outcome = 'skipped'
      if (rule.action === 'digest') {
        if (origin && (await emails.sendDigest(u.id, origin))) outcome = 'sent'
      } else if (rule.action === 'email') {
        if (origin && (await mail.configured()) && (await emails.reachable(u)) && (await emails.get(u.id)).announcements) {
          const unsubscribe = await emails.unsubscribeUrl(origin, u.id, 'announcements')
          const message = composeMail(u.email, siteName, {
            subject: `${rule.name} · ${siteName}`,
            greeting: `Hi @${u.username},`,
            paragraphs: markdownParagraphs(rule.message),
            action: { label: `Open ${siteName}`, url: `${origin}/` },
            footer: `You get reminders from the team because of your email settings (${origin}/settings/emails). Stop these emails: ${unsubscribe}`,
          })
          message.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
          await mail.enqueue(message)
          outcome = 'sent'
        }
      } else if (await notifications.wants(u.id, 'announcement')) {
        const r = await push.deliver(u.id, { title: siteName, body: markdownToText(rule.message).slice(0, 300), url: '/', tag: `reengage-${rule.id}`, unread: await notifications.unreadCount(u.id) })
        if (r.sent > 0) outcome = 'sent'
      }
      await db.updateTable('reengage_log').set({ outcome }).where('id', '=', logId).execute()
      return outcome
    },
  }
  return service
}
