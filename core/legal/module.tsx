// The legal folder as a core module: the public pages (/terms, /privacy, /rules, /about) and their footer links,
// the page that asks a member to accept changed versions on their next visit, the reminder of the community rules
// before posting or reporting, and Admin → Rules and legal pages.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { AdminSection } from '../admin/registry.js'
import type { CoreModule } from '../module.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { requireMember, safeNext } from '../http/middleware.js'
import { notFound } from '../errors.js'
import type { Services } from '../services.js'
import { renderMarkdown } from '../text/markdown.js'
import { CsrfField, FormError } from '../views/components.js'
import { Icon } from '../views/icons.js'
import type { LegalDocument, LegalService } from './service.js'
import { isLegalKind } from './service.js'
import { LEGAL_KINDS, type LegalKind } from './tables.js'
import type { GuidelineKind, SlotProps } from '../views/slots.js'

/** Paths a member asked to accept may still open: the documents themselves, the acceptance page, logging out, assets. */
const PASSES = /^\/(legal\/|terms|privacy|rules|about|logout|warnings|static\/|theme\/|plugins\/|media\/|app-icon|manifest|favicon|sw\.js|realtime)/
/** Pages the reminder of the community rules shows on: writing a post, and reporting. */
const GUIDELINE_PAGES = /^\/(compose|report)(\/|$)/

/**
 * Sends a member who has not accepted the current terms or rules to the page that asks, from any page they open
 * (a GET of a page; the API answers as usual and lists what is pending at /api/v1/legal). What they accepted is on
 * the users row the request already loaded, and the current revision is kept in memory, so this costs nothing.
 */
export function legalGate(legal: LegalService): MiddlewareHandler<AppEnv> {
  return async function legalGate(c, next) {
    const account = c.get('account')
    if (!account || c.req.method !== 'GET' || c.req.path.startsWith('/api/') || c.req.header('hx-request') || PASSES.test(c.req.path)) return next()
    if (account.legal_accepted >= (await legal.revision())) return next()
    return c.redirect(`/legal/accept?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}`, 303)
  }
}

const day = (iso: string) => iso.slice(0, 10)

function DocumentPage({ doc, versions, rulesFallback }: { doc: LegalDocument | null; versions: LegalDocument[]; rulesFallback?: string[] }) {
  return (
    <article class="card stack prose" data-legal={doc?.kind}>
      {doc ? (
        <>
          <h1>{doc.title}</h1>
          <p class="muted">
            Version {doc.version}, published {day(doc.published_at)}
          </p>
          <div dangerouslySetInnerHTML={{ __html: doc.html }} />
          {versions.length > 1 && (
            <details>
              <summary>Earlier versions</summary>
              <ul>
                {versions
                  .filter((v) => v.id !== doc.id)
                  .map((v) => (
                    <li>
                      <a href={`/${v.kind}?version=${v.version}`}>
                        Version {v.version}, {day(v.published_at)}
                      </a>
                      {v.note && ` · ${v.note}`}
                    </li>
                  ))}
              </ul>
            </details>
          )}
        </>
      ) : (
        <>
          <h1>{LEGAL_KINDS.rules}</h1>
          <ol>
            {rulesFallback!.map((r) => (
              <li>{r}</li>
            ))}
          </ol>
        </>
      )}
    </article>
  )
}

const GUIDELINE_HEADINGS: Record<GuidelineKind, string> = {
  post: 'Before you post, remember the community rules',
  report: 'Before you report, read the community rules',
  message: 'Before you write, remember the community rules',
}

function GuidelinePrompt({ rules, csrfToken, path, kind }: { rules: LegalDocument; csrfToken: string; path: string; kind: GuidelineKind }) {
  // The first paragraph (or list) is the reminder; the whole rules are one link away.
  const short = rules.body.split(/\n\s*\n/)[0] ?? ''
  return (
    <aside class="guideline-prompt card" role="note" aria-label="Community rules" data-guidelines={rules.version}>
      <div class="stack">
        <strong>
          <Icon name="scroll-text" /> {GUIDELINE_HEADINGS[kind]}
        </strong>
        <div class="prose" dangerouslySetInnerHTML={{ __html: renderMarkdown(short) }} />
        <a href="/rules">Read all the rules</a>
      </div>
      <form method="post" action="/legal/guidelines/dismiss" class="inline-form">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="next" value={path} />
        <button type="submit" class="secondary">
          Got it, don’t show again
        </button>
      </form>
    </aside>
  )
}

