// `hearth curation ...`: what Explore puts first (featured posts and hashtags), categories of posts and the default
// hashtags, as Admin → Curation does; each change audited (with no actor: the shell).
import type { Command } from 'commander'
import { addData, addJson, output, usage, withHearth } from '../shared.js'

type Opts = { data?: string; json?: boolean }
type Placing = { position?: string; until?: string }

const position = (raw: string | undefined) => {
  if (raw === undefined) return 0
  if (!/^\d{1,5}$/.test(raw)) throw usage('--position is a whole number from 0 (first).')
  return Number(raw)
}
const postId = (raw: string) => {
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw usage(`"${raw}" is not a post's number.`)
  return Number(raw)
}
const placing = (cmd: Command) => cmd.option('--position <n>', 'place among the featured, 0 first', '0').option('--until <iso>', 'stop featuring at this ISO time (e.g. 2026-12-31T23:00:00Z)')

export function registerCuration(program: Command): void {
  const curation = program.command('curation').description('featured posts and hashtags on Explore, categories of posts, default hashtags')

  addJson(addData(curation.command('list').description('everything curated: featured posts and hashtags, categories, default hashtags'))).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const c = h.curation
      const all = { featured_posts: await c.featuredPostEntries(), featured_hashtags: await c.featuredTagEntries(), categories: await c.categories({ all: true }), default_hashtags: await c.defaultTags() }
      output(opts, all, () => [
        'Featured posts:',
        ...(all.featured_posts.length ? all.featured_posts.map((p) => `  ${String(p.post_id).padEnd(8)} #${p.position} ${p.until ? `until ${p.until}` : ''} ${p.shown ? '' : '(not shown: no longer public, or ended)'}`.trimEnd()) : ['  none']),
        'Featured hashtags:',
        ...(all.featured_hashtags.length ? all.featured_hashtags.map((t) => `  #${t.tag} (${t.position})${t.until ? ` until ${t.until}` : ''}`) : ['  none']),
        'Categories:',
        ...(all.categories.length ? all.categories.map((k) => `  ${k.slug.padEnd(24)} ${k.name}${k.enabled ? '' : ' (off)'}`) : ['  none']),
        `Default hashtags: ${all.default_hashtags.map((t) => `#${t}`).join(' ') || 'none'}`,
      ])
    })
  })

  addJson(addData(placing(curation.command('feature').description('feature a public post on Explore (again: change its place or end)').argument('<post>', "the post's number")))).action(async (post: string, opts: Opts & Placing) => {
    const input = { post_id: postId(post), position: position(opts.position), until: opts.until ?? null }
    await withHearth(opts, async (h) => {
      const e = await h.curation.featurePost(input, null)
      output(opts, e, () => `Post ${e.post_id} is featured on Explore.`)
    })
  })

  addJson(addData(curation.command('unfeature').description('stop featuring a post').argument('<post>', "the post's number"))).action(async (post: string, opts: Opts) => {
    const id = postId(post)
    await withHearth(opts, async (h) => {
      await h.curation.unfeaturePost(id, null)
      output(opts, { removed: id }, () => `Post ${id} is no longer featured.`)
    })
  })

  addJson(addData(placing(curation.command('feature-tag').description('put a hashtag first among trending ones').argument('<hashtag>', 'with or without #')))).action(async (tag: string, opts: Opts & Placing) => {
    const input = { tag, position: position(opts.position), until: opts.until ?? null }
    await withHearth(opts, async (h) => {
      const e = await h.curation.featureTag(input, null)
      output(opts, e, () => `#${e.tag} is featured among trending hashtags.`)
    })
  })

  addJson(addData(curation.command('unfeature-tag').description('stop featuring a hashtag').argument('<hashtag>', 'with or without #'))).action(async (tag: string, opts: Opts) => {
    await withHearth(opts, async (h) => {
      await h.curation.unfeatureTag(tag, null)
      output(opts, { removed: tag }, () => `#${tag.replace(/^#/, '')} is no longer featured.`)
    })
  })

  addJson(
    addData(curation.command('defaults').description('set the default hashtags: suggested to new members, shown on Explore while few trend').argument('[hashtags...]', 'the hashtags, in order').option('--none', 'no default hashtags')),
  ).action(async (tags: string[], opts: Opts & { none?: boolean }) => {
    if (!tags.length === !opts.none) throw usage('Give the hashtags, or --none.')
    await withHearth(opts, async (h) => {
      const list = await h.curation.setDefaultTags(opts.none ? [] : tags, null)
      output(opts, list, () => (list.length ? `Default hashtags: ${list.map((t) => `#${t}`).join(' ')}.` : 'There are no default hashtags now.'))
    })
  })

  const category = curation.command('category').description('categories authors file posts under (each has a page at /explore/c/SLUG)')
  addJson(addData(category.command('list').description('every category, with those turned off'))).action(async (opts: Opts) => {
    await withHearth(opts, async (h) => {
      const list = await h.curation.categories({ all: true })
      output(opts, list, () => (list.length ? list.map((k) => `${k.slug.padEnd(24)} ${String(k.position).padStart(5)}  ${k.name}${k.enabled ? '' : ' (off)'}`) : 'No categories.'))
    })
  })
  addJson(
    addData(
      category
        .command('add')
        .description('add a category')
        .argument('<name>', 'the name members see (at most 60 characters)')
        .option('--slug <slug>', 'its address: lowercase letters, digits and dashes (default: made from the name)')
        .option('--description <text>', 'a sentence on its page (at most 300 characters)', '')
        .option('--position <n>', 'place in lists, 0 first', '0')
        .option('--off', 'add it turned off'),
    ),
  ).action(async (name: string, opts: Opts & { slug?: string; description: string; position?: string; off?: boolean }) => {
    const input = { name, slug: opts.slug, description: opts.description, position: position(opts.position), enabled: !opts.off }
    await withHearth(opts, async (h) => {
      const k = await h.curation.createCategory(input, null)
      output(opts, k, () => `The category “${k.name}” is added at /explore/c/${k.slug}.`)
    })
  })
  addJson(
    addData(
      category
        .command('set')
        .description('change a category')
        .argument('<slug>', 'the category')
        .option('--name <name>', 'a new name')
        .option('--slug <slug>', 'a new slug (its page moves; posts keep it)')
        .option('--description <text>', 'a new description')
        .option('--position <n>', 'a new place')
        .option('--on', 'turn it on')
        .option('--off', 'turn it off: hidden everywhere, its posts keep it'),
    ),
  ).action(async (slug: string, opts: Opts & { name?: string; slug?: string; description?: string; position?: string; on?: boolean; off?: boolean }) => {
    if (opts.on && opts.off) throw usage('Give --on or --off, not both.')
    const input = { name: opts.name, slug: opts.slug, description: opts.description, ...(opts.position !== undefined && { position: position(opts.position) }), ...((opts.on || opts.off) && { enabled: !!opts.on }) }
    await withHearth(opts, async (h) => {
      const k = await h.curation.updateCategory(slug, input, null)
      output(opts, k, () => `“${k.name}” (${k.slug}) is ${k.enabled ? 'on' : 'off'}.`)
    })
  })
  addJson(addData(category.command('delete').description('delete a category: its posts have none, members lose it from their interests').argument('<slug>', 'the category'))).action(async (slug: string, opts: Opts) => {
    await withHearth(opts, async (h) => {
      await h.curation.removeCategory(slug, null)
      output(opts, { deleted: slug }, () => `The category ${slug} is deleted.`)
    })
  })
}
