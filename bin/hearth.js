#!/usr/bin/env node
// Entry point of the `hearth` command: refuses too old a Node, loads TypeScript sources through tsx, then runs the CLI.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { tooOldMessage } from './node-version.js'

// Before anything else is loaded: the native modules were built for the Node that ran `npm ci`.
const provided = fileURLToPath(new URL('../.node/bin/node', import.meta.url))
const tooOld = tooOldMessage(process.versions.node, existsSync(provided) ? provided : null)
if (tooOld) {
  process.stderr.write(tooOld)
  process.exit(1)
}
const { register } = await import('tsx/esm/api')
// Hearth's tsconfig (JSX through Preact) applies whatever the working directory is.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) })
const { main } = await import('../cli/index.ts')
const code = await main(process.argv)
process.exitCode = code
