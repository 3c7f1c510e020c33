// The baseline: the smallest Hono + better-sqlite3 + preact-render-to-string program that serves the same 20 newest
// posts as Hearth's home feed, as JSON (/feed.json) and as HTML (/feed.html). No auth, no hooks, no privacy rules,
// one prepared statement: the ceiling Hearth is measured against, on the same database and machine.
//   node --import tsx scripts/bench/baseline.ts --db FILE --port PORT
import { serve } from '@hono/node-server'
import SQLite from 'better-sqlite3'
import { Hono } from 'hono'
import { h } from 'preact'
import { renderToString } from 'preact-render-to-string'

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}
const file = arg('db')
const port = Number(arg('port') ?? 0)
if (!file) throw new Error('usage: baseline.ts --db FILE --port PORT')

const db = new SQLite(file)
db.pragma('busy_timeout = 5000')
db.pragma('query_only = 1')

interface Row {
  id: number
  text: string
  published_at: string
  likes_count: number
  comments_count: number
  username: string
  display_name: string
}

const newest = db.prepare(`
  select posts.id, posts.text, posts.published_at, posts.likes_count, posts.comments_count, users.username, users.display_name
  from posts join users on users.id = posts.author_id
  where posts.status = 'published' and posts.visibility = 'public'
  order by posts.published_at desc limit 20`)

const page = (rows: Row[]) =>
  h('html', { lang: 'en' },
    h('head', null, h('meta', { charset: 'utf-8' }), h('title', null, 'Home')),
    h('body', null,
      h('main', null,
        rows.map((r) =>
          h('article', { class: 'post', key: r.id },
            h('header', null, h('a', { href: `/u/${r.username}` }, r.display_name || r.username), ' ', h('time', { datetime: r.published_at }, r.published_at)),
            h('p', null, r.text),
            h('footer', null, `${r.likes_count} likes · ${r.comments_count} comments`),
          ),
        ),
      ),
    ),
  )

const app = new Hono()
app.get('/feed.json', (c) => c.json({ data: newest.all() as Row[] }))
app.get('/feed.html', (c) => c.html('<!doctype html>' + renderToString(page(newest.all() as Row[]))))

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => process.stdout.write(`listening ${info.port}\n`))
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
