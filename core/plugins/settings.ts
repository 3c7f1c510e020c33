// Plugin settings: values checked against the manifest's schema, stored as `plugin.NAME.KEY`.
import { validationFailed } from '../errors.js'
import type { SettingsService } from '../settings/service.js'
import type { SettingSpec, SettingsSchema } from './api.js'

/** Check (and for form input, convert) one value against its spec. Throws VALIDATION_FAILED. */
export function coerceSetting(key: string, spec: SettingSpec, raw: unknown): string | number | boolean {
  const fail = (msg: string) => validationFailed({ [key]: `${spec.label}: ${msg}` })
  switch (spec.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw
      if (raw === undefined || raw === null || raw === '' || raw === 'off' || raw === 'false' || raw === '0') return false
      if (raw === 'on' || raw === 'true' || raw === '1') return true
      throw fail('choose yes or no.')
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN
      if (!Number.isFinite(n)) throw fail('enter a number.')
      if (spec.integer && !Number.isInteger(n)) throw fail('enter a whole number.')
      if (spec.min !== undefined && n < spec.min) throw fail(`use ${spec.min} or more.`)
      if (spec.max !== undefined && n > spec.max) throw fail(`use ${spec.max} or less.`)
      return n
    }
    case 'select':
      if (typeof raw !== 'string' || !spec.options.includes(raw)) throw fail(`choose one of ${spec.options.join(', ')}.`)
      return raw
    case 'string': {
      if (typeof raw !== 'string') throw fail('enter some text.')
      const max = spec.maxLength ?? 2000
      if (raw.length > max) throw fail(`use at most ${max} characters.`)
      return raw
    }
  }
}

export function pluginSettingsStore(settings: SettingsService, plugin: string, schema: SettingsSchema) {
  const storeKey = (key: string) => `plugin.${plugin}.${key}`
  const spec = (key: string) => {
    const s = schema[key]
    if (!s) throw new Error(`Plugin ${plugin} has no setting "${key}".`)
    return s
  }
  const store = {
    async get(key: string): Promise<unknown> {
      const s = spec(key)
      const v = await settings.read(storeKey(key))
      if (v === undefined) return s.default
      try {
        return coerceSetting(key, s, v)
      } catch {
        return s.default // a stored value the schema no longer accepts
      }
    },
    async all(): Promise<Record<string, unknown>> {
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(schema)) out[key] = await store.get(key)
      return out
    },
    async set(key: string, value: unknown): Promise<void> {
      await settings.write(storeKey(key), coerceSetting(key, spec(key), value))
    },
    /** Save a whole admin form; every field is checked before anything is written. */
    async saveForm(form: Record<string, unknown>): Promise<void> {
      const values = Object.entries(schema).map(([key, s]) => [key, coerceSetting(key, s, form[key])] as const)
      for (const [key, value] of values) await settings.write(storeKey(key), value)
    },
  }
  return store
}
