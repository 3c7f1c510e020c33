// The policy engine (issue 19): the operator's rules on what members write, and the log of what each rule did.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table policy_rules (
    id integer primary key,
    name text not null,
    surfaces text not null,
    conditions text not null,
    action text not null check (action in ('refuse', 'flag')),
    message text not null default '',
    mode text not null default 'active' check (mode in ('active', 'dry_run', 'off')),
    created_by integer references users (id) on delete set null,
    created_at text not null,
    updated_at text not null
  )`.execute(db)
  await sql`create table policy_hits (
    id integer primary key,
    rule_id integer references policy_rules (id) on delete set null,
    rule_name text not null,
    surface text not null,
    user_id integer references users (id) on delete set null,
    action text not null,
    dry_run integer not null check (dry_run in (0, 1)),
    excerpt text not null,
    reasons text not null,
    target text,
    created_at text not null
  )`.execute(db)
  await sql`create index policy_hits_recent on policy_hits (id desc)`.execute(db)
  await sql`create index policy_hits_rule on policy_hits (rule_id, id)`.execute(db)
}
