// Plugin settings: values checked against the manifest's schema, stored as `plugin.NAME.KEY`.
import { coerceAll, coerceSetting, type SettingsSchema } from '../settings/schema.js'
import type { SettingsService } from '../settings/service.js'

export function pluginSettingsStore(settings: SettingsService, plugin: string, schema: SettingsSchema) {
  const storeKey = (key: string) => `plugin.${plugin}.${key}`
  const spec = (key: string) => {
    const s = schema[key]
    if (!s) throw new Error(`Plugin ${plugin} has no setting "${key}".`)
    return s
  }
  /** A stored value as the schema reads it: the default when unset or no longer accepted. */
  const valueOf = (key: string, v: unknown): unknown => {
    const s = spec(key)
    if (v === undefined) return s.default
    try {
      return coerceSetting(key, s, v)
    } catch {
      return s.default // a stored value the schema no longer accepts
    }
  }
  const store = {
    async get(key: string): Promise<unknown> {
      return valueOf(key, await settings.read(storeKey(key)))
    },
    /** Every setting in one query. */
    async all(): Promise<Record<string, unknown>> {
      const stored = await settings.readMany(Object.keys(schema).map(storeKey))
      return Object.fromEntries(Object.keys(schema).map((key) => [key, valueOf(key, stored.get(storeKey(key)))]))
    },
    async set(key: string, value: unknown): Promise<void> {
      await settings.write(storeKey(key), coerceSetting(key, spec(key), value))
    },
    /** Save a whole admin form; every field is checked before anything is written. */
    async saveForm(form: Record<string, unknown>): Promise<void> {
      // A secret is never drawn back into the form (core/admin/pages.tsx): left empty, it keeps the one set.
      const kept = (key: string) => schema[key]?.type === 'string' && schema[key].secret === true && !form[key]
      for (const [key, value] of coerceAll(schema, form)) if (!kept(key)) await settings.write(storeKey(key), value)
    },
  }
  return store
}
