// One input of a settings form, drawn from its spec (site settings and plugins' settings share it).
import type { SettingSpec } from '../settings/schema.js'

export function SettingInput({ name, spec, value }: { name: string; spec: SettingSpec; value: unknown }) {
  const id = `s-${name}`
  const label = (
    <label for={id}>
      {spec.label}
    </label>
  )
  const help = spec.help ? <p class="hint">{spec.help}</p> : null
  switch (spec.type) {
    case 'boolean':
      return (
        <div class="field">
          <label>
            <input id={id} type="checkbox" name={name} checked={value === true} /> {spec.label}
          </label>
          {help}
        </div>
      )
    case 'select':
      return (
        <div class="field">
          {label}
          <select id={id} name={name}>
            {spec.options.map((o) => (
              <option value={o} selected={o === value}>
                {o}
              </option>
            ))}
          </select>
          {help}
        </div>
      )
    case 'number':
      return (
        <div class="field">
          {label}
          <input id={id} type="number" name={name} value={String(value)} min={spec.min} max={spec.max} step={spec.integer ? 1 : 'any'} />
          {help}
        </div>
      )
    default:
      if (spec.secret) {
        // Never sent back to a browser: empty keeps the one set (`hearth settings reset KEY` removes it).
        return (
          <div class="field">
            {label}
            <input id={id} type="password" name={name} value="" autocomplete="off" maxLength={spec.maxLength} placeholder={value ? 'Set (leave empty to keep it)' : 'Not set'} />
            {help}
          </div>
        )
      }
      return (
        <div class="field">
          {label}
          {spec.multiline ? <textarea id={id} name={name} maxLength={spec.maxLength}>{String(value)}</textarea> : <input id={id} name={name} value={String(value)} maxLength={spec.maxLength} />}
          {help}
        </div>
      )
  }
}
