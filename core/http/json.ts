// Reading a request's JSON body, with the API's one error for a body that is missing, malformed or not an object.
import { AppError } from '../errors.js'

/**
 * The JSON body of a request; a body that is not a JSON object is a VALIDATION_FAILED error. With `optional`, no
 * body at all is `{}` (for routes whose every field has a default).
 */
export async function jsonBody(
  c: { req: { header(name: string): string | undefined; json(): Promise<unknown>; text(): Promise<string> } },
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown>> {
  // Hono keeps the text it read, so json() below parses the same body.
  if (options.optional && !(await c.req.text()).trim()) return {}
  const type = c.req.header('content-type') ?? ''
  if (!type.startsWith('application/json')) {
    throw new AppError(400, 'VALIDATION_FAILED', 'Send a JSON body with Content-Type: application/json.', { fields: {} })
  }
  let body: unknown
  try {
    body = await c.req.json()
  } catch (err) {
    if (err instanceof AppError) throw err // cut off while it streamed (too large)
    throw new AppError(400, 'VALIDATION_FAILED', 'The request body is not valid JSON.', { fields: {} })
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError(400, 'VALIDATION_FAILED', 'The request body must be a JSON object.', { fields: {} })
  }
  return body as Record<string, unknown>
}
