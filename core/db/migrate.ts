// Runs migrations with Kysely's Migrator: one migration table per owner (core, each plugin), so each migrates on its own.
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { FileMigrationProvider, Migrator, type MigrationInfo, type MigrationResultSet } from 'kysely'
import type { Db } from './connect.js'

export const CORE_MIGRATIONS = path.join(import.meta.dirname, 'migrations')

/** The migration table of an owner: `hearth_migrations` for core, `hearth_migrations_<plugin>` for a plugin. */
export function migrationTable(owner: string): string {
  return owner === 'core' ? 'hearth_migrations' : `hearth_migrations_${owner.replace(/[^a-z0-9]/gi, '_')}`
}

function migrator(db: Db, owner: string, folder: string): Migrator {
  const table = migrationTable(owner)
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`,
  })
}

export interface MigrationStatus {
  owner: string
  name: string
  executedAt: string | null
}

/** Apply every pending migration of one owner. Throws with the failing migration's name. */
export async function migrateOwner(db: Db, owner: string, folder: string): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migrator(db, owner, folder).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`Migration ${failed ? `"${failed}" ` : ''}of ${owner} failed: ${reason}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

export async function migrationStatus(db: Db, owner: string, folder: string): Promise<MigrationStatus[]> {
  const list: readonly MigrationInfo[] = await migrator(db, owner, folder).getMigrations()
  return list.map((m) => ({ owner, name: m.name, executedAt: m.executedAt ? m.executedAt.toISOString() : null }))
}
