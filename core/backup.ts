// Backups: a consistent online copy of the database (SQLite's backup API) and the media folder, in one .tar.gz.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import * as tar from 'tar'

const STAGE_PREFIX = '.backup-'
export const BACKUP_FORMAT = 1

export interface BackupManifest {
  format: number
  hearth_version: string
  created_at: string
  database: string
  media: boolean
}

/** Where an instance's data is: the data folder (media, staging) and its database (config.dbFile: under LiteFS, in its mount). */
export interface DataPaths {
  dataDir: string
  dbFile: string
}

/** Write a backup of a live instance to `file` without stopping the server. */
export async function createBackup({ dataDir, dbFile }: DataPaths, file: string, version: string): Promise<BackupManifest & { bytes: number }> {
  if (!existsSync(dbFile)) throw new Error(`There is no database at ${dbFile} to back up.`)
  const target = resolve(file)
  mkdirSync(dirname(target), { recursive: true })
  // Staged in the data folder, never beside the database: nothing but LiteFS may write in its mount.
  mkdirSync(dataDir, { recursive: true })
  const stage = mkdtempSync(join(dataDir, STAGE_PREFIX))
  try {
    const source = new SQLite(dbFile, { readonly: true, fileMustExist: true })
    try {
      await source.backup(join(stage, 'hearth.db'))
    } finally {
      source.close()
    }
    const hasMedia = existsSync(join(dataDir, 'media'))
    const manifest: BackupManifest = { format: BACKUP_FORMAT, hearth_version: version, created_at: new Date().toISOString(), database: 'hearth.db', media: hasMedia }
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2))
    const stageName = basename(stage)
    const partial = `${target}.partial`
    await tar.c(
      {
        gzip: true,
        file: partial,
        cwd: dataDir,
        portable: true,
        // The staged files go to the archive's top level, beside media/.
        onWriteEntry(entry) {
          if (entry.path.startsWith(`${stageName}/`)) entry.path = entry.path.slice(stageName.length + 1)
        },
      },
      [`${stageName}/manifest.json`, `${stageName}/hearth.db`, ...(hasMedia ? ['media'] : [])],
    )
    // It holds password hashes and two-factor secrets: readable by its owner only.
    chmodSync(partial, 0o600)
    renameSync(partial, target)
    return { ...manifest, bytes: statSync(target).size }
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}

/**
 * Restore a backup into `dataDir`. The archive is unpacked and checked first; the current database
 * and media are kept beside it as `*.before-restore-TIME`, so nothing is lost.
 */
export async function restoreBackup(file: string, dataDir: string): Promise<{ manifest: BackupManifest; keptAs: string[] }> {
  const source = resolve(file)
  if (!existsSync(source)) throw new Error(`There is no file ${source}.`)
  mkdirSync(dataDir, { recursive: true })
  const stage = mkdtempSync(join(dataDir, '.restore-'))
  try {
    try {
      await tar.x({ file: source, cwd: stage, strict: true })
    } catch (err) {
      throw new Error(`${basename(source)} is not a Hearth backup (${(err as Error).message}).`)
    }
    const manifestFile = join(stage, 'manifest.json')
    if (!existsSync(manifestFile) || !existsSync(join(stage, 'hearth.db'))) throw new Error(`${basename(source)} is not a Hearth backup: it has no manifest.json and hearth.db.`)
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest
    if (manifest.format !== BACKUP_FORMAT) throw new Error(`This backup has format ${manifest.format}; this Hearth reads format ${BACKUP_FORMAT}.`)
    const check = new SQLite(join(stage, 'hearth.db'), { readonly: true, fileMustExist: true })
    try {
      const result = (check.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ')
      if (result !== 'ok') throw new Error(`The database in this backup is damaged: ${result}`)
    } finally {
      check.close()
    }

    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const keptAs: string[] = []
    const keep = (name: string, suffix = '') => {
      const path = join(dataDir, name + suffix)
      if (!existsSync(path)) return
      const kept = `${join(dataDir, name)}.before-restore-${stamp}${suffix}`
      renameSync(path, kept)
      keptAs.push(kept)
    }
    // The WAL holds committed transactions not yet in hearth.db: it moves with the file it belongs to.
    keep('hearth.db')
    keep('hearth.db', '-wal')
    keep('hearth.db', '-shm')
    renameSync(join(stage, 'hearth.db'), join(dataDir, 'hearth.db'))
    // The media folder always matches the restored database: the backup's, or none.
    keep('media')
    if (existsSync(join(stage, 'media'))) renameSync(join(stage, 'media'), join(dataDir, 'media'))
    else mkdirSync(join(dataDir, 'media'))
    return { manifest, keptAs }
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}
