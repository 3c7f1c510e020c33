// Post like and comment counts leave suspended members out, as the lists do (decision 017): recount them once;
// suspending, unsuspending and deleting comments keep them so from now on.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`update posts set
    likes_count = (select count(*) from reactions join users as u on u.id = reactions.user_id
      where reactions.post_id = posts.id and reactions.kind = 'like' and u.suspended_at is null),
    comments_count = (select count(*) from comments as c join users as u on u.id = c.author_id
      left join comments as parent on parent.id = c.parent_id left join users as pu on pu.id = parent.author_id
      where c.post_id = posts.id and u.suspended_at is null and (c.parent_id is null or pu.suspended_at is null))
    where exists (select 1 from users as s where s.suspended_at is not null)`.execute(db)
}

export async function down(): Promise<void> {}
