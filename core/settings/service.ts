// Instance settings kept in the `settings` table as JSON, with typed defaults for core keys.
import { randomBytes } from 'node:crypto'
import type { Db } from '../db/connect.js'

export interface CoreSettings {
  'site.name': string
  'site.description': string
  /** Whether anyone may register; admins can still create accounts. */
  'registration.open': boolean
  /** The active theme's folder name under themes/. */
  theme: string
  /** Login attempts per IP per window (window: auth.login.window_seconds). */
  'auth.login.ip_limit': number
  /** Failed logins per account per window before it is locked for the rest of it. */
  'auth.login.account_limit': number
  'auth.login.window_seconds': number
  /** Registrations per IP per hour. */
  'auth.register.ip_limit': number
  /** Wrong two-factor codes per login before the challenge is dropped. */
  'auth.two_factor.attempt_limit': number
  /** Session lifetime in days. */
  'auth.session_days': number
}

export const CORE_DEFAULTS: CoreSettings = {
  'site.name': 'Hearth',
  'site.description': 'A home for our community.',
  'registration.open': true,
  theme: 'default',
  'auth.login.ip_limit': 30,
  'auth.login.account_limit': 5,
  'auth.login.window_seconds': 900,
  'auth.register.ip_limit': 10,
  'auth.two_factor.attempt_limit': 5,
  'auth.session_days': 30,
}

export type SettingsService = ReturnType<typeof createSettings>

export function createSettings(db: Db) {
  async function read(key: string): Promise<unknown> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
    return row ? JSON.parse(row.value) : undefined
  }
  async function write(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value)
    await db
      .insertInto('settings')
      .values({ key, value: json })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json }))
      .execute()
  }
  return {
    /** A core setting, or its default. */
    async get<K extends keyof CoreSettings>(key: K): Promise<CoreSettings[K]> {
      const v = await read(key)
      return (v === undefined ? CORE_DEFAULTS[key] : v) as CoreSettings[K]
    },
    async set<K extends keyof CoreSettings>(key: K, value: CoreSettings[K]): Promise<void> {
      await write(key, value)
    },
    /** Any key, for plugin settings (`plugin.<name>.<key>`) and internal values. */
    read,
    write,
    async remove(key: string): Promise<void> {
      await db.deleteFrom('settings').where('key', '=', key).execute()
    },
    /** The instance secret used to sign tokens; made once, on first use. */
    async secret(): Promise<string> {
      const existing = (await read('instance.secret')) as string | undefined
      if (existing) return existing
      const made = randomBytes(32).toString('base64url')
      await db.insertInto('settings').values({ key: 'instance.secret', value: JSON.stringify(made) }).onConflict((oc) => oc.doNothing()).execute()
      return (await read('instance.secret')) as string
    },
  }
}
