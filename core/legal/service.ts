// Rules and legal pages: the operator publishes versions of the terms, privacy policy, community rules and about
// page; members accept them at sign-up and again when a version asks it. Why it works this way: decision 049.
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { audit } from '../audit.js'
import { notFound } from '../errors.js'
import { renderMarkdown } from '../text/markdown.js'
import { parse } from '../validation.js'
import { LEGAL_KINDS, type LegalDocumentRow, type LegalKind } from './tables.js'

export const publishInput = z.object({
  body: z.string({ error: 'Write the document.' }).trim().min(1, 'Write the document.').max(100_000, 'Keep it under 100000 characters.'),
  note: z.string().trim().max(500, 'Keep the note under 500 characters.').default(''),
  requires_acceptance: z.boolean({ error: 'requires_acceptance is true or false.' }).default(true),
})

export const isLegalKind = (k: string | undefined): k is LegalKind => k !== undefined && Object.hasOwn(LEGAL_KINDS, k)

/** A version as pages and the API show it. */
export interface LegalDocument {
  id: number
  kind: LegalKind
  title: string
  version: number
  body: string
  html: string
  note: string
  requires_acceptance: boolean
  published_at: string
}

const view = (r: LegalDocumentRow): LegalDocument => ({
  id: r.id,
  kind: r.kind,
  title: LEGAL_KINDS[r.kind],
  version: r.version,
  body: r.body,
  html: renderMarkdown(r.body),
  note: r.note,
  requires_acceptance: r.requires_acceptance === 1,
  published_at: r.published_at,
})

/** The newest version of each kind, and the revision members must have accepted (the newest id that asks it; 0: none). */
interface Current {
  latest: Map<LegalKind, LegalDocument>
  revision: number
}

const GUIDELINES_KEY = 'legal.guidelines_dismissed'

export type LegalService = ReturnType<typeof createLegalService>

