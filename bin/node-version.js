// The Node.js Hearth needs (22.12 or newer) and the one sentence bin/hearth.js says on an older one. Plain
// JavaScript because it runs before the TypeScript loader, on whatever Node started it.

/** The oldest Node.js Hearth runs on, as [major, minor]: package.json's `engines` (`>=22.12`). */
export const MIN_NODE = [22, 12]

/** True when `version` (like `process.versions.node`, "24.22.3") is at least MIN_NODE. */
export function nodeIsRecent(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
}

/**
 * What to say when Hearth is started on too old a Node, or null when `version` is recent enough. `provided` is
 * the Node 24 that install.sh fetched into the checkout's .node/, when it exists.
 */
export function tooOldMessage(version, provided) {
  if (nodeIsRecent(version)) return null
  const need = `Hearth needs Node.js ${MIN_NODE.join('.')} or newer and this is v${version}`
  return provided
    ? `error: ${need}; run it with the Node 24 that install.sh provided, ${provided}.\n`
    : `error: ${need}; run ./install.sh, which provides Node 24 in .node/ when the machine's Node is older.\n`
}
