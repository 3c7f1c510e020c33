// Admin → Curation: featured posts and hashtags (moderate content), categories and default hashtags (manage settings),
// the page and the same in the API. Every change is audited by the service.
import type { Context } from 'hono'
import type { AdminSection } from '../admin/registry.js'
import { validationFailed } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { idParam } from '../http/params.js'
import type { Services } from '../services.js'
import { allows } from '../users/permissions.js'
import { ActionForm, CsrfField, DataTable, FormError } from '../views/components.js'
import type { CategoryView, CurationService, FeaturedPostEntry, FeaturedTagEntry } from './service.js'

/** A post named by its id or its address (`https://site/p/42`, `/p/42`). */
export function postIdFrom(raw: string | undefined): number {
  const text = (raw ?? '').trim()
  const m = /^(\d{1,15})$/.exec(text) ?? /\/p\/(\d{1,15})(?:[/?#]|$)/.exec(text)
  if (!m) throw validationFailed({ post: 'Give the post’s number or its address (…/p/42).' })
  return Number(m[1])
}

/** A time from a form's `datetime-local` (read as UTC, as the composer does), or null when empty. */
export function untilFrom(raw: string | undefined): string | null {
  const v = (raw ?? '').trim()
  if (!v) return null
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v) ? `${v}:00Z` : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(v) ? `${v}Z` : v
}

const numberFrom = (raw: string | undefined, fallback = 0) => (raw === undefined || raw.trim() === '' ? fallback : Number(raw))
const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'no end')

interface Shown {
  posts: FeaturedPostEntry[]
  tags: FeaturedTagEntry[]
  categories: CategoryView[]
  defaults: string[]
  counts: Map<string, number>
}

/** A featured thing's place and end, as both featuring forms ask them. */
function PlacingFields({ id, position, until }: { id: string; position: string; until: string }) {
  return (
    <>
      <div class="field">
        <label for={`${id}-position`}>Position (0 first)</label>
        <input id={`${id}-position`} name="position" type="number" min={0} max={10000} value={position || '0'} />
      </div>
      <div class="field">
        <label for={`${id}-until`}>Featured until (optional, UTC)</label>
        <input id={`${id}-until`} name="until" type="datetime-local" value={until} />
      </div>
    </>
  )
}

