// Search input, shared by the page form and the API: the query text and the result type.
import { z } from 'zod'

export const SEARCH_QUERY_MAX = 100

/** What was typed: trimmed, not empty, at most 100 characters (counted as characters, not bytes). */
export const searchQuery = z
  .string({ error: 'Type something to search for.' })
  .trim()
  .min(1, { error: 'Type something to search for.' })
  .refine((q) => [...q].length <= SEARCH_QUERY_MAX, { error: `Search for at most ${SEARCH_QUERY_MAX} characters.` })

/** The `q` parameter of every search, so a refusal names the field. */
export const searchQueryInput = z.object({ q: searchQuery })

export const SEARCH_TYPES = ['posts', 'users', 'tags'] as const
export type SearchType = (typeof SEARCH_TYPES)[number]