function legalSection(s: Services): AdminSection {
  const page = async (c: Context<AppEnv>, failed?: { kind: LegalKind; problem: FormProblem; values: Record<string, string> }) => {
    const csrf = c.get('csrfToken')
    const kinds = Object.keys(LEGAL_KINDS) as LegalKind[]
    const docs = await Promise.all(kinds.map(async (k) => ({ kind: k, versions: await s.legal.versions(k) })))
    return s.admin.page(
      c,
      { title: 'Rules and legal pages', status: failed?.problem.status ?? 200 },
      <>
        <p class="hint">
          Written in Markdown-lite (**bold**, *italic*, [links](https://…), lists, # headings; HTML shows as text). Each publish is a new version, kept. A version that asks for acceptance is shown
          to every member on their next visit, and accepted at sign-up with a checkbox.
        </p>
        {docs.map(({ kind, versions }) => {
          const latest = versions[0]
          const v = failed?.kind === kind ? failed.values : { body: latest?.body ?? '', note: '', requires: kind === 'about' ? '' : 'on' }
          return (
            <section class="card stack" data-legal-kind={kind} id={kind}>
              <h2>
                {LEGAL_KINDS[kind]}{' '}
                <span class="muted">{latest ? `version ${latest.version}, ${day(latest.published_at)}` : 'not published'}</span>
              </h2>
              {latest && (
                <p>
                  <a href={`/${kind}`}>/{kind}</a>
                </p>
              )}
              <form method="post" action={`/admin/legal/${kind}`} class="stack">
                <CsrfField token={csrf} />
                {failed?.kind === kind && <FormError message={failed.problem.message} />}
                <div class="field">
                  <label for={`legal-${kind}-body`}>Text</label>
                  <textarea id={`legal-${kind}-body`} name="body" rows={10} maxLength={100000}>
                    {v.body}
                  </textarea>
                </div>
                <div class="field">
                  <label for={`legal-${kind}-note`}>What changed (members see it)</label>
                  <input id={`legal-${kind}-note`} name="note" value={v.note} maxLength={500} />
                </div>
                <label class="check">
                  <input type="checkbox" name="requires" checked={!!v.requires} /> Members must accept this version
                </label>
                <button type="submit">Publish a new version</button>
              </form>
            </section>
          )
        })}
      </>,
    )
  }
  const kindParam = (c: Context<AppEnv>): LegalKind => {
    const k = c.req.param('kind')
    if (!isLegalKind(k)) throw notFound('That document')
    return k
  }
  return {
    id: 'legal',
    label: 'Rules and legal',
    icon: 'scroll-text',
    order: 60,
    need: 'manage_settings',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/:kind', async (c) => {
        const kind = kindParam(c)
        const form = await formFields(c)
        const res = await attempt(() => s.legal.publish(kind, { body: form.body, note: form.note, requires_acceptance: !!form.requires }, c.get('viewer')!.id))
        if (!res.ok) return page(c, { kind, problem: res.problem, values: form })
        flash(c, 'ok', `${res.value.title}: version ${res.value.version} is published${res.value.requires_acceptance ? '; members accept it on their next visit' : ''}.`)
        return c.redirect('/admin/legal', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, Object.fromEntries(await Promise.all((Object.keys(LEGAL_KINDS) as LegalKind[]).map(async (k) => [k, await s.legal.versions(k)])))))
      r.post('/:kind', async (c) => ok(c, await s.legal.publish(kindParam(c), await jsonBody(c), c.get('viewer')!.id), 201))
    },
  }
}