function CurationPage(props: Shown & { csrf: string; settings: boolean; problem?: FormProblem; values?: Record<string, string>; form?: string }) {
  const { csrf } = props
  const problemOf = (form: string) => (props.form === form ? props.problem?.message : undefined)
  const v = (form: string, key: string) => (props.form === form ? (props.values?.[key] ?? '') : '')
  return (
    <>
      <section class="card stack" data-curation="posts">
        <h2>Featured posts</h2>
        <p class="hint">Shown first on Explore, lowest position first. Only public posts anyone may open: a post that becomes private, is deleted or whose author blocks a viewer drops out by itself.</p>
        <DataTable
          rows={props.posts}
          label="Featured posts"
          empty="No featured posts."
          rowData={(p) => ({ 'data-featured-post': p.post_id })}
          columns={[
            { label: 'Post', cell: (p) => <a href={`/p/${p.post_id}`}>{p.excerpt || `Post ${p.post_id}`}</a> },
            { label: 'Position', cell: (p) => p.position },
            { label: 'Until', cell: (p) => when(p.until) },
            { label: 'On Explore', cell: (p) => (p.shown ? 'Shown' : 'Not shown (no longer public, or ended)') },
            { label: 'By', cell: (p) => (p.featured_by ? `@${p.featured_by}` : '') },
            { label: 'Actions', hideLabel: true, cell: (p) => <ActionForm action={`/admin/curation/posts/${p.post_id}/remove`} csrf={csrf} label="Remove" title={`Remove post ${p.post_id} from the featured`} class="secondary" /> },
          ]}
        />
        <form method="post" action="/admin/curation/posts" class="stack">
          <CsrfField token={csrf} />
          <FormError message={problemOf('posts')} />
          <div class="field">
            <label for="c-post">Post (its number or address)</label>
            <input id="c-post" name="post" value={v('posts', 'post')} required maxLength={300} />
          </div>
          <PlacingFields id="c-post" position={v('posts', 'position')} until={v('posts', 'until')} />
          <button type="submit">Feature the post</button>
        </form>
      </section>

      <section class="card stack" data-curation="hashtags">
        <h2>Featured hashtags</h2>
        <p class="hint">Listed first among trending hashtags on Explore and in the API.</p>
        <DataTable
          rows={props.tags}
          label="Featured hashtags"
          empty="No featured hashtags."
          rowData={(t) => ({ 'data-featured-tag': t.tag })}
          columns={[
            { label: 'Hashtag', cell: (t) => <a href={`/tags/${encodeURIComponent(t.tag)}`}>#{t.tag}</a> },
            { label: 'Position', cell: (t) => t.position },
            { label: 'Until', cell: (t) => when(t.until) },
            { label: 'On Explore', cell: (t) => (t.shown ? 'Shown' : 'Ended') },
            { label: 'Actions', hideLabel: true, cell: (t) => <ActionForm action={`/admin/curation/hashtags/${encodeURIComponent(t.tag)}/remove`} csrf={csrf} label="Remove" title={`Remove #${t.tag} from the featured`} class="secondary" /> },
          ]}
        />
        <form method="post" action="/admin/curation/hashtags" class="stack">
          <CsrfField token={csrf} />
          <FormError message={problemOf('hashtags')} />
          <div class="field">
            <label for="c-tag">Hashtag</label>
            <input id="c-tag" name="tag" value={v('hashtags', 'tag')} required maxLength={65} />
          </div>
          <PlacingFields id="c-tag" position={v('hashtags', 'position')} until={v('hashtags', 'until')} />
          <button type="submit">Feature the hashtag</button>
        </form>
      </section>

      <section class="card stack" data-curation="categories">
        <h2>Categories</h2>
        <p class="hint">Authors may file a post (and, with the live plugin, streamers a stream) under one (optional); each has a page at /explore/c/SLUG and members pick them as interests. A category turned off is hidden everywhere; its posts keep it.</p>
        <DataTable
          rows={props.categories}
          label="Categories"
          empty="No categories yet."
          rowData={(k) => ({ 'data-category': k.slug })}
          columns={[
            { label: 'Name', cell: (k) => (k.enabled ? <a href={`/explore/c/${k.slug}`}>{k.name}</a> : k.name) },
            { label: 'Slug', cell: (k) => <code>{k.slug}</code> },
            { label: 'Position', cell: (k) => k.position },
            { label: 'Status', cell: (k) => (k.enabled ? 'On' : 'Off') },
            { label: 'Posts', cell: (k) => props.counts.get(k.slug) ?? 0 },
            {
              label: 'Actions',
              hideLabel: true,
              cell: (k) =>
                props.settings && (
                  <>
                    <ActionForm action={`/admin/curation/categories/${k.slug}`} csrf={csrf} fields={{ enabled: k.enabled ? 'off' : 'on' }} label={k.enabled ? 'Turn off' : 'Turn on'} title={`${k.enabled ? 'Turn off' : 'Turn on'} ${k.name}`} class="secondary" />{' '}
                    <ActionForm action={`/admin/curation/categories/${k.slug}/delete`} csrf={csrf} label="Delete" title={`Delete ${k.name}`} class="secondary" />
                  </>
                ),
            },
          ]}
        />
        {props.settings ? (
          <form method="post" action="/admin/curation/categories" class="stack">
            <CsrfField token={csrf} />
            <FormError message={problemOf('categories')} />
            <div class="field">
              <label for="c-cat-name">Name</label>
              <input id="c-cat-name" name="name" value={v('categories', 'name')} required maxLength={60} />
            </div>
            <div class="field">
              <label for="c-cat-slug">Slug (optional: made from the name)</label>
              <input id="c-cat-slug" name="slug" value={v('categories', 'slug')} maxLength={40} pattern="[a-z0-9][a-z0-9\-]*" />
            </div>
            <div class="field">
              <label for="c-cat-description">Description (optional)</label>
              <textarea id="c-cat-description" name="description" maxLength={300}>{v('categories', 'description')}</textarea>
            </div>
            <div class="field">
              <label for="c-cat-position">Position (0 first)</label>
              <input id="c-cat-position" name="position" type="number" min={0} max={10000} value={v('categories', 'position') || '0'} />
            </div>
            <button type="submit">Add the category</button>
          </form>
        ) : (
          <p class="muted">Changing categories needs the “manage settings” permission.</p>
        )}
      </section>

      <section class="card stack" data-curation="defaults">
        <h2>Default hashtags</h2>
        <p class="hint">Suggested to new members as interests (the same list as Admin → Onboarding), and shown on Explore while few hashtags trend.</p>
        {props.settings ? (
          <form method="post" action="/admin/curation/default-hashtags" class="stack">
            <CsrfField token={csrf} />
            <FormError message={problemOf('defaults')} />
            <div class="field">
              <label for="c-defaults">Hashtags (separated by spaces, commas or lines)</label>
              <textarea id="c-defaults" name="hashtags" maxLength={2500}>{props.form === 'defaults' ? v('defaults', 'hashtags') : props.defaults.map((t) => `#${t}`).join(' ')}</textarea>
            </div>
            <button type="submit">Save the default hashtags</button>
          </form>
        ) : (
          <p>{props.defaults.length ? props.defaults.map((t) => `#${t}`).join(' ') : 'None.'}</p>
        )}
      </section>
    </>
  )
}

export function curationSection(s: Services, curation: CurationService): AdminSection {
  const shown = async (): Promise<Shown> => {
    const counts = await s.db.selectFrom('posts').innerJoin('categories', 'categories.id', 'posts.category_id').select(['categories.slug', (e) => e.fn.countAll<number>().as('n')]).groupBy('categories.slug').execute()
    return {
      posts: await curation.featuredPostEntries(),
      tags: await curation.featuredTagEntries(),
      categories: await curation.categories({ all: true }),
      defaults: await curation.defaultTags(),
      counts: new Map(counts.map((r) => [r.slug, Number(r.n)])),
    }
  }
  const page = async (c: Context<AppEnv>, extra: { problem?: FormProblem; values?: Record<string, string>; form?: string } = {}) =>
    s.admin.page(c, { title: 'Curation', status: extra.problem?.status }, <CurationPage {...(await shown())} csrf={c.get('csrfToken')} settings={allows(c.get('viewer'), 'manage_settings')} {...extra} />)
  /** A form's action: done, a flash and back to the page; refused, the page again with the message beside the form. */
  const act = (form: string, fn: (c: Context<AppEnv>, values: Record<string, string>) => Promise<string>) => async (c: Context<AppEnv>) => {
    const values = await formFields(c)
    const r = await attempt(() => fn(c, values))
    if (!r.ok) return page(c, { problem: r.problem, values, form })
    flash(c, 'ok', r.value)
    return c.redirect('/admin/curation', 303)
  }
  const actor = (c: Context<AppEnv>) => c.get('viewer')!.id
  const tagsFrom = (text: string | undefined) => (text ?? '').split(/[\s,]+/).map((t) => t.trim()).filter(Boolean)

  return {
    id: 'curation',
    label: 'Curation',
    icon: 'sparkles',
    order: 35,
    need: 'moderate_content',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post(
        '/posts',
        act('posts', async (c, f) => {
          const e = await curation.featurePost({ post_id: postIdFrom(f.post), position: numberFrom(f.position), until: untilFrom(f.until) }, actor(c))
          return `Post ${e.post_id} is featured on Explore.`
        }),
      )
      r.post(
        '/posts/:id/remove',
        act('posts', async (c) => {
          const id = idParam(c, 'id', 'That featured post')
          await curation.unfeaturePost(id, actor(c))
          return `Post ${id} is no longer featured.`
        }),
      )
      r.post(
        '/hashtags',
        act('hashtags', async (c, f) => {
          const e = await curation.featureTag({ tag: f.tag ?? '', position: numberFrom(f.position), until: untilFrom(f.until) }, actor(c))
          return `#${e.tag} is featured among trending hashtags.`
        }),
      )
      r.post(
        '/hashtags/:tag/remove',
        act('hashtags', async (c) => {
          await curation.unfeatureTag(c.req.param('tag') ?? '', actor(c))
          return 'The hashtag is no longer featured.'
        }),
      )
      r.post(
        '/categories',
        act('categories', async (c, f) => {
          const k = await curation.createCategory({ name: f.name ?? '', slug: f.slug?.trim() || undefined, description: f.description ?? '', position: numberFrom(f.position) }, actor(c))
          return `The category “${k.name}” is added.`
        }),
        'manage_settings',
      )
      r.post(
        '/categories/:slug',
        act('categories', async (c, f) => {
          const k = await curation.updateCategory(c.req.param('slug') ?? '', { ...(f.enabled !== undefined && { enabled: f.enabled === 'on' }), ...(f.name !== undefined && { name: f.name }), ...(f.position !== undefined && { position: numberFrom(f.position) }), ...(f.description !== undefined && { description: f.description }) }, actor(c))
          return `“${k.name}” is ${k.enabled ? 'on' : 'off'}.`
        }),
        'manage_settings',
      )
      r.post(
        '/categories/:slug/delete',
        act('categories', async (c) => {
          await curation.removeCategory(c.req.param('slug') ?? '', actor(c))
          return 'The category is deleted; its posts have none now.'
        }),
        'manage_settings',
      )
      r.post(
        '/default-hashtags',
        act('defaults', async (c, f) => {
          const tags = await curation.setDefaultTags(tagsFrom(f.hashtags), actor(c))
          return tags.length ? `Default hashtags: ${tags.map((t) => `#${t}`).join(' ')}.` : 'There are no default hashtags now.'
        }),
        'manage_settings',
      )
    },
    api(r) {
      const body = async (c: Context<AppEnv>) => (await jsonBody(c)) as Record<string, unknown>
      r.get('/', async (c) => {
        const x = await shown()
        return ok(c, { featured_posts: x.posts, featured_hashtags: x.tags, categories: x.categories, default_hashtags: x.defaults })
      })
      r.get('/posts', async (c) => ok(c, await curation.featuredPostEntries()))
      r.post('/posts', async (c) => ok(c, await curation.featurePost(await body(c), actor(c)), 201))
      r.delete('/posts/:id', async (c) => {
        await curation.unfeaturePost(idParam(c, 'id', 'That featured post'), actor(c))
        return ok(c, { removed: true })
      })
      r.get('/hashtags', async (c) => ok(c, await curation.featuredTagEntries()))
      r.post('/hashtags', async (c) => ok(c, await curation.featureTag(await body(c), actor(c)), 201))
      r.delete('/hashtags/:tag', async (c) => {
        await curation.unfeatureTag(c.req.param('tag') ?? '', actor(c))
        return ok(c, { removed: true })
      })
      r.get('/categories', async (c) => ok(c, await curation.categories({ all: true })))
      r.post('/categories', async (c) => ok(c, await curation.createCategory(await body(c), actor(c)), 201), 'manage_settings')
      r.patch('/categories/:slug', async (c) => ok(c, await curation.updateCategory(c.req.param('slug') ?? '', await body(c), actor(c))), 'manage_settings')
      r.delete(
        '/categories/:slug',
        async (c) => {
          await curation.removeCategory(c.req.param('slug') ?? '', actor(c))
          return ok(c, { removed: true })
        },
        'manage_settings',
      )
      r.get('/default-hashtags', async (c) => ok(c, await curation.defaultTags()))
      r.put('/default-hashtags', async (c) => ok(c, await curation.setDefaultTags((await body(c)).hashtags ?? [], actor(c))), 'manage_settings')
    },
  }
}
