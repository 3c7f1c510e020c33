// STUN, TURN and the TURN secret became core settings (rtc.*) when calls between friends needed them beside random
// chat's Meet (decision 024): the values an operator set for Meet move over, unless core's are set already.
import { sql, type Kysely } from 'kysely'

const MOVED = ['stun_urls', 'turn_urls', 'turn_secret', 'turn_ttl_minutes']

export async function up(db: Kysely<any>): Promise<void> {
  for (const key of MOVED) {
    await sql`insert or ignore into settings (key, value) select ${`rtc.${key}`}, value from settings where key = ${`plugin.random-chat.${key}`}`.execute(db)
    await sql`delete from settings where key = ${`plugin.random-chat.${key}`}`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const key of MOVED) {
    await sql`insert or ignore into settings (key, value) select ${`plugin.random-chat.${key}`}, value from settings where key = ${`rtc.${key}`}`.execute(db)
  }
}
