// Request size limits shared by the app and the CSRF check.

/** Largest request body outside upload routes. */
export const BODY_LIMIT = 1024 * 1024

/** Routes that accept uploads and enforce their own (streaming) size limits. */
export const UPLOAD_PATHS = new Set(['/api/v1/media'])
