// Pages (the viewer, the new-story form, the archive, highlights) and the JSON API under /api/v1/stories.
import { Hono, type Context } from 'hono'
import { fieldsOf, isAppError, WHOLE_INPUT, type AppEnv, type MediaInfo, type Viewer } from '../../core/plugins/api.js'
import { formToStory, storyInput } from './inputs.js'
import type { StoriesContext } from './plugin.js'
import * as q from './queries.js'
import type { StoriesService } from './service.js'
import { ArchivePage, HighlightPage, NewStoryPage, personHref, storyHref, ViewerPage, type NewStoryValues } from './views.js'

type C = Context<AppEnv>

/** Only our own pages (or home) as a place to go back to after a form. */
const safeBack = (v: unknown, fallback: string) => (typeof v === 'string' && /^\/(stories\/[A-Za-z0-9_]+(\/\d+)?)?$/.test(v) ? v : fallback)

export function storyRoutes(ctx: StoriesContext, service: StoriesService) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: C) => ctx.http.viewer(c)!
  const idParam = (c: C, name = 'id') => {
    const raw = c.req.param(name) ?? ''
    if (!/^[1-9]\d{0,15}$/.test(raw)) throw service.notFound()
    return Number(raw)
  }
  const mediaOf = (mediaId: number | null) => (mediaId ? ctx.core.media.info(mediaId) : Promise.resolve(null))



  /** Where "next" leads after a member's last story: the next person in the tray with unseen stories, or home. */
  async function nextPerson(viewer: Viewer | null, currentAuthorId: number): Promise<string> {
    if (!viewer) return '/'
    const next = (await service.tray(viewer)).find((e) => e.unseen > 0 && e.author_id !== currentAuthorId && e.author_id !== viewer.id)
    if (!next) return '/'
    const first = (await service.storiesOf(viewer.id, next.author_id)).find((s) => !s.seen)
    return personHref(next.username, first?.id)
  }

  // ---- The new-story form (works without JavaScript: the file travels in the form)

  const newStoryPage = async (c: C, values: NewStoryValues = {}, errors: Record<string, string> = {}, status: 200 | 400 | 413 = 200) =>
    ctx.http.page(c, { title: 'New story', status: status as 400 }, <NewStoryPage csrfToken={ctx.http.csrfToken(c)} values={values} errors={errors} hasCloseFriends={(await service.closeFriends(me(c).id)).length > 0} guidelines={await ctx.http.guidelines(c, { next: '/stories/new' })} />)

  app.get('/stories/new', requireMember, (c) => newStoryPage(c))

  ctx.http.acceptFiles('/stories', { files: 1 })
  app.post('/stories', requireMember, async (c) => {
    const viewer = me(c)
    // The file streams to disk as it arrives (never into memory) and is removed again if the story is refused.
    const fields: Record<string, string[]> = {}
    const form = () => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v[0] ?? '']))
    const stored: MediaInfo[] = []
    try {
      await ctx.http.streamForm(c, async (file) => {
        if (file.name !== 'file' || stored.length) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Choose one photo or video.', { fields: { file: 'Choose one photo or video.' } })
        try {
          stored.push(await ctx.core.media.uploadStream(viewer.id, file.body))
        } catch (err) {
          if (!isAppError(err)) throw err
          throw ctx.http.error(err.status, err.code, err.message, { ...err.details, fields: { file: err.message } })
        }
      }, fields)
    } catch (err) {
      for (const m of stored) await ctx.core.media.remove(m.id)
      if (!isAppError(err) || (err.status !== 400 && err.status !== 413)) throw err
      return newStoryPage(c, { ...form(), view_once: form().view_once === 'on' }, (err.details.fields as Record<string, string> | undefined) ?? { file: err.message }, 400)
    }
    const file = stored[0] ?? null
    const text = form()
    const values: NewStoryValues = { ...text, view_once: text.view_once === 'on' }
    const chosenId = /^\d+$/.test((text.media_id ?? '').trim()) ? Number(text.media_id) : null
    const chosen = file ? null : chosenId ? await ctx.core.media.info(chosenId) : null
    const kindOf = (m: MediaInfo | null) => (m ? (m.kind === 'image' ? 'photo' : 'video') : null)
    try {
      // The other fields are checked as if the file were fine, so their errors show even beside a good file.
      if (file) {
        const pre = storyInput.safeParse(formToStory({ ...text, media_id: '1' }, 'photo'))
        if (!pre.success) {
          const { media_id: _ignored, ...rest } = fieldsOf(pre.error)
          if (Object.keys(rest).length) {
            await ctx.core.media.remove(file.id)
            return newStoryPage(c, { ...values, media_id: '' }, rest, 400)
          }
        }
      }
      const input = formToStory({ ...text, media_id: file ? String(file.id) : text.media_id }, kindOf(file ?? chosen))
      const story = await service.create(viewer, input)
      return c.redirect(storyHref(viewer.username, story.id), 303)
    } catch (err) {
      if (file) await ctx.core.media.remove(file.id)
      if (!isAppError(err) || err.status >= 500 || err.status === 401 || err.status === 403) throw err
      const problems = (err.details.fields as Record<string, string> | undefined) ?? {}
      const errors = Object.keys(problems).length ? problems : { [file ? 'file' : WHOLE_INPUT]: err.message }
      return newStoryPage(c, { ...values, media_id: file ? '' : values.media_id }, errors, 400)
    }
  })

  // ---- The author's archive: live and expired stories (until purged), with highlight tools

  app.get('/stories/archive', requireMember, async (c) => {
    const viewer = me(c)
    const rows = await q.archiveOf(ctx.db, viewer.id)
    const ids = rows.map((r) => r.id)
    const [views, titles, highlights] = await Promise.all([q.viewCounts(ctx.db, ids), q.highlightTitlesOf(ctx.db, ids), service.highlightsFor(viewer.id, viewer.id)])
    const stories = await Promise.all(rows.map(async (story) => ({ story, media: await mediaOf(story.media_id), views: views.get(story.id) ?? 0, highlights: titles.get(story.id) ?? [] })))
    return ctx.http.page(c, { title: 'Your stories' }, <ArchivePage csrfToken={ctx.http.csrfToken(c)} stories={stories} highlights={highlights} username={viewer.username} archiveHours={await ctx.settings.get('archive_hours')} />)
  })

  // ---- The viewer: one story per page, with links to the previous and next; the script plays them in turn

  const viewerPage = async (c: C) => {
    const viewer = ctx.http.viewer(c)
    const author = await ctx.core.users.find(c.req.param('username') ?? '')
    if (!author) throw service.notFound()
    const list = await service.storiesOf(viewer?.id ?? null, author.id)
    const wanted = c.req.param('id')
    const pick = wanted ? list.find((s) => String(s.id) === wanted) : (list.find((s) => !s.seen) ?? list[0])
    if (!pick) throw service.notFound()
    const story = await service.open(viewer, pick.id)
    const index = list.findIndex((s) => s.id === story.id)
    const prev = index > 0 ? storyHref(author.username, list[index - 1]!.id) : null
    const next = index < list.length - 1 ? storyHref(author.username, list[index + 1]!.id) : await nextPerson(viewer, author.id)
    const own = viewer?.id === author.id
    const [media, viewers, titles, all] = await Promise.all([
      service.media(story, viewer),
      own ? q.viewersOf(ctx.db, story) : undefined,
      own ? q.highlightTitlesOf(ctx.db, [story.id]) : undefined,
      own ? q.highlightsOf(ctx.db, author.id) : undefined,
    ])
    return ctx.http.page(
      c,
      { title: `Stories of ${author.display_name}` },
      <ViewerPage
        author={author}
        stories={list}
        index={index}
        story={story}
        media={media}
        next={next}
        prev={prev}
        viewer={viewer}
        csrfToken={ctx.http.csrfToken(c)}
        viewers={viewers}
        highlights={titles?.get(story.id) ?? []}
        allHighlights={all}
        sent={c.req.query('sent') === '1'}
      />,
    )
  }
  app.get('/stories/:username{[A-Za-z0-9_]+}', viewerPage)
  app.get('/stories/:username{[A-Za-z0-9_]+}/:id{[0-9]+}', viewerPage)

  app.get('/stories/:username{[A-Za-z0-9_]+}/highlights/:hid{[0-9]+}', async (c) => {
    const viewer = ctx.http.viewer(c)
    const owner = await ctx.core.users.find(c.req.param('username'))
    if (!owner) throw ctx.http.error(404, 'NOT_FOUND', 'That highlight does not exist.')
    const { highlight, stories } = await service.highlightFor(viewer?.id ?? null, owner.id, idParam(c, 'hid'))
    const items = await Promise.all(stories.map(async (story) => ({ story, media: await mediaOf(story.media_id) })))
    return ctx.http.page(c, { title: `${highlight.title} · ${owner.display_name}` }, <HighlightPage owner={owner} title={highlight.title} items={items} />)
  })

  // ---- Forms on those pages

  app.post('/stories/:id{[0-9]+}/reactions', requireMember, async (c) => {
    const viewer = me(c)
    const id = idParam(c)
    const form = await ctx.http.form(c)
    await service.react(viewer, id, { emoji: form.emoji || null, text: form.text || null })
    const back = safeBack(form.back, '/')
    return c.redirect(/\/\d+$/.test(back) && back.endsWith(`/${id}`) ? `${back}?sent=1` : back, 303)
  })

  app.post('/stories/:id{[0-9]+}/delete', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    await service.remove(me(c), idParam(c))
    return c.redirect(safeBack(form.back, '/stories/archive'), 303)
  })

  app.post('/stories/:id{[0-9]+}/highlight', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    await service.highlight(me(c), idParam(c), form.title ?? '')
    return c.redirect(safeBack(form.back, '/stories/archive'), 303)
  })

  app.post('/stories/:id{[0-9]+}/unhighlight', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    const hid = /^\d+$/.test(form.highlight_id ?? '') ? Number(form.highlight_id) : 0
    const h = await service.ownHighlight(me(c), hid)
    await q.removeFromHighlight(ctx.db, h.id, idParam(c))
    return c.redirect('/stories/archive', 303)
  })

  app.post('/stories/highlights/:hid{[0-9]+}/delete', requireMember, async (c) => {
    const h = await service.ownHighlight(me(c), idParam(c, 'hid'))
    await q.deleteHighlight(ctx.db, h.id)
    return c.redirect('/stories/archive', 303)
  })

  // ---- API

  app.post('/api/v1/stories', requireMember, async (c) => {
    const viewer = me(c)
    const story = await service.create(viewer, await ctx.http.jsonBody(c))
    return ctx.http.json(c, await service.json(story, viewer), 201)
  })

  app.get('/api/v1/stories/feed', requireMember, async (c) => {
    const viewer = me(c)
    const entries = await service.tray(viewer)
    const stories = await service.storiesOf(viewer.id, entries.map((e) => e.author_id))
    return ctx.http.json(
      c,
      entries.map((e) => ({
        user: { id: e.author_id, username: e.username, display_name: e.display_name },
        unseen: Number(e.unseen),
        latest_at: e.latest_at,
        stories: stories.filter((s) => s.author_id === e.author_id).map((s) => ({ id: s.id, kind: s.kind, view_once: !!s.view_once, created_at: s.created_at, expires_at: s.expires_at, seen: !!s.seen })),
      })),
    )
  })

  app.get('/api/v1/stories/:id{[0-9]+}', async (c) => {
    const viewer = ctx.http.viewer(c)
    const story = await service.open(viewer, idParam(c))
    return ctx.http.json(c, await service.json(story, viewer))
  })

  app.delete('/api/v1/stories/:id{[0-9]+}', requireMember, async (c) => {
    await service.remove(me(c), idParam(c))
    return ctx.http.json(c, { deleted: true })
  })

  app.get('/api/v1/stories/:id{[0-9]+}/viewers', requireMember, async (c) => {
    const list = await service.viewers(me(c), idParam(c))
    return ctx.http.json(
      c,
      list.map((v) => ({ user: { id: v.id, username: v.username, display_name: v.display_name }, viewed_at: v.viewed_at, reactions: v.reactions })),
    )
  })

  app.post('/api/v1/stories/:id{[0-9]+}/reactions', requireMember, async (c) => {
    const reaction = await service.react(me(c), idParam(c), await ctx.http.jsonBody(c))
    return ctx.http.json(c, reaction, 201)
  })

  return app
}