export const legalModule: CoreModule = {
  name: 'legal',
  wire(s) {
    s.admin.addSection('core', legalSection(s))
    s.ui.addSlot('layout.footer', 'core', async () => {
      const latest = (await s.legal.current()).latest
      if (!latest.size) return null
      return (
        <nav class="legal-links" aria-label="Rules and legal">
          {(Object.keys(LEGAL_KINDS) as LegalKind[])
            .filter((k) => latest.has(k))
            .map((k) => (
              <a href={`/${k}`}>{LEGAL_KINDS[k]}</a>
            ))}
        </nav>
      )
    })
    // One reminder: on core's compose and report pages (the banner), and above plugins' forms (`ctx.http.guidelines`).
    const prompt = async ({ viewer, csrfToken, path, kind }: SlotProps['form.guidelines']) => {
      const rules = await s.legal.guidelinesDue(viewer.id)
      return rules && <GuidelinePrompt rules={rules} csrfToken={csrfToken} path={path} kind={kind} />
    }
    s.ui.addSlot('form.guidelines', 'core', prompt)
    s.ui.addSlot('layout.banner', 'core', async ({ viewer, csrfToken, path }) => {
      if (!GUIDELINE_PAGES.test(path)) return null
      return prompt({ viewer, csrfToken, path, kind: path.startsWith('/report') ? 'report' : 'post' })
    })
  },
  middleware: (s) => legalGate(s.legal),
  pages(s) {
    const app = new Hono<AppEnv>()
    for (const kind of Object.keys(LEGAL_KINDS) as LegalKind[]) {
      app.get(`/${kind}`, async (c) => {
        const asked = c.req.query('version')
        const version = asked === undefined ? undefined : /^[0-9]{1,6}$/.test(asked) ? Number(asked) : -1
        const doc = await s.legal.get(kind, version)
        // Before the operator writes rules here, the older one-rule-a-line setting still shows at /rules.
        const fallback = kind === 'rules' && !doc && version === undefined ? (await s.settings.get('site.rules')).split('\n').map((l) => l.trim()).filter(Boolean) : []
        if (!doc && !fallback.length) throw notFound(`The ${LEGAL_KINDS[kind].toLowerCase()} page`)
        return s.render.page(c, { title: doc?.title ?? LEGAL_KINDS[kind] }, <DocumentPage doc={doc} versions={doc ? await s.legal.versions(kind) : []} rulesFallback={fallback} />)
      })
    }
    app.get('/legal/accept', requireMember, async (c) => {
      const pending = await s.legal.pendingFor(c.get('account')!.legal_accepted)
      const next = safeNext(c.req.query('next'))
      if (!pending.length) return c.redirect(next, 303)
      return s.render.page(
        c,
        { title: 'Updated terms' },
        <section class="card stack" data-legal-accept>
          <h1>We updated our {pending.length === 1 ? pending[0]!.title.toLowerCase() : 'terms and rules'}</h1>
          <p>Please read what changed and accept to go on.</p>
          <ul class="stack">
            {pending.map((d) => (
              <li data-pending={d.kind}>
                <a href={`/${d.kind}`} target="_blank">
                  {d.title}
                </a>{' '}
                <span class="muted">
                  version {d.version}, {day(d.published_at)}
                </span>
                {d.note && <p>{d.note}</p>}
              </li>
            ))}
          </ul>
          <form method="post" action="/legal/accept" class="stack">
            <CsrfField token={c.get('csrfToken')} />
            <input type="hidden" name="next" value={next} />
            <button type="submit">I accept</button>
          </form>
          <form method="post" action="/logout">
            <CsrfField token={c.get('csrfToken')} />
            <button type="submit" class="link">
              Log out instead
            </button>
          </form>
        </section>,
      )
    })
    app.post('/legal/accept', requireMember, async (c) => {
      await s.legal.accept(c.get('viewer')!.id)
      const form = await c.req.parseBody()
      flash(c, 'ok', 'Thank you: accepted.')
      return c.redirect(safeNext(typeof form.next === 'string' ? form.next : null), 303)
    })
    app.post('/legal/guidelines/dismiss', requireMember, async (c) => {
      await s.legal.dismissGuidelines(c.get('viewer')!.id)
      const form = await c.req.parseBody()
      return c.redirect(safeNext(typeof form.next === 'string' ? form.next : null), 303)
    })
    return app
  },
  api(s) {
    const app = new Hono<AppEnv>()
    app.get('/legal', async (c) => {
      const account = c.get('account')
      const latest = [...(await s.legal.current()).latest.values()]
      return ok(c, { documents: latest, pending: account ? (await s.legal.pendingFor(account.legal_accepted)).map((d) => d.kind) : [] })
    })
    app.get('/legal/:kind', async (c) => {
      const kind = c.req.param('kind')
      const asked = c.req.query('version')
      const doc = isLegalKind(kind) ? await s.legal.get(kind, asked === undefined ? undefined : /^[0-9]{1,6}$/.test(asked) ? Number(asked) : -1) : null
      if (!doc) throw notFound('That document')
      return ok(c, doc)
    })
    app.post('/legal/accept', requireMember, async (c) => {
      await s.legal.accept(c.get('viewer')!.id)
      return ok(c, { pending: [] })
    })
    app.post('/legal/guidelines/dismiss', requireMember, async (c) => {
      await s.legal.dismissGuidelines(c.get('viewer')!.id)
      return ok(c, { dismissed: true })
    })
    return app
  },
}
