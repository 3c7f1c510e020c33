// Small building blocks for forms and pages, shared by core pages, themes and plugins.
import type { ComponentChildren } from 'preact'
import { escapeValue, raw } from './html.js'
import { Icon } from './icons.js'

/** The last token's field: a page's forms (79 on the home page) all carry the same one. */
let field = { token: '', html: '<input type="hidden" name="_csrf" value=""/>' }

export function CsrfField({ token }: { token: string }) {
  if (field.token !== token) field = { token, html: `<input type="hidden" name="_csrf" value="${escapeValue(token)}"/>` }
  // Written as is by the serializer (core/views/html.ts): the same markup, without its attribute work.
  return raw(field.html)
}

/** A labelled input with its error message tied to it for screen readers. */
export function Field(props: {
  name: string
  label: string
  type?: string
  value?: string
  error?: string
  hint?: string
  autocomplete?: string
  required?: boolean
  inputmode?: 'numeric' | 'text' | 'email'
  pattern?: string
  maxLength?: number
  autofocus?: boolean
  /** A few lines of text (a textarea) instead of one. */
  multiline?: boolean
}) {
  const id = `f-${props.name}`
  const described = [props.error ? `${id}-error` : null, props.hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined
  return (
    <div class={props.error ? 'field field-invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea id={id} name={props.name} rows={3} required={props.required} maxLength={props.maxLength} aria-invalid={props.error ? 'true' : undefined} aria-describedby={described}>
          {props.value}
        </textarea>
      ) : (
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        autocomplete={props.autocomplete}
        required={props.required}
        inputMode={props.inputmode}
        pattern={props.pattern}
        maxLength={props.maxLength}
        autofocus={props.autofocus}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described}
      />
      )}
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      {props.error && <p class="error" id={`${id}-error`}>{props.error}</p>}
    </div>
  )
}

/** The form-level message shown above the fields. */
export function FormError({ message }: { message?: string | null }) {
  if (!message) return null
  return (
    <p class="alert alert-error" role="alert">
      {message}
    </p>
  )
}

export function Card({ title, children }: { title?: string; children: ComponentChildren }) {
  return (
    <section class="card">
      {title && <h2>{title}</h2>}
      {children}
    </section>
  )
}


export { displayName } from '../users/display-name.js'

/**
 * The verified badge beside a member's name (nothing when they are not verified): an icon that says "Verified" to
 * screen readers and on hover. Every place that shows a name puts it right after the name.
 * @example <a href={`/u/${a.username}`}>{a.display_name}</a><VerifiedBadge member={a} />
 */
export function VerifiedBadge({ member }: { member: { verified?: boolean } }) {
  if (!member.verified) return null
  return (
    <span class="verified-badge" data-verified title="Verified">
      <Icon name="badge-check" label="Verified" />
    </span>
  )
}

/**
 * A friendly empty list: an icon, what is missing, why, and the links that fill it. Lists take it (or a plain
 * sentence, drawn as its title) as `empty`.
 * @example <EmptyState icon="bookmark" title="Nothing saved yet" links={[{ href: '/explore', label: 'Explore' }]}>Save a post with the bookmark under it.</EmptyState>
 */
export function EmptyState({ icon = 'inbox', title, children, links = [] }: { icon?: string; title: string; children?: ComponentChildren; links?: { href: string; label: string }[] }) {
  return (
    <div class="card empty-state" data-empty>
      <Icon name={icon} />
      <p class="empty-title">{title}</p>
      {children && <p class="muted">{children}</p>}
      {links.length > 0 && (
        <p class="empty-links">
          {links.map((l, i) => (
            <a class={i === 0 ? 'button' : 'button secondary'} href={l.href}>
              {l.label}
            </a>
          ))}
        </p>
      )}
    </div>
  )
}

/**
 * A one-button form: how a page sends an action without JavaScript (a POST carrying the CSRF token; the route
 * answers with a 303 back). `title` names the button for screen readers when its label is short ("Remove").
 * @example <ActionForm action={`/groups/${id}/leave`} csrf={csrf} label="Leave" class="secondary" />
 */
export function ActionForm(props: { action: string; csrf: string; label: ComponentChildren; fields?: Record<string, string>; class?: string; title?: string }) {
  return (
    <form method="post" action={props.action} class="inline-form">
      <CsrfField token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.class} aria-label={props.title}>
        {props.label}
      </button>
    </form>
  )
}

/** One column of a `DataTable`: its heading and what each row shows in it. */
export interface DataColumn<T> {
  /** The heading; with `hideLabel`, read by screen readers only (an actions column). */
  label: string
  hideLabel?: boolean
  cell: (row: T) => ComponentChildren
}

/**
 * A table of rows for staff pages (the console's sections, a plugin's admin views): scrolls sideways on a phone,
 * headings scoped for screen readers, and a sentence instead of an empty table.
 * @example <DataTable rows={rules} empty="No rules yet." rowData={(r) => ({ 'data-rule': r.id })} columns={[{ label: 'Rule', cell: (r) => r.name }, { label: 'Remove', hideLabel: true, cell: (r) => <ActionForm ... /> }]} />
 */
export function DataTable<T>(props: {
  rows: readonly T[]
  columns: readonly DataColumn<T>[]
  empty?: ComponentChildren
  caption?: string
  /** What the table is, for screen readers reaching its scrolling box (default: the caption, else "Table"). */
  label?: string
  rowData?: (row: T) => Record<string, string | number>
  tableData?: Record<string, string | number>
}) {
  if (!props.rows.length) return props.empty === undefined ? null : <p class="muted">{props.empty}</p>
  // The box scrolls sideways on a phone: focusable, so a keyboard can scroll it too (WCAG 2.1.1).
  return (
    <div class="table-wrap" tabindex={0} role="region" aria-label={props.label ?? props.caption ?? 'Table'}>
      <table {...props.tableData}>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((col) => (
              <th scope="col">{col.hideLabel ? <span class="visually-hidden">{col.label}</span> : col.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr {...props.rowData?.(row)}>
              {props.columns.map((col) => (
                <td>{col.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * The confirmation a page shows after an action came back (`?notice=KEY`), from a plugin's own sentences; an
 * unknown key shows nothing.
 * @example <Notice notices={NOTICES} notice={c.req.query('notice')} />
 */
export function Notice({ notices, notice }: { notices: Readonly<Record<string, string>>; notice?: string | null }) {
  if (!notice || !Object.hasOwn(notices, notice)) return null
  return (
    <p class="alert alert-ok" role="status" data-notice={notice}>
      {notices[notice]}
    </p>
  )
}

/**
 * The anti-spam proof of work of a form (core/access/proof.ts): a hidden field /static/proof.js fills in, a line
 * it writes to while it works, and a note for browsers without JavaScript. Nothing when `challenge` is null.
 */
export function ProofField({ challenge }: { challenge: string | null }) {
  if (!challenge) return null
  return (
    <>
      <input type="hidden" name="proof" value="" data-proof={challenge} />
      <p class="hint" data-proof-status aria-live="polite" />
      <noscript>
        <p class="hint">This form runs a short anti-spam check that needs JavaScript.</p>
      </noscript>
      <script src="/static/proof.js" defer />
    </>
  )
}
