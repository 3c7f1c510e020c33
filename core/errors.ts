// The one error type a request or command may throw on purpose; respondWithError in core/app.ts turns it into a response.

/** Stable, machine-readable error codes. Clients switch on these; never rename one. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'TWO_FACTOR_REQUIRED'
  | 'ACCOUNT_SUSPENDED'
  | 'FORBIDDEN'
  | 'CSRF_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_REQUEST'
  | 'INTERNAL'
  | (string & {})

export type ErrorDetails = Record<string, unknown>

/**
 * A failure with an HTTP status, a stable code and a sentence a person can read.
 * @example throw new AppError(404, 'NOT_FOUND', 'No such user.')
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message)
    this.name = 'AppError'
  }
}

/**
 * Whether a thrown value is an AppError (core's or a plugin's): read its status, code and details.fields.
 * @example catch (err) { if (!isAppError(err) || err.status !== 400) throw err; return form(err.details.fields) }
 */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}

export const notFound = (what = 'That page') => new AppError(404, 'NOT_FOUND', `${what} does not exist.`)
export const forbidden = (message = 'You are not allowed to do that.') => new AppError(403, 'FORBIDDEN', message)
export const unauthenticated = (message = 'Log in first.') => new AppError(401, 'UNAUTHENTICATED', message)

/** A validation failure with one message per field, as `details.fields`. */
export function validationFailed(fields: Record<string, string>, message?: string): AppError {
  const first = Object.values(fields)[0]
  return new AppError(400, 'VALIDATION_FAILED', message ?? first ?? 'The input is not valid.', { fields })
}

/**
 * Thrown by a read that only the primary can answer (it needs what the primary keeps in memory, such as a one-time
 * grant to a file); on a replica the read is sent to the primary, elsewhere it answers 503.
 */
export class PrimaryOnlyRead extends AppError {
  constructor() {
    super(503, 'PRIMARY_UNAVAILABLE', 'The server that can answer this cannot be reached just now; try again in a moment.')
  }
}
