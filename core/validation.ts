// The one way input is checked at the edge: a zod schema's failure becomes VALIDATION_FAILED with one message per field.
import type { z } from 'zod'
import { validationFailed } from './errors.js'

/** The `details.fields` key of a problem with the input as a whole (not one field of it). */
export const WHOLE_INPUT = '_'

/**
 * A zod failure as `details.fields`: each issue's path joined with dots (`name`, `links.0.url`), `_` for the
 * input as a whole, and the first message for each key. The one rule behind every VALIDATION_FAILED (docs/api.md).
 * @example fieldsOf(schema.safeParse(input).error!) // { 'links.0.url': 'Enter a link.', _: 'Send a name or a bio.' }
 */
export function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || WHOLE_INPUT
    fields[key] ??= issue.message
  }
  return fields
}

/**
 * Parse input with a schema shared by the page form and the API; a failure throws 400 VALIDATION_FAILED whose
 * message is the first problem and whose `details.fields` follow `fieldsOf`.
 * @example const input = parse(loginInput, await c.req.json())
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw validationFailed(fieldsOf(result.error))
}
