// The hello plugin's own tables (prefixed with its name).
import type { Generated, Selectable } from 'kysely'

export type HelloTables = {
  hello_waves: {
    id: Generated<number>
    user_id: number
    message: string
    created_at: Generated<string>
    /** Set by the wave-back job. */
    waved_back_at: string | null
  }
}

export type Wave = Selectable<HelloTables['hello_waves']>
