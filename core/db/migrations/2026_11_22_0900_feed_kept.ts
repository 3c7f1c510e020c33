// Feeds keep their newest rows only (decision 011): feed_items becomes one B-tree in read order, and a member's
// feed remembers where its kept rows end (its horizon); pages older than that are pulled from followees' posts.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // WITHOUT ROWID, keyed in the order feeds are read: a row is written to one B-tree instead of four (the rowid
  // table and three indexes). A post's published_at never changes once it is fanned out, so the key also refuses a
  // second copy of a post in a member's feed. No foreign keys: a cascade from posts or users would scan the whole
  // table (no index leads with post_id or author_id); reads join posts, so a deleted post's rows are never shown,
  // and trimming takes them away with the rest of the old rows.
  await sql`create table feed_items_kept (
    user_id integer not null,
    published_at text not null,
    post_id integer not null,
    author_id integer not null,
    primary key (user_id, published_at, post_id)
  ) without rowid`.execute(db)
  await sql`insert into feed_items_kept (user_id, published_at, post_id, author_id)
    select user_id, published_at, post_id, author_id from feed_items where true
    on conflict do nothing`.execute(db)
  await db.schema.dropTable('feed_items').execute()
  await sql`alter table feed_items_kept rename to feed_items`.execute(db)

  // A fan-out reads a member's followers in id order: along this index it never touches the table (with
  // follows_followee, ordered by date, it looked up each row and sorted them: 4 ms for 1,000 followers).
  await db.schema.createIndex('follows_followee_follower').on('follows').columns(['followee_id', 'follower_id']).execute()

  // The members above the fan-out threshold (a handful), found without reading every followee's row: a home feed
  // asks which of them the viewer follows on every read.
  await db.schema.createIndex('users_followers_count').on('users').column('followers_count').execute()

  // Rows at or before (published_at, post_id) were trimmed from the member's feed.
  await db.schema
    .createTable('feed_horizons')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('post_id', 'integer', (c) => c.notNull())
    .execute()
  // A fan-out asks once whether any feed's horizon reaches its post (almost never for a new post).
  await db.schema.createIndex('feed_horizons_published').on('feed_horizons').column('published_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('feed_horizons').execute()
  await db.schema.dropIndex('follows_followee_follower').execute()
  await db.schema.dropIndex('users_followers_count').execute()
  await sql`create table feed_items_old (
    user_id integer not null references users(id) on delete cascade,
    post_id integer not null references posts(id) on delete cascade,
    author_id integer not null references users(id) on delete cascade,
    published_at text not null,
    constraint feed_items_pk primary key (user_id, post_id)
  )`.execute(db)
  await sql`insert into feed_items_old (user_id, post_id, author_id, published_at)
    select f.user_id, f.post_id, f.author_id, f.published_at from feed_items f join posts p on p.id = f.post_id where true
    on conflict do nothing`.execute(db)
  await db.schema.dropTable('feed_items').execute()
  await sql`alter table feed_items_old rename to feed_items`.execute(db)
  await db.schema.createIndex('feed_items_read').on('feed_items').columns(['user_id', 'published_at', 'post_id']).execute()
  await db.schema.createIndex('feed_items_author').on('feed_items').columns(['user_id', 'author_id']).execute()
}
