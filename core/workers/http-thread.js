// Entry of an HTTP worker thread (core/workers/pool.ts): TypeScript through tsx, as bin/hearth.js does, then the thread.
import { fileURLToPath } from 'node:url'

const { register } = await import('tsx/esm/api')
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) })
await import('./http-thread-main.ts')
