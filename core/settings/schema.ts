// Typed setting specs shared by core settings and plugin settings: values are checked against them,
// and the admin forms are drawn from them.
import { validationFailed } from '../errors.js'

export type SettingSpec =
  | { type: 'string'; default: string; label: string; help?: string; maxLength?: number; multiline?: boolean; secret?: boolean; check?: (value: string) => string | null }
  | { type: 'number'; default: number; label: string; help?: string; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean'; default: boolean; label: string; help?: string }
  | { type: 'select'; default: string; label: string; help?: string; options: readonly string[] }

export type SettingsSchema = Record<string, SettingSpec>

export type SettingValue<T extends SettingSpec> = T extends { type: 'number' } ? number : T extends { type: 'boolean' } ? boolean : string
export type SettingsValues<S extends SettingsSchema> = { [K in keyof S]: SettingValue<S[K]> }

/** Check (and for form or CLI text, convert) one value against its spec. Throws VALIDATION_FAILED. */
export function coerceSetting(key: string, spec: SettingSpec, raw: unknown): string | number | boolean {
  const fail = (msg: string) => validationFailed({ [key]: `${spec.label}: ${msg}` })
  switch (spec.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw
      if (raw === undefined || raw === null || raw === '' || raw === 'off' || raw === 'false' || raw === '0' || raw === 'no') return false
      if (raw === 'on' || raw === 'true' || raw === '1' || raw === 'yes') return true
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
      const problem = spec.check?.(raw)
      if (problem) throw fail(problem)
      return raw
    }
  }
}

/** Check every field of a form before anything is written; returns the converted values. */
export function coerceAll(schema: SettingsSchema, form: Record<string, unknown>): [string, string | number | boolean][] {
  return Object.entries(schema).map(([key, spec]) => [key, coerceSetting(key, spec, form[key])])
}

/** A value as logs, the audit trail and the CLI show it: a secret only as set or not. */
export function shownValue(spec: SettingSpec | undefined, value: unknown): unknown {
  return spec?.type === 'string' && spec.secret ? (value ? '(set)' : '(not set)') : value
}
