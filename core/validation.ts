// Turns a zod schema's failure into a VALIDATION_FAILED error with one message per field.
import type { z } from 'zod'
import { validationFailed } from './errors.js'

/**
 * Parse input with a schema shared by the page form and the API.
 * @example const input = parse(loginInput, await c.req.json())
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const fields: Record<string, string> = {}
  for (const issue of result.error.issues) {
    const key = issue.path.join('.') || 'input'
    fields[key] ??= issue.message
  }
  throw validationFailed(fields)
}
