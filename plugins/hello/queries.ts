// Queries of the hello plugin; each takes the database first.
import { queryShapes, type PluginDb as Db } from '../../core/plugins/api.js'
import type { HelloTables } from './tables.js'
const own = (db: Db) => db.withTables<HelloTables>()
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

export async function addWave(db: Db, userId: number, message: string): Promise<number> {
  const row = await own(db).insertInto('hello_waves').values({ user_id: userId, message, waved_back_at: null }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

/** Mark a wave waved back; the wave's author, or null when it was gone or already waved back (a job run twice). */
export async function waveBack(db: Db, waveId: number): Promise<number | null> {
  const row = await own(db)
    .updateTable('hello_waves')
    .set({ waved_back_at: new Date().toISOString() })
    .where('id', '=', waveId)
    .where('waved_back_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst()
  return row?.user_id ?? null
}

/** The newest waves with their authors' names. */
export function recentWaves(db: Db, limit: number, userId?: number) {
  let q = own(db)
    .selectFrom('hello_waves')
    .innerJoin('users', 'users.id', 'hello_waves.user_id')
    .select(['hello_waves.id', 'hello_waves.message', 'hello_waves.created_at', 'hello_waves.waved_back_at', 'users.username'])
    .orderBy('hello_waves.id', 'desc')
    .limit(limit)
  if (userId !== undefined) q = q.where('hello_waves.user_id', '=', userId)
  return q.execute()
}

/** On every home page: built once. */
export async function countWaves(db: Db): Promise<number> {
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 1)))
  const [r] = await shapes.all('count', () => own(db).selectFrom('hello_waves').select((eb) => eb.fn.countAll<number>().as('n')), {})
  return Number(r!.n)
}
