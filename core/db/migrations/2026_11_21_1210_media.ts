// Uploaded media: images and videos, their processing state and the files made from them.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('media')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('image','video')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('processing').check(sql`status in ('processing','ready','failed')`))
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('variants', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('media_owner').on('media').columns(['owner_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('media').execute()
}
