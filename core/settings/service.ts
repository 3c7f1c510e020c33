// Instance settings kept in the `settings` table as JSON, with typed defaults for core keys.
import { randomBytes } from 'node:crypto'
import type { Db } from '../db/connect.js'
import { queryShapes, type SlotOf } from '../db/shapes.js'
import { audit } from '../audit.js'
import { validationFailed } from '../errors.js'
import { iceUrlsProblem } from '../rtc/ice.js'
import { shownValue, coerceSetting, type SettingsSchema, type SettingsValues } from './schema.js'

/** Core settings an operator changes (Admin → Site settings, `hearth settings`); the forms are drawn from this. */
export const CORE_SCHEMA = {
  'site.name': { type: 'string', label: 'Site name', default: 'Hearth', maxLength: 60 },
  'site.description': { type: 'string', label: 'Description on the home page', default: 'A home for our community.', maxLength: 300, multiline: true },
  'site.rules': { type: 'string', label: 'Community rules', default: '', maxLength: 5000, multiline: true, help: 'Shown to guests on the home page and to people signing up; one rule per line. Empty: no rules section.' },
  'seo.index': { type: 'boolean', label: 'Let search engines list public profiles and posts', default: true, help: 'On: robots.txt points them at /sitemap.xml (public profiles and public posts only, never private or hidden ones) and keeps them out of the console and the API. Off: robots.txt asks them to stay away.' },
  'seo.robots_extra': { type: 'string', label: 'More robots.txt lines', default: '', multiline: true, maxLength: 2000, help: 'Added to robots.txt as written, e.g. a block for one crawler: "User-agent: GPTBot" and "Disallow: /" on two lines.' },
  'landing.show_posts': { type: 'boolean', label: 'Show recent public photos to guests on the home page', default: false, help: 'Only public posts of public, active accounts, as guests see them anywhere else.' },
  'landing.show_member_count': { type: 'boolean', label: 'Show the number of members to guests on the home page', default: true },
  'registration.open': { type: 'boolean', label: 'Anyone may register', default: true, help: 'Admins can still create accounts.' },
  'registration.approval': { type: 'boolean', label: 'New members wait for an admin’s approval', default: false, help: 'They say why they want to join; their account is hidden and cannot log in until an admin approves it (Admin → Access). Invite links skip the wait.' },
  'registration.proof_of_work': { type: 'boolean', label: 'Sign-up and password-reset forms need a proof of work (anti-spam)', default: false, help: 'The browser spends a few seconds of computing before the form goes: nothing for a person, costly for a script sending thousands. Self-hosted, no third party. Needs JavaScript in the browser.' },
  'registration.proof_of_work_cost': { type: 'number', label: 'Proof of work: largest number to search', default: 100000, min: 1000, max: 10000000, integer: true, help: 'Half of it is tried on average; 100000 takes a phone about a second or two.' },
  'registration.email_confirmation': { type: 'select', label: 'Confirming the email address at sign-up', default: 'ask', options: ['off', 'ask', 'required'], help: 'ask: a link is emailed and the member is reminded until they use it; required: until then they can read but not post, comment or message; off: no link is sent. Needs outgoing email (below).' },
  'mail.host': { type: 'string', label: 'Outgoing email: SMTP server host (empty: no email is sent)', default: '', maxLength: 253, check: (v) => (v === '' || /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(v) ? null : 'a host name such as smtp.example.org.') },
  'mail.port': { type: 'number', label: 'Outgoing email: SMTP port', default: 587, min: 1, max: 65535, integer: true, help: '587 with STARTTLS, 465 with TLS, 25 between servers.' },
  'mail.security': { type: 'select', label: 'Outgoing email: encryption', default: 'starttls', options: ['starttls', 'tls', 'none'], help: 'starttls upgrades the connection and refuses to send without encryption; tls encrypts from the start (port 465); none sends in the clear (a relay on this machine only).' },
  'mail.user': { type: 'string', label: 'Outgoing email: user name (empty: no login)', default: '', maxLength: 320 },
  'mail.password': { type: 'string', label: 'Outgoing email: password', default: '', maxLength: 500, secret: true },
  'mail.from': { type: 'string', label: 'Outgoing email: From address', default: '', maxLength: 320, check: (v) => (v === '' || /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v) ? null : 'an address such as hello@example.org.'), help: 'Sent as “Site name <address>”. Empty: noreply@ the SMTP host.' },
  'push.services': { type: 'string', label: 'Push services browsers may subscribe through (one host per line; a line matches that host and its subdomains)', default: 'fcm.googleapis.com\npush.services.mozilla.com\nnotify.windows.com\npush.apple.com', multiline: true, maxLength: 2000, help: 'The push services of Chrome, Firefox, Edge and Safari. Add a self-hosted one (ntfy, UnifiedPush) by its host. The server sends pushes only to these, so a member cannot make it call other addresses. Plain http is allowed only for 127.0.0.1 or localhost when listed.' },
  'moderation.auto_hide_reports': { type: 'number', label: 'Hide a post or comment after this many reports from different members (0: never)', default: 0, min: 0, max: 1000, integer: true, help: 'It stays visible to its author and waits in the moderation queue; dismissing the reports shows it again. Reports by rules count as one voice each.' },
  'moderation.appeal_days': { type: 'number', label: 'Days a member has to appeal a removal', default: 30, min: 1, max: 365, integer: true, help: 'Removed posts and comments are kept (seen by their author only) until then, or until an appeal is decided; then they are deleted.' },
  'auth.login.ip_limit': { type: 'number', label: 'Login attempts per IP per window', default: 30, min: 1, max: 10000, integer: true },
  'auth.login.account_limit': { type: 'number', label: 'Failed logins per account per window', default: 5, min: 1, max: 1000, integer: true, help: 'Then the account is locked for the rest of the window.' },
  'auth.login.window_seconds': { type: 'number', label: 'Login window (seconds)', default: 900, min: 10, max: 86400, integer: true },
  'auth.register.ip_limit': { type: 'number', label: 'Registrations per IP per hour', default: 10, min: 1, max: 10000, integer: true },
  'auth.two_factor.attempt_limit': { type: 'number', label: 'Wrong two-factor codes per login', default: 5, min: 1, max: 100, integer: true },
  'account.export_hours': { type: 'number', label: 'Hours a member’s data export can be downloaded', default: 72, min: 1, max: 720, integer: true, help: 'Then the zip is removed from the server; the member can ask for a new one.' },
  'account.deletion_grace_days': { type: 'number', label: 'Days before a member’s account deletion happens', default: 14, min: 0, max: 90, integer: true, help: 'Signing in during this time cancels the deletion. 0: deleted within the hour.' },
  'account.deletion_policy': { type: 'select', label: 'What happens to a deleted member’s posts', default: 'purge', options: ['purge', 'anonymise'], help: 'purge: everything of theirs is removed. anonymise: their public posts and comments stay, shown as by “Deleted member”; the rest is removed. Either way their media files are removed from disk unless a kept post shows them.' },
  'auth.session_days': { type: 'number', label: 'Session lifetime (days)', default: 30, min: 1, max: 365, integer: true },
  'limits.api_requests_per_minute': { type: 'number', label: 'API requests per member per minute', default: 100, min: 1, max: 100000, integer: true },
  'limits.ip_requests_per_minute': { type: 'number', label: 'Requests per IP per minute', default: 1000, min: 1, max: 1000000, integer: true },
  'limits.posts_per_hour': { type: 'number', label: 'Posts per member per hour', default: 10, min: 1, max: 10000, integer: true },
  'limits.follows_per_day': { type: 'number', label: 'Follows per member per day', default: 100, min: 1, max: 100000, integer: true },
  'limits.likes_per_day': { type: 'number', label: 'Likes per member per day', default: 1000, min: 1, max: 1000000, integer: true },
  'media.image_max_mb': { type: 'number', label: 'Largest image upload (MB)', default: 20, min: 1, max: 200, integer: true },
  'media.video_max_mb': { type: 'number', label: 'Largest video upload (MB)', default: 200, min: 1, max: 4096, integer: true },
  'media.processing_concurrency': { type: 'number', label: 'Media files processed at once', default: 1, min: 1, max: 8, integer: true, help: 'Keep it below the number of CPU cores so the site stays responsive. Applies at the next start.' },
  'feed.fanout_threshold': { type: 'number', label: 'Followers from which posts are pulled, not pushed', default: 10000, min: 0, max: 10000000, integer: true, help: 'Posts of members with more followers are read at feed time instead of copied into every follower’s feed.' },
  'feed.kept_items': { type: 'number', label: 'Posts kept in each member’s home feed', default: 1000, min: 50, max: 100000, integer: true, help: 'Older pages of a home feed are read from the followed members’ posts instead. More keeps deep scrolling cheap but makes the database larger.' },
  'feed.explore_refresh_seconds': { type: 'number', label: 'Explore ranking and trending refresh (seconds)', default: 60, min: 0, max: 3600, integer: true, help: 'Ranking explore reads a month of posts; it is made at most this often and shared. 0 ranks on every view (slow on a large site).' },
  'rtc.stun_urls': { type: 'string', label: 'STUN servers for calls (one URL per line, e.g. stun:stun.example.org:3478)', default: '', multiline: true, maxLength: 2000, check: (v) => iceUrlsProblem(v, 'stun'), help: 'Without any, browsers connect calls only where they can reach each other directly (the same network). Used by every calling feature (Meet, calls between friends).' },
  'rtc.turn_urls': { type: 'string', label: 'TURN relays for calls (one URL per line, e.g. turn:turn.example.org:3478?transport=udp)', default: '', multiline: true, maxLength: 2000, check: (v) => iceUrlsProblem(v, 'turn'), help: 'Given to members only with a TURN secret.' },
  'rtc.turn_secret': { type: 'string', label: 'TURN shared secret (coturn use-auth-secret)', default: '', maxLength: 500, secret: true, help: 'Members get credentials made from it that expire; the secret itself never reaches a browser.' },
  'rtc.turn_ttl_minutes': { type: 'number', label: 'Minutes a TURN credential lasts', default: 60, min: 5, max: 1440, integer: true },
  'verification.open': { type: 'boolean', label: 'Members may ask for the verified badge', default: true, help: 'Off: Settings → Verification says requests are closed; staff can still grant the badge (Admin → Verification).' },
  'verification.terms': { type: 'string', label: 'Terms of the verified badge', default: '', multiline: true, maxLength: 10000, help: 'Who may be verified and what proof staff look for, in Markdown-lite. Shown on the request page and beside each request in the console.' },
  'verification.cooldown_days': { type: 'number', label: 'Days before a member may ask again after a rejection', default: 30, min: 0, max: 365, integer: true },
} as const satisfies SettingsSchema

