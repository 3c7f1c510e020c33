// Pages for reactions, comments, bookmarks, collections, and the privacy settings with blocked and muted
// accounts. Every form works without JavaScript; the reaction bar is swapped in place by htmx.
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { requireMember, safeNext } from '../http/middleware.js'
import { PostList } from '../posts/views.js'
import type { Services } from '../services.js'
import { SettingsShell } from '../auth/pages.js'
import { CsrfField, EmptyState, Field, FormError } from '../views/components.js'
import { ReactionBar } from '../posts/reactions.js'
import { idParam } from '../http/params.js'

const idOf = (c: Context<AppEnv>, name = 'id') => idParam(c, name, 'That page')

export function engagementPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { render, engagement, safety, posts } = s

  // ---- Reactions and bookmarks: a fragment for htmx, else back where the member was.
  const verbs: Record<string, (userId: number, postId: number) => Promise<unknown>> = {
    like: (u: number, p: number) => engagement.react(u, p, 'like'),
    unlike: (u: number, p: number) => engagement.unreact(u, p, 'like'),
    dislike: (u: number, p: number) => engagement.react(u, p, 'dislike'),
    undislike: (u: number, p: number) => engagement.unreact(u, p, 'dislike'),
    bookmark: (u: number, p: number) => engagement.bookmark(u, p, true),
    unbookmark: (u: number, p: number) => engagement.bookmark(u, p, false),
  }
  for (const [verb, act] of Object.entries(verbs)) {
    app.post(`/p/:id/${verb}`, requireMember, async (c) => {
      const viewer = c.get('viewer')!
      const postId = idOf(c)
      const r = await attempt(() => act(viewer.id, postId))
      if (c.req.header('hx-request')) {
        if (!r.ok) return render.partial(c, <span class="alert alert-error">{r.problem.message}</span>, r.problem.status)
        const post = (await posts.get(viewer.id, postId))!
        return render.partial(c, <ReactionBar post={post} csrfToken={c.get('csrfToken')} member />)
      }
      if (!r.ok) flash(c, 'error', r.problem.message)
      return c.redirect(safeNext(c.req.query('next'), `/p/${postId}`), 303)
    })
  }

  app.get('/p/:id/likes', async (c) => {
    const postId = idOf(c)
    const likers = await engagement.likers(c.get('viewer')?.id ?? null, postId, { cursor: c.req.query('cursor'), limit: 50 })
    return render.page(
      c,
      { title: 'Liked by' },
      <>
        <h1>
          Liked by · <a href={`/p/${postId}`}>back to the post</a>
        </h1>
        <section class="card">
          {likers.items.length === 0 && <p class="muted">No likes yet.</p>}
          {likers.items.map((u) => (
            <div class="member-row">
              <a href={`/u/${u.username}`}>{u.display_name}</a> <span class="muted">@{u.username}</span>
            </div>
          ))}
        </section>
        {likers.nextCursor && <a href={`/p/${postId}/likes?cursor=${likers.nextCursor}`}>More</a>}
      </>,
    )
  })

  // ---- Comments
  app.post('/p/:id/comments', requireMember, async (c) => {
    const postId = idOf(c)
    const form = await formFields(c)
    const parent = Number(form.parent_id)
    const r = await attempt(() => engagement.comment(c.get('viewer')!, postId, { text: form.text ?? '', parent_id: Number.isInteger(parent) && parent > 0 ? parent : null }))
    if (!r.ok) {
      flash(c, 'error', r.problem.message)
      return c.redirect(`/p/${postId}#comments`, 303)
    }
    return c.redirect(`/p/${postId}#comment-${r.value.id}`, 303)
  })
  const commentAction = (fn: (c: Context<AppEnv>, id: number, form: Record<string, string>) => Promise<unknown>, done?: string) =>
    async (c: Context<AppEnv>) => {
      const id = idOf(c)
      // Back to the post only when the member may see the comment: a comment they cannot see answers exactly
      // like a missing one (home, "not found"), never with the address of the post that holds it.
      const seen = await engagement.visibleComment(c.get('viewer')!.id, id).catch(() => null)
      const form = await formFields(c)
      const r = await attempt(() => fn(c, id, form))
      if (!r.ok) flash(c, 'error', r.problem.message)
      else if (done) flash(c, 'ok', done)
      return c.redirect(seen ? `/p/${seen.post_id}#comments` : '/', 303)
    }
  app.post('/comments/:id/edit', requireMember, commentAction((c, id, form) => engagement.editComment(c.get('viewer')!, id, { text: form.text ?? '' }), 'Your comment is updated.'))
  app.post('/comments/:id/delete', requireMember, commentAction((c, id) => engagement.deleteComment(c.get('viewer')!, id), 'The comment is deleted.'))
  app.post('/comments/:id/like', requireMember, commentAction((c, id) => engagement.likeComment(c.get('viewer')!.id, id, true)))
  app.post('/comments/:id/unlike', requireMember, commentAction((c, id) => engagement.likeComment(c.get('viewer')!.id, id, false)))

  // ---- Bookmarks
  app.get('/bookmarks', requireMember, async (c) => {
    const list = await engagement.bookmarks(c.get('viewer')!.id, { cursor: c.req.query('cursor') })
    const body = <PostList posts={list.items} next={list.nextCursor} moreUrl={(cur) => `/bookmarks?cursor=${cur}`} empty={<EmptyState icon="bookmark" title="Nothing saved yet" links={[{ href: '/explore', label: 'Explore' }]}>Save a post with the bookmark under it to find it here. Only you see what you save.</EmptyState>} csrfToken={c.get('csrfToken')} member />
    if (c.req.header('hx-request') && c.req.query('cursor')) return render.partial(c, body)
    return render.page(c, { title: 'Saved posts' }, <><h1>Saved posts</h1><p class="muted">Only you see these.</p>{body}</>)
  })

  // ---- Collections
  const collectionsPage = async (c: Context<AppEnv>, problem?: FormProblem, values?: Record<string, string>) => {
    const mine = await engagement.collectionsOf(c.get('viewer')!.id, c.get('viewer')!.id)
    return render.page(
      c,
      { title: 'Collections', status: (problem?.status ?? 200) as 200 },
      <>
        <h1>Collections</h1>
        <section class="card">
          {mine.length === 0 && <p class="muted">No collections yet.</p>}
          <ul>
            {mine.map((col) => (
              <li>
                <a href={`/collections/${col.id}`}>{col.name}</a> <span class="badge">{col.visibility}</span> <span class="muted">{col.posts_count} posts</span>
              </li>
            ))}
          </ul>
        </section>
        <section class="card">
          <h2>New collection</h2>
          <FormError message={problem && !problem.fields.name ? problem.message : null} />
          <form method="post" action="/collections">
            <CsrfField token={c.get('csrfToken')} />
            <Field name="name" label="Name" value={values?.name} error={problem?.fields.name} maxLength={60} />
            <Field name="description" label="Description (optional)" value={values?.description} error={problem?.fields.description} maxLength={300} />
            <label>
              <input type="checkbox" name="public" checked={values?.public === 'on'} /> Public: anyone can see it on your profile
            </label>
            <div class="actions">
              <button type="submit">Create</button>
            </div>
          </form>
        </section>
      </>,
    )
  }
  app.get('/collections', requireMember, (c) => collectionsPage(c))
  app.post('/collections', requireMember, async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => engagement.createCollection(c.get('viewer')!.id, { name: form.name ?? '', description: form.description ?? '', visibility: form.public === 'on' ? 'public' : 'private' }))
    if (!r.ok) return collectionsPage(c, r.problem, form)
    return c.redirect(`/collections/${r.value.id}`, 303)
  })
  app.post('/collections/add', requireMember, async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => engagement.collect(c.get('viewer')!.id, Number(form.collection_id), Number(form.post_id), true))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? 'Added to the collection.' : r.problem.message)
    return c.redirect(`/p/${Number(form.post_id) || ''}`, 303)
  })

  const collectionPage = async (c: Context<AppEnv>, ref: { id?: number; token?: string }) => {
    const viewer = c.get('viewer')
    const { collection, posts: list } = await engagement.collection(viewer?.id ?? null, ref, { cursor: c.req.query('cursor') })
    const base = ref.token ? `/c/${ref.token}` : `/collections/${collection.id}`
    const body = <PostList posts={list.items} next={list.nextCursor} moreUrl={(cur) => `${base}?cursor=${cur}`} empty="Nothing in this collection yet." csrfToken={c.get('csrfToken')} member={!!viewer} />
    if (c.req.header('hx-request') && c.req.query('cursor')) return render.partial(c, body)
    const mine = viewer?.id === collection.owner.id
    return render.page(
      c,
      { title: collection.name },
      <>
        <section class="card">
          <h1>{collection.name}</h1>
          <p class="muted">
            by <a href={`/u/${collection.owner.username}`}>@{collection.owner.username}</a> · {collection.visibility} · {collection.posts_count} posts
          </p>
          {collection.description && <p>{collection.description}</p>}
          {mine && collection.share_url && (
            <p>
              Share link: <code>{collection.share_url}</code>
            </p>
          )}
          {mine && (
            <form method="post" action={`/collections/${collection.id}/delete`}>
              <CsrfField token={c.get('csrfToken')} />
              <button type="submit" class="danger">
                Delete collection
              </button>
            </form>
          )}
        </section>
        {body}
      </>,
    )
  }
  app.get('/collections/:id', async (c) => collectionPage(c, { id: idOf(c) }))
  app.get('/c/:token', async (c) => collectionPage(c, { token: c.req.param('token') }))
  app.post('/collections/:id/delete', requireMember, async (c) => {
    const r = await attempt(() => engagement.deleteCollection(c.get('viewer')!.id, idOf(c)))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? 'The collection is deleted.' : r.problem.message)
    return c.redirect('/collections', 303)
  })

  // ---- Privacy settings, blocked and muted accounts
  const privacyPage = async (c: Context<AppEnv>, problem?: FormProblem) => {
    const id = c.get('viewer')!.id
    const [p, blocks, mutes] = await Promise.all([safety.privacy(id), safety.list('blocks', id, { limit: 100 }), safety.list('mutes', id, { limit: 100 })])
    const csrf = c.get('csrfToken')
    const select = (name: string, label: string, value: string) => (
      <div class="field">
        <label for={`f-${name}`}>{label}</label>
        <select id={`f-${name}`} name={name}>
          {[
            ['everyone', 'Everyone'],
            ['followers', 'Followers'],
            ['nobody', 'Nobody'],
          ].map(([v, l]) => (
            <option value={v} selected={value === v}>
              {l}
            </option>
          ))}
        </select>
      </div>
    )
    const list = (which: 'block' | 'mute', rows: { username: string; display_name: string }[]) =>
      rows.length === 0 ? (
        <p class="muted">Nobody.</p>
      ) : (
        rows.map((u) => (
          <div class="member-row">
            <a href={`/u/${u.username}`}>{u.display_name}</a> <span class="muted">@{u.username}</span>
            <form method="post" action={`/u/${u.username}/un${which}?next=/settings/privacy`}>
              <CsrfField token={csrf} />
              <button type="submit" class="secondary">
                {which === 'block' ? 'Unblock' : 'Unmute'}
              </button>
            </form>
          </div>
        ))
      )
    return render.page(
      c,
      { title: 'Privacy', status: (problem?.status ?? 200) as 200 },
      <SettingsShell active="privacy" panels={s.ui.settingsPanels}>
        <section class="card">
          <h2>Privacy</h2>
          <FormError message={problem?.message} />
          <form method="post" action="/settings/privacy">
            <CsrfField token={csrf} />
            {select('who_can_comment', 'Who can comment on your posts', p.who_can_comment)}
            {select('who_can_mention', 'Who can mention you', p.who_can_mention)}
            {select('who_can_message', 'Who can message you', p.who_can_message)}
            <label>
              <input type="checkbox" name="show_last_seen" checked={p.show_last_seen} /> Show when I was last online
            </label>
            <label>
              <input type="checkbox" name="allow_reposts" checked={p.allow_reposts} /> Let others repost and quote my posts
            </label>
            <div class="actions">
              <button type="submit">Save</button>
            </div>
          </form>
        </section>
        <section class="card" data-blocked>
          <h2>Blocked accounts</h2>
          <p class="hint">Neither of you sees the other's profile, posts or comments, and neither can follow, mention or message the other.</p>
          {list('block', blocks.items)}
        </section>
        <section class="card" data-muted>
          <h2>Muted accounts</h2>
          <p class="hint">Their posts stay out of your home feed. They are not told.</p>
          {list('mute', mutes.items)}
        </section>
      </SettingsShell>,
    )
  }
  app.get('/settings/privacy', requireMember, (c) => privacyPage(c))
  app.post('/settings/privacy', requireMember, async (c) => {
    const form = await formFields(c)
    const r = await attempt(() =>
      safety.setPrivacy(c.get('viewer')!.id, { who_can_comment: form.who_can_comment, who_can_mention: form.who_can_mention, who_can_message: form.who_can_message, show_last_seen: form.show_last_seen === 'on', allow_reposts: form.allow_reposts === 'on' }),
    )
    if (!r.ok) return privacyPage(c, r.problem)
    flash(c, 'ok', 'Your privacy settings are saved.')
    return c.redirect('/settings/privacy', 303)
  })

  // ---- Block and mute from a profile
  const memberVerbs = {
    block: (me: number, who: string) => safety.block(me, who),
    unblock: (me: number, who: string) => safety.unblock(me, who),
    mute: (me: number, who: string) => safety.mute(me, who),
    unmute: (me: number, who: string) => safety.unmute(me, who),
  } as const
  for (const [verb, act] of Object.entries(memberVerbs)) {
    app.post(`/u/:username/${verb}`, requireMember, async (c) => {
      const who = c.req.param('username')
      const r = await attempt(() => act(c.get('viewer')!.id, who))
      flash(c, r.ok ? 'ok' : 'error', r.ok ? `@${who} is ${verb === 'block' ? 'blocked' : verb === 'unblock' ? 'unblocked' : verb === 'mute' ? 'muted' : 'unmuted'}.` : r.problem.message)
      return c.redirect(safeNext(c.req.query('next'), verb === 'block' ? '/settings/privacy' : `/u/${who}`), 303)
    })
  }

  return app
}
