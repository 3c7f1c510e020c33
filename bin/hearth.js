#!/usr/bin/env node
// Entry point of the `hearth` command: loads TypeScript sources through tsx, then runs the CLI.
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 11)) {
  process.stderr.write(`error: Hearth needs Node.js 20.11 or newer; this is ${process.version}.\n`)
  process.exit(1)
}
// Hearth's tsconfig (JSX through Preact) applies whatever the working directory is.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) })
const { main } = await import('../cli/index.ts')
const code = await main(process.argv)
process.exitCode = code
