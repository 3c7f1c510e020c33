// The hello plugin's own tables (prefixed with its name).
import type { Generated, Selectable } from 'kysely'

export type HelloTables = {
  hello_waves: {
    id: Generated<number>
    user_id: number
    message: string
    created_at: Generated<string>
  }
}

export type Wave = Selectable<HelloTables['hello_waves']>
