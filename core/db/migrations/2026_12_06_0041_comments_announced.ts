// Held comments (issue 19): a comment a rule holds for review is neither counted nor announced (notifications) until
// staff release it. `announced` says whether its notifications went out; the counts are taken again without the held.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // Every comment so far was announced when it was made, held or not.
  await sql`alter table comments add column announced integer not null default 1`.execute(db)
  await sql`update posts set comments_count = (select count(*) from comments as c join users as u on u.id = c.author_id
      left join comments as parent on parent.id = c.parent_id left join users as pu on pu.id = parent.author_id
      where c.post_id = posts.id and c.held_at is null and u.suspended_at is null
        and (c.parent_id is null or (pu.suspended_at is null and parent.held_at is null)))
    where posts.id in (select post_id from comments where held_at is not null)`.execute(db)
  await sql`update comments set replies_count = (select count(*) from comments as r where r.parent_id = comments.id and r.held_at is null)
    where comments.id in (select parent_id from comments where held_at is not null and parent_id is not null)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table comments drop column announced`.execute(db)
}
