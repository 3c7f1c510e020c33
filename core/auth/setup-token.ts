// The one-time setup token: made by `hearth init` (or at start with no admin), shown as a link, spent creating the first admin.
import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/connect.js'
import type { SettingsService } from '../settings/service.js'

const SETUP_KEY = 'setup.token_hash'
const hashToken = (t: string) => createHash('sha256').update(t).digest('base64url')

/** Make a one-time setup token (stored hashed) for creating the first admin from a browser. */
export async function createSetupToken(settings: SettingsService): Promise<string> {
  const token = randomBytes(24).toString('base64url')
  await settings.write(SETUP_KEY, hashToken(token))
  return token
}

/** Whether `token` is the setup token still waiting to be used. */
export async function setupTokenValid(settings: SettingsService, token: string | undefined): Promise<boolean> {
  const stored = (await settings.read(SETUP_KEY)) as string | undefined
  return !!token && !!stored && hashToken(token) === stored
}

/** Take the setup token in one statement, so two requests cannot both use it. */
export async function claimSetupToken(db: Db, token: string | undefined): Promise<boolean> {
  if (!token) return false
  const r = await db.deleteFrom('settings').where('key', '=', SETUP_KEY).where('value', '=', JSON.stringify(hashToken(token))).executeTakeFirst()
  return Number(r.numDeletedRows) === 1
}

/** Give a claimed token back when nothing was made with it (the form had a problem), so the link still works. */
export async function restoreSetupToken(settings: SettingsService, token: string): Promise<void> {
  await settings.write(SETUP_KEY, hashToken(token))
}