/** `dataVersion` (the store's) lets the current versions be kept in memory until another process publishes one. */
export function createLegalService(deps: { db: Db; dataVersion?: () => number }) {
  const { db } = deps
  let kept: { at: number | undefined; value: Current } | null = null

  async function current(): Promise<Current> {
    const at = deps.dataVersion?.()
    if (kept && at !== undefined && kept.at === at) return kept.value
    const rows = await db
      .selectFrom('legal_documents as d')
      .selectAll()
      .where(({ eb, selectFrom }) => eb('d.version', '=', selectFrom('legal_documents as n').select((e) => e.fn.max('n.version').as('v')).whereRef('n.kind', '=', 'd.kind')))
      .execute()
    const need = await db.selectFrom('legal_documents').select((eb) => eb.fn.max('id').as('id')).where('requires_acceptance', '=', 1).executeTakeFirst()
    const value: Current = { latest: new Map(rows.map((r) => [r.kind, view(r)])), revision: Number(need?.id ?? 0) }
    kept = { at, value }
    return value
  }

  const service = {
    current,

    /** The revision a member must have accepted; 0 when nothing asks for acceptance. */
    async revision(): Promise<number> {
      return (await current()).revision
    },

    /** The documents a sign-up accepts (none until one asks for acceptance), as links for the checkbox. */
    async signupTerms(): Promise<{ href: string; title: string }[]> {
      const cur = await current()
      if (cur.revision === 0) return []
      return [...cur.latest.values()].filter((d) => d.kind !== 'about').map((d) => ({ href: `/${d.kind}`, title: d.title }))
    },

    /** The newest version of a kind, or one version of it; null when there is none. */
    async get(kind: LegalKind, version?: number): Promise<LegalDocument | null> {
      if (version === undefined) return (await current()).latest.get(kind) ?? null
      const r = await db.selectFrom('legal_documents').selectAll().where('kind', '=', kind).where('version', '=', version).executeTakeFirst()
      return r ? view(r) : null
    },

    /** Every version of a kind, newest first. */
    async versions(kind: LegalKind): Promise<LegalDocument[]> {
      return (await db.selectFrom('legal_documents').selectAll().where('kind', '=', kind).orderBy('version', 'desc').execute()).map(view)
    },

    /**
     * Publish a new version. With `requires_acceptance` (the default) every member accepts it on their next visit;
     * without (a typo fixed), nobody is asked.
     * @example await s.legal.publish('terms', { body: '# Terms\nBe kind.', note: 'First version' }, adminId)
     */
    async publish(kind: LegalKind, input: unknown, authorId: number | null): Promise<LegalDocument> {
      const d = parse(publishInput, input)
      const last = await db.selectFrom('legal_documents').select((eb) => eb.fn.max('version').as('v')).where('kind', '=', kind).executeTakeFirst()
      const version = Number(last?.v ?? 0) + 1
      const id = await db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('legal_documents')
          .values({ kind, version, body: d.body, note: d.note, requires_acceptance: d.requires_acceptance ? 1 : 0, author_id: authorId, published_at: now() })
          .returning('id')
          .executeTakeFirstOrThrow()
        await audit(trx, { actorId: authorId, action: 'legal.publish', targetType: 'legal', targetId: r.id, details: { kind, version, requires_acceptance: d.requires_acceptance, note: d.note } })
        return r.id
      })
      kept = null
      return view((await db.selectFrom('legal_documents').selectAll().where('id', '=', id).executeTakeFirstOrThrow()))
    },

    /** What a member who accepted up to `accepted` is asked to accept now: the newest versions that changed since. */
    async pendingFor(accepted: number): Promise<LegalDocument[]> {
      const cur = await current()
      if (accepted >= cur.revision) return []
      const changed = await db.selectFrom('legal_documents').select('kind').distinct().where('requires_acceptance', '=', 1).where('id', '>', accepted).execute()
      return changed.map((r) => cur.latest.get(r.kind)).filter((d): d is LegalDocument => !!d)
    },

    /** Record that a member accepts the current versions (at sign-up, or on the page that asks again). */
    async accept(userId: number): Promise<void> {
      const cur = await current()
      if (cur.revision === 0) return
      await db.transaction().execute(async (trx) => {
        for (const d of cur.latest.values()) {
          if (d.kind === 'about') continue
          await trx.insertInto('legal_acceptances').values({ user_id: userId, document_id: d.id, accepted_at: now() }).onConflict((oc) => oc.doNothing()).execute()
        }
        await trx.updateTable('users').set({ legal_accepted: cur.revision }).where('id', '=', userId).execute()
      })
    },

    /** The versions a member accepted, newest first (for them, and for staff answering a dispute). */
    async acceptedBy(userId: number) {
      return db
        .selectFrom('legal_acceptances as a')
        .innerJoin('legal_documents as d', 'd.id', 'a.document_id')
        .select(['d.kind', 'd.version', 'a.accepted_at'])
        .where('a.user_id', '=', userId)
        .orderBy('a.accepted_at', 'desc')
        .execute()
    },

    /** Whether the reminder of the community rules shows before posting or reporting: until dismissed for this version. */
    async guidelinesDue(userId: number): Promise<LegalDocument | null> {
      const rules = (await current()).latest.get('rules')
      if (!rules) return null
      const row = await db.selectFrom('user_preferences').select('value').where('user_id', '=', userId).where('key', '=', GUIDELINES_KEY).executeTakeFirst()
      return row && Number(JSON.parse(row.value)) >= rules.id ? null : rules
    },

    /** Hide the reminder until the rules change. */
    async dismissGuidelines(userId: number): Promise<void> {
      const rules = (await current()).latest.get('rules')
      if (!rules) throw notFound('The community rules')
      const value = JSON.stringify(rules.id)
      await db.insertInto('user_preferences').values({ user_id: userId, key: GUIDELINES_KEY, value }).onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ value })).execute()
    },
  }
  return service
}
