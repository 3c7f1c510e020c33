// Pages for posts: home feed, explore, hashtag pages, a post, and compose (works without JavaScript).
import { Hono, type Context } from 'hono'
import { postShareMeta } from './meta.js'
import { baseUrl } from '../views/meta.js'
import type { VNode } from 'preact'
import { AppError, notFound } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { streamForm } from '../http/body.js'
import { attempt, type FormProblem } from '../http/forms.js'
import { POST_FILES_MAX } from '../http/limits.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import { CsrfField, EmptyState, Field, FormError } from '../views/components.js'
import { template } from '../views/theme.js'
import { POST_TEXT_MAX } from './text.js'
import type { PostView } from './types.js'
import { PostCard, PostGrid, PostGridItems, PostList, PostMenu, postActions } from './views.js'
import { suggestionsRowFor } from '../views/suggestions.js'
import { CollectionPicker, CommentsSection } from './reactions.js'
import { QuoteCard, RepostMenu } from './repost-views.js'
import { safeNext } from '../http/middleware.js'

/** Fewer trending hashtags than this and Explore adds the operator's default ones (a young or quiet site). */
const FEW_TRENDING = 3

const ComposePage = template('post.compose', function ComposePage(props: { csrfToken: string; values?: Record<string, string>; problem?: FormProblem; maxFiles: number; limits: { image: number; video: number }; quote?: PostView | null; categories?: { slug: string; name: string }[] }) {
  const err = (f: string) => props.problem?.fields[f]
  const v = props.values ?? {}
  return (
    <section class="card">
      <h1>{props.quote ? 'Quote a post' : 'New post'}</h1>
      <FormError message={props.problem && !Object.keys(props.problem.fields).length ? props.problem.message : null} />
      <form method="post" action="/compose" enctype="multipart/form-data" data-compose data-image-max-mb={props.limits.image} data-video-max-mb={props.limits.video} novalidate>
        <CsrfField token={props.csrfToken} />
        {props.quote && <input type="hidden" name="quote_of" value={String(props.quote.id)} />}
        <div class={err('text') ? 'field field-invalid' : 'field'}>
          <label for="f-text">
            {props.quote ? 'Your comment' : 'What’s new?'} <span class="counter muted" data-counter>{`${(v.text ?? '').length} / ${POST_TEXT_MAX}`}</span>
          </label>
          <textarea id="f-text" name="text" maxLength={POST_TEXT_MAX} aria-describedby={err('text') ? 'f-text-error' : undefined}>{v.text ?? ''}</textarea>
          {err('text') && <p class="error" id="f-text-error">{err('text')}</p>}
        </div>
        {props.quote && (
          <div class="field" data-quoting={props.quote.id}>
            <p class="hint">Quoting:</p>
            <QuoteCard quote={{ available: true, post: props.quote }} />
          </div>
        )}
        {err('quote_of') && <p class="error">{err('quote_of')}</p>}
        <div class={err('media_ids') ? 'field field-invalid' : 'field'}>
          <label for="f-files">Photos and videos (up to {props.maxFiles})</label>
          <p class="hint">Photos up to {props.limits.image} MB, videos up to {props.limits.video} MB.</p>
          <input id="f-files" type="file" name="files" multiple accept="image/*,video/*" data-files />
          <div class="previews" data-previews aria-live="polite"></div>
          {err('media_ids') && <p class="error">{err('media_ids')}</p>}
        </div>
        {/* Without JavaScript the files travel in one input, so their descriptions are lines in order; the script
            replaces this with one field beside each preview. */}
        <div class={err('media_alt') ? 'field field-invalid' : 'field'} data-alt-lines>
          <label for="f-alt">Describe your photos and videos (alt text, one line each, in order; optional)</label>
          <textarea id="f-alt" name="media_alt_lines" rows={3} aria-describedby={err('media_alt') ? 'f-alt-error' : 'f-alt-hint'}>{v.media_alt_lines ?? ''}</textarea>
          <p class="hint" id="f-alt-hint">For people who use a screen reader or cannot load images.</p>
          {err('media_alt') && <p class="error" id="f-alt-error">{err('media_alt')}</p>}
        </div>
        <div class="field">
          <label>
            <input type="checkbox" name="sensitive" checked={v.sensitive === 'on'} /> Sensitive media: show my photos and videos behind a warning
          </label>
        </div>
        <div class="field">
          <label for="f-visibility">Who can see it</label>
          <select id="f-visibility" name="visibility">
            {[
              ['public', 'Everyone'],
              ['followers', 'Followers'],
              ['only_me', 'Only me'],
            ].map(([value, label]) => (
              <option value={value} selected={(v.visibility ?? 'public') === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {!!props.categories?.length && (
          <div class={err('category') ? 'field field-invalid' : 'field'}>
            <label for="f-category">Category (optional)</label>
            <select id="f-category" name="category" aria-describedby={err('category') ? 'f-category-error' : undefined}>
              <option value="">None</option>
              {props.categories.map((k) => (
                <option value={k.slug} selected={v.category === k.slug}>
                  {k.name}
                </option>
              ))}
            </select>
            {err('category') && <p class="error" id="f-category-error">{err('category')}</p>}
          </div>
        )}
        <div class={err('publish_at') ? 'field field-invalid' : 'field'}>
          <label for="f-publish">Publish later (optional, UTC)</label>
          <input id="f-publish" type="datetime-local" name="publish_at" value={v.publish_at ?? ''} />
          {err('publish_at') && <p class="error">{err('publish_at')}</p>}
        </div>
        <div class="field">
          <label>
            <input type="checkbox" name="comments_off" checked={v.comments_off === 'on'} /> Turn comments off
          </label>
          <label>
            <input type="checkbox" name="reposts_off" checked={v.reposts_off === 'on'} /> Turn reposts and quotes off
          </label>
        </div>
        <button type="submit">Post</button>
      </form>
      <script src="/static/compose.js" defer></script>
    </section>
  )
})

const EditPostPage = template('post.edit', function EditPostPage({ post, hiddenFrom, csrfToken, categories = [] }: { post: PostView; hiddenFrom: string[]; csrfToken: string; categories?: { slug: string; name: string }[] }) {
  return (
    <section class="card">
      <h1>Edit post</h1>
      <form method="post" action={`/p/${post.id}/edit`}>
        <CsrfField token={csrfToken} />
        <label for="f-edit">Text</label>
        <textarea id="f-edit" name="text" maxLength={POST_TEXT_MAX}>{post.text}</textarea>
        <Field name="hidden_from" label="Hide from (usernames, separated by commas)" value={hiddenFrom.join(', ')} hint="They will not see this post anywhere." />
        {categories.length > 0 && (
          <div class="field">
            <label for="f-edit-category">Category</label>
            {/* Sent only when changed: a category turned off since shows as None here, and stays on the post. */}
            <input type="hidden" name="category_was" value={post.category?.slug ?? ''} />
            <select id="f-edit-category" name="category">
              <option value="">None</option>
              {categories.map((k) => (
                <option value={k.slug} selected={post.category?.slug === k.slug}>
                  {k.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="actions">
          <select name="visibility" aria-label="Who can see it">
            {(['public', 'followers', 'only_me'] as const).map((v) => (
              <option value={v} selected={post.visibility === v}>
                {v === 'only_me' ? 'only me' : v}
              </option>
            ))}
          </select>
          <label>
            <input type="checkbox" name="comments_off" checked={!post.comments_enabled} /> comments off
          </label>
          <label>
            <input type="checkbox" name="reposts_off" checked={!post.reposts_enabled} /> reposts off
          </label>
          <label>
            <input type="checkbox" name="sensitive" checked={post.sensitive} /> sensitive media
          </label>
          <button type="submit">Save</button>
          <a href={`/p/${post.id}`}>Cancel</a>
        </div>
      </form>
    </section>
  )
})

export function postPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { render, posts, feed, media, ui } = s
  const viewerId = (c: Context<AppEnv>) => c.get('viewer')?.id ?? null

  /** A list page, or just the next page of the list for htmx's infinite scroll. */
  const listPage = async (c: Context<AppEnv>, title: string, head: VNode | null, list: { items: PostView[]; nextCursor: string | null }, base: string, empty: string) => {
    const actions = await postActions(ui, list.items, c.get('viewer'), c.get('csrfToken'))
    const more = (cursor: string) => `${base}${base.includes('?') ? '&' : '?'}cursor=${cursor}`
    const body = <PostList posts={list.items} next={list.nextCursor} moreUrl={more} empty={empty} actions={actions} csrfToken={c.get('csrfToken')} member={!!c.get('viewer')} />
    if (c.req.header('hx-request') && c.req.query('cursor')) return render.partial(c, body)
    return render.page(c, { title }, <>{head}{body}</>)
  }

  /**
   * Explore: a mosaic of what the viewer may see (mostly squares, every twelfth tile from the third a 2×2 one),
   * with "People you may know" on top for members. A page is 24 tiles; htmx loads the next when "More" scrolls
   * into view, and without JavaScript "More" is a link.
   */
  const EXPLORE_PAGE = 24
  const bigTile = (i: number) => i % 12 === 2
  app.get('/explore', async (c) => {
    const viewer = c.get('viewer')
    const cursor = c.req.query('cursor')
    const list = await feed.explore(viewerId(c), { cursor, limit: EXPLORE_PAGE })
    const more = (cur: string) => `/explore?cursor=${cur}`
    if (c.req.header('hx-request') && cursor) return render.partial(c, <PostGridItems posts={list.items} next={list.nextCursor} moreUrl={more} big={bigTile} />)
    // The first page leads with what staff chose (featured posts and hashtags), then the member's interests.
    const curation = s.curation
    const first = !cursor
    const trending = first ? await curation.trending(10) : []
    const defaults = first && trending.filter((t) => !t.featured).length < FEW_TRENDING ? (await curation.defaultTags()).filter((t) => !trending.some((x) => x.tag === t)) : []
    const categories = first ? await curation.categories() : []
    const featured = first ? await curation.featuredPosts(viewerId(c)) : []
    const forYou = first && viewer ? await curation.forInterests(viewer.id) : []
    const none = () => ''
    return render.page(
      c,
      { title: 'Explore' },
      <>
        <section class="card explore-head">
          <h1>Explore</h1>
          {trending.length > 0 && (
            <p data-trending>
              Trending:{' '}
              {trending.map((t) => (
                <>
                  <a href={`/tags/${encodeURIComponent(t.tag)}`} data-featured-tag={t.featured ? '' : undefined}>
                    #{t.tag}
                    {t.featured && <span class="visually-hidden"> (featured)</span>}
                  </a>{' '}
                </>
              ))}
            </p>
          )}
          {defaults.length > 0 && (
            <p data-default-tags>
              {trending.length ? 'Also try: ' : 'Topics to try: '}
              {defaults.map((t) => (
                <>
                  <a href={`/tags/${encodeURIComponent(t)}`}>#{t}</a>{' '}
                </>
              ))}
            </p>
          )}
          {categories.length > 0 && (
            <nav aria-label="Categories" data-categories>
              <p>
                Categories:{' '}
                {categories.map((k) => (
                  <>
                    <a href={`/explore/c/${k.slug}`}>{k.name}</a>{' '}
                  </>
                ))}
              </p>
            </nav>
          )}
        </section>
        {featured.length > 0 && (
          <section class="stack" aria-labelledby="explore-featured" data-featured-posts>
            <h2 id="explore-featured">Featured</h2>
            <PostGrid posts={featured} next={null} moreUrl={none} />
          </section>
        )}
        {forYou.length > 0 && (
          <section class="stack" aria-labelledby="explore-for-you" data-for-you>
            <h2 id="explore-for-you">From your interests</h2>
            <PostGrid posts={forYou} next={null} moreUrl={none} />
          </section>
        )}
        {viewer && !cursor && (await suggestionsRowFor(s.social, viewer.id, c.get('csrfToken'), '/explore'))}
        {(featured.length > 0 || forYou.length > 0) && <h2 class="visually-hidden">Popular now</h2>}
        <PostGrid posts={list.items} next={list.nextCursor} moreUrl={more} empty={<EmptyState icon="compass" title="Nothing to explore yet" links={c.get('viewer') ? [{ href: '/compose', label: 'Share the first post' }] : []}>Public posts from members show here.</EmptyState>} mosaic big={bigTile} />
      </>,
    )
  })

  app.get('/tags/:tag', async (c) => {
    const tag = c.req.param('tag').replace(/^#/, '').toLowerCase()
    if (!/^[\p{L}\p{N}_]{1,64}$/u.test(tag)) throw notFound('That hashtag')
    return listPage(c, `#${tag}`, <h1>#{tag}</h1>, await posts.byHashtag(viewerId(c), tag, { cursor: c.req.query('cursor') }), `/tags/${encodeURIComponent(tag)}`, `No posts with #${tag} yet.`)
  })

  app.get('/p/:id', async (c) => {
    const post = await posts.get(viewerId(c), Number(c.req.param('id')))
    if (!post) throw notFound('That post')
    // A plain repost has no page of its own: its original's (it is shown only while the viewer may see that).
    if (post.repost_of) return c.redirect(`/p/${post.repost_of.id}`, 303)
    const viewer = c.get('viewer')
    const mine = viewer?.id === post.author.id
    const staff = viewer?.role === 'admin' || viewer?.role === 'moderator'
    const csrf = c.get('csrfToken')
    const actions = [...(await ui.renderSlot('post.actions', { postId: post.id, authorId: post.author.id, scope: post.scope, viewer, csrfToken: c.get('csrfToken') }))]
    const comments = post.status === 'published' ? await s.engagement.comments(viewer, post.id, { cursor: c.req.query('comments'), post }) : { items: [], nextCursor: null }
    // The link preview is what a guest (a crawler, no cookie) sees: none unless the post is public to guests.
    const share = postShareMeta(viewer ? await posts.get(null, post.id) : post, baseUrl(c, s.config.publicUrl), await s.settings.get('site.name'))
    return render.page(
      c,
      { title: `Post by ${post.author.display_name}`, share },
      <>
        <h1 class="visually-hidden">Post by {post.author.display_name}</h1>
        <PostCard post={post} actions={actions} detail csrfToken={csrf} member={!!viewer} menu={<PostMenu post={post} mine={mine} staff={staff} csrfToken={csrf} />} />
        {viewer && post.status === 'published' && (
          <section class="card">
            <CollectionPicker postId={post.id} collections={await s.engagement.collectionsOf(viewer.id, viewer.id)} csrfToken={c.get('csrfToken')} />
            <p>
              <a href={`/p/${post.id}/likes`}>See who liked this</a>
              {!mine && (
                <>
                  {' '}
                  · <a href={`/report?type=post&id=${post.id}`}>Report</a>
                </>
              )}
            </p>
          </section>
        )}
        {post.status === 'published' && (
          <CommentsSection
            post={post}
            comments={comments.items}
            next={comments.nextCursor}
            csrfToken={c.get('csrfToken')}
            member={!!viewer}
            canComment={!!viewer && (await s.safety.canComment(viewer.id, post.author.id))}
          />
        )}
      </>,
    )
  })

  // The author's edit form, its own page (behind "Edit" in the post's "…" menu). Anyone else: NOT_FOUND, as for a missing post.
  app.get('/p/:id/edit', requireMember, async (c) => {
    const viewer = c.get('viewer')!
    const post = await posts.get(viewer.id, Number(c.req.param('id')))
    if (!post || post.author.id !== viewer.id) throw notFound('That post')
    const hiddenFrom = await posts.hiddenFrom(viewer.id, post.id)
    return render.page(c, { title: 'Edit post' }, <EditPostPage post={post} hiddenFrom={hiddenFrom} csrfToken={c.get('csrfToken')} categories={await s.curation.categories()} />)
  })

  const postAction = (fn: (c: Context<AppEnv>, id: number, form: Record<string, string>) => Promise<string>, to: (id: number) => string) =>
    async (c: Context<AppEnv>) => {
      const id = Number(c.req.param('id'))
      const form = Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, v]) => typeof v === 'string')) as Record<string, string>
      const r = await attempt(() => fn(c, id, form))
      flash(c, r.ok ? 'ok' : 'error', r.ok ? r.value : r.problem.message)
      return c.redirect(r.ok ? to(id) : `/p/${id}`, 303)
    }
  app.post('/p/:id/edit', requireMember, postAction(async (c, id, form) => {
    await posts.update(c.get('viewer')!.id, id, {
      text: form.text ?? '',
      visibility: form.visibility,
      comments_enabled: form.comments_off !== 'on',
      reposts_enabled: form.reposts_off !== 'on',
      sensitive: form.sensitive === 'on',
      hidden_from: (form.hidden_from ?? '').split(',').map((n) => n.trim()).filter(Boolean),
      ...(form.category !== undefined && form.category !== form.category_was && { category: form.category || null }),
    })
    return 'Your post is updated.'
  }, (id) => `/p/${id}`))
  app.post('/p/:id/pin', requireMember, postAction(async (c, id) => (await posts.pin(c.get('viewer')!.id, id), 'Pinned to your profile.'), (id) => `/p/${id}`))
  app.post('/p/:id/unpin', requireMember, postAction(async (c, id) => (await posts.unpin(c.get('viewer')!.id, id), 'Unpinned.'), (id) => `/p/${id}`))
  // Repost and undo: a fragment (the menu) for htmx, else back where the member was with a message.
  for (const verb of ['repost', 'unrepost'] as const) {
    app.post(`/p/:id/${verb}`, requireMember, async (c) => {
      const viewer = c.get('viewer')!
      const id = Number(c.req.param('id'))
      const r = await attempt(async () => (verb === 'repost' ? (await posts.repost(viewer.id, id)).post.repost_of!.id : (await posts.unrepost(viewer.id, id), id)))
      if (c.req.header('hx-request')) {
        if (!r.ok) return render.partial(c, <span class="alert alert-error" role="alert">{r.problem.message}</span>, r.problem.status)
        const post = await posts.get(viewer.id, r.value)
        return render.partial(c, post ? <RepostMenu post={post} csrfToken={c.get('csrfToken')} member /> : <span />)
      }
      flash(c, r.ok ? 'ok' : 'error', r.ok ? (verb === 'repost' ? 'Reposted to your followers.' : 'Repost undone.') : r.problem.message)
      return c.redirect(safeNext(c.req.query('next'), `/p/${id}`), 303)
    })
  }
  app.post('/p/:id/delete', requireMember, postAction(async (c, id) => (await posts.remove(c.get('viewer')!, id), 'The post is deleted.'), () => '/'))

  // ---- Compose
  const limits = async () => ({ image: await s.settings.get('media.image_max_mb'), video: await s.settings.get('media.video_max_mb') })
  /** The post a quote compose page quotes (`?quote=ID`), refused as the repost would be: missing, hidden or not allowed. */
  const quoting = async (viewerId: number, raw: string | undefined): Promise<PostView | null> => {
    if (!raw) return null
    const post = await posts.get(viewerId, Number(raw))
    if (!post) throw notFound('That post')
    const original = post.repost_of ?? post
    if (!original.can_repost) throw new AppError(403, 'FORBIDDEN', original.reposts_enabled ? 'This post cannot be quoted.' : 'Its author turned reposts and quotes off for this post.')
    return original
  }
  app.get('/compose', requireMember, async (c) => {
    const quote = await quoting(c.get('viewer')!.id, c.req.query('quote'))
    return render.page(c, { title: quote ? 'Quote a post' : 'New post' }, <ComposePage csrfToken={c.get('csrfToken')} maxFiles={POST_FILES_MAX} limits={await limits()} quote={quote} categories={await s.curation.categories()} />)
  })
  app.post('/compose', requireMember, async (c) => {
    const viewer = c.get('viewer')!
    // Without JavaScript the files travel in this form: each streams to disk as it arrives (never into
    // memory), and the ones stored are removed again if the post is refused.
    const stored: number[] = []
    const fields: Record<string, string[]> = {}
    const r = await attempt(async () => {
      const tooMany = () => new AppError(400, 'VALIDATION_FAILED', `Add at most ${POST_FILES_MAX} photos or videos.`, { fields: { media_ids: `Add at most ${POST_FILES_MAX} photos or videos.` } })
      await streamForm(c, async (file) => {
        if (stored.length >= POST_FILES_MAX) throw tooMany()
        try {
          stored.push((await media.uploadStream(viewer.id, file.body)).id)
        } catch (err) {
          // Shown beside the file input, naming the file (the media service names its field "file").
          if (!(err instanceof AppError)) throw err
          const message = file.filename ? `${file.filename}: ${err.message}` : err.message
          throw new AppError(err.status, err.code, message, { ...err.details, fields: { media_ids: message } })
        }
      }, fields)
      // With JavaScript the files were uploaded already and arrive as media_ids.
      const ids = (fields.media_ids ?? []).map(Number).filter((n) => Number.isInteger(n) && n > 0)
      if (ids.length + stored.length > POST_FILES_MAX) throw tooMany()
      // With JavaScript each uploaded id has its alt field; the files sent in the form take the lines in order.
      const lines = (fields.media_alt_lines?.[0] ?? '').split(/\r?\n/)
      const alts = [...ids.map((_, i) => fields.media_alt?.[i] ?? ''), ...stored.map((_, i) => lines[i] ?? '')]
      const publishAt = fields.publish_at?.[0] ? new Date(`${fields.publish_at[0]}${fields.publish_at[0].length === 16 ? ':00' : ''}Z`) : null
      return posts.create(viewer.id, {
        text: fields.text?.[0] ?? '',
        visibility: (fields.visibility?.[0] || 'public') as 'public',
        media_ids: [...ids, ...stored],
        media_alt: alts,
        publish_at: publishAt && !Number.isNaN(publishAt.getTime()) ? publishAt.toISOString() : fields.publish_at?.[0] ? 'invalid' : null,
        comments_enabled: fields.comments_off?.[0] !== 'on',
        reposts_enabled: fields.reposts_off?.[0] !== 'on',
        sensitive: fields.sensitive?.[0] === 'on',
        quote_of: fields.quote_of?.[0] ? Number(fields.quote_of[0]) : null,
        category: fields.category?.[0] || null,
      })
    })
    const values = { text: fields.text?.[0] ?? '', visibility: fields.visibility?.[0] || 'public', publish_at: fields.publish_at?.[0] ?? '', comments_off: fields.comments_off?.[0] ?? '', reposts_off: fields.reposts_off?.[0] ?? '', sensitive: fields.sensitive?.[0] ?? '', media_alt_lines: fields.media_alt_lines?.[0] ?? '', category: fields.category?.[0] ?? '' }
    if (!r.ok) {
      for (const id of stored) await media.remove(id)
      const quoted = fields.quote_of?.[0] ? await posts.get(viewer.id, Number(fields.quote_of[0])) : null
      return render.page(c, { title: 'New post', status: r.problem.status as 400 }, <ComposePage csrfToken={c.get('csrfToken')} values={values} problem={r.problem} maxFiles={POST_FILES_MAX} limits={await limits()} quote={quoted?.can_repost ? quoted : null} categories={await s.curation.categories()} />)
    }
    flash(c, 'ok', r.value.status === 'scheduled' ? 'Your post is scheduled.' : r.value.processing ? 'Posted. Your media is being processed.' : 'Posted.')
    return c.redirect(`/p/${r.value.id}`, 303)
  })

  return app
}
