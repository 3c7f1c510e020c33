// Follower and following counts leave suspended members out, as the lists do (decision 017): recount them once;
// suspending and unsuspending keep them so from now on.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`update users set
    followers_count = (select count(*) from follows join users as f on f.id = follows.follower_id where follows.followee_id = users.id and f.suspended_at is null),
    following_count = (select count(*) from follows join users as f on f.id = follows.followee_id where follows.follower_id = users.id and f.suspended_at is null)
    where exists (select 1 from users as s where s.suspended_at is not null)`.execute(db)
}

export async function down(): Promise<void> {}
