// The ledger (decision 033): double-entry accounts and immutable transfers in whole units. Transfers are
// never updated or deleted (triggers refuse it); an account that may not go negative refuses it in a CHECK, so
// no code path, not even a direct SQL write, can leave a member's coins below zero.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table ledger_accounts (
    id integer primary key,
    key text not null unique,
    kind text not null check (kind in ('member_coins', 'member_earnings', 'earnings_hold', 'pending_withdrawals', 'platform_commission', 'world')),
    user_id integer,
    name text not null default '',
    unit text not null check (length(unit) between 1 and 16),
    may_go_negative integer not null default 0 check (may_go_negative in (0, 1)),
    debits_posted integer not null default 0 check (debits_posted >= 0),
    credits_posted integer not null default 0 check (credits_posted >= 0),
    debits_pending integer not null default 0 check (debits_pending >= 0),
    credits_pending integer not null default 0 check (credits_pending >= 0),
    created_at text not null,
    check (may_go_negative = 1 or credits_posted - debits_posted - debits_pending >= 0)
  )`.execute(db)
  await sql`create index ledger_accounts_user on ledger_accounts (user_id) where user_id is not null`.execute(db)
  await sql`create table ledger_transfers (
    id integer primary key,
    key text not null unique,
    type text not null check (type in ('posted', 'pending', 'post', 'void')),
    debit_account_id integer not null references ledger_accounts (id),
    credit_account_id integer not null references ledger_accounts (id),
    amount integer not null check (typeof(amount) = 'integer' and amount > 0),
    unit text not null,
    pending_id integer references ledger_transfers (id),
    reverses_id integer references ledger_transfers (id),
    timeout_at text,
    meta text not null default '{}',
    created_at text not null,
    check (debit_account_id <> credit_account_id),
    check ((type in ('post', 'void')) = (pending_id is not null))
  )`.execute(db)
  // A pending transfer is posted or voided once: its resolution is the one row that names it.
  await sql`create unique index ledger_transfers_resolution on ledger_transfers (pending_id) where pending_id is not null`.execute(db)
  await sql`create index ledger_transfers_debit on ledger_transfers (debit_account_id, id)`.execute(db)
  await sql`create index ledger_transfers_credit on ledger_transfers (credit_account_id, id)`.execute(db)
  await sql`create index ledger_transfers_timeout on ledger_transfers (timeout_at) where type = 'pending' and timeout_at is not null`.execute(db)
  await sql`create index ledger_transfers_reverses on ledger_transfers (reverses_id) where reverses_id is not null`.execute(db)
  await sql`create trigger ledger_transfers_immutable before update on ledger_transfers
    begin select raise(abort, 'ledger transfers are immutable: add a compensating transfer'); end`.execute(db)
  await sql`create trigger ledger_transfers_kept before delete on ledger_transfers
    begin select raise(abort, 'ledger transfers are never deleted: add a compensating transfer'); end`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ledger_transfers`.execute(db)
  await sql`drop table ledger_accounts`.execute(db)
}
