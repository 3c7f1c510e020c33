// Reading HTML form posts, and turning a validation error back into per-field messages on the page.
import type { Context } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from './env.js'

/** The text fields of a urlencoded or multipart form (files are left out). */
export async function formFields(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody()
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v
  return out
}

export interface FormProblem {
  status: number
  message: string
  fields: Record<string, string>
}

/**
 * Run a form action; an AppError a person can fix (validation, conflict, rate limit, refusal)
 * comes back as a FormProblem to show on the form. Anything else propagates to the error page.
 */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; problem: FormProblem }> {
  try {
    return { ok: true, value: await fn() }
  } catch (err) {
    if (err instanceof AppError && err.status < 500 && err.code !== 'CSRF_FAILED') {
      const fields = (err.details.fields as Record<string, string> | undefined) ?? {}
      return { ok: false, problem: { status: err.status, message: err.message, fields } }
    }
    throw err
  }
}

export const requestMeta = (c: Context<AppEnv>) => ({ ip: c.get('ip'), userAgent: c.req.header('user-agent') ?? null })

/** Every value of each field of a form (checkboxes of one name). */
export async function formLists(c: Context<AppEnv>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(await c.req.parseBody({ all: true }))) out[k] = ([] as unknown[]).concat(v).filter((x): x is string => typeof x === 'string')
  return out
}