export type CoreSettings = SettingsValues<typeof CORE_SCHEMA> & {
  /** The active theme's folder name under themes/ (`hearth theme use`). */
  theme: string
  /** The uploaded link preview image's file under media/site/ ('' for the drawn one): Admin → Site settings. */
  'seo.share_image': string
}

export const CORE_DEFAULTS: CoreSettings = {
  ...(Object.fromEntries(Object.entries(CORE_SCHEMA).map(([k, spec]) => [k, spec.default])) as SettingsValues<typeof CORE_SCHEMA>),
  theme: 'default',
  'seo.share_image': '',
}

export type SettingsService = ReturnType<typeof createSettings>

/**
 * SQLite's `data_version` of this process's connection: it changes when another connection (the CLI, another
 * process) commits to the database, and never for this connection's own writes.
 */
export type DataVersion = () => number

/**
 * The settings service. Core settings are read on every request (limits, the feed's threshold, the site's name),
 * so with `dataVersion` their values are kept in memory: this service's own writes update them, and any commit by
 * another connection (`hearth settings set` from the shell) drops them all before the next read.
 */
export function createSettings(db: Db, options: { dataVersion?: DataVersion } = {}) {
  const { dataVersion } = options
  // A plugin's whole settings are read on its hot paths (a gift's send reads the coins plugin's twelve).
  const shapes = queryShapes(db, 32)
  const kept = new Map<string, unknown>()
  let keptAt = dataVersion?.()
  /** Bumped by every write, so a read that began before one never keeps what it read. */
  let writes = 0
  /** Core keys only: other keys (plugins', internal tokens) are written by code that bypasses this service. */
  const keepable = (key: string) => dataVersion !== undefined && Object.hasOwn(CORE_DEFAULTS, key)
  async function read(key: string): Promise<unknown> {
    if (keepable(key)) {
      const version = dataVersion!()
      if (version !== keptAt) {
        kept.clear()
        keptAt = version
      }
      if (kept.has(key)) return kept.get(key)
    }
    const began = writes
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
    const value = row ? JSON.parse(row.value) : undefined
    if (keepable(key) && began === writes && keptAt === dataVersion!()) kept.set(key, value)
    return value
  }
  async function write(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value)
    writes++
    kept.delete(key)
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
    /** Several keys in one query (a plugin's whole settings), by key; a key never set is absent. */
    async readMany(keys: string[]): Promise<Map<string, unknown>> {
      const slots = Object.fromEntries(keys.map((k, i) => [`k${i}`, k]))
      const many = (slot: SlotOf) => db.selectFrom('settings').select(['key', 'value']).where('key', 'in', keys.map((_, i) => slot<string>(`k${i}`)))
      const rows = keys.length ? await shapes.all(`settings.many:${keys.length}`, many, slots) : []
      return new Map(rows.map((r) => [r.key, JSON.parse(r.value)]))
    },
    write,
    /**
     * Change core settings from text (the admin form, `hearth settings set`): every value is checked
     * before any is written, and the change is audited. Unknown keys are refused.
     */
    async updateCore(values: Record<string, unknown>, actorId: number | null): Promise<Record<string, string | number | boolean>> {
      const changed: Record<string, string | number | boolean> = {}
      for (const [key, raw] of Object.entries(values)) {
        const spec = (CORE_SCHEMA as SettingsSchema)[key]
        if (!spec) throw validationFailed({ [key]: `There is no setting "${key}".` })
        changed[key] = coerceSetting(key, spec, raw)
      }
      for (const [key, value] of Object.entries(changed)) await write(key, value)
      const shown = Object.fromEntries(Object.entries(changed).map(([k, v]) => [k, shownValue((CORE_SCHEMA as SettingsSchema)[k], v)]))
      if (Object.keys(changed).length) await audit(db, { actorId, action: 'settings.update', targetType: 'settings', details: shown })
      return changed
    },
    async remove(key: string): Promise<void> {
      writes++
      kept.delete(key)
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
