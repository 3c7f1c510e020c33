// Which Node.js runs Hearth and whether it still gets security fixes, by Node's release schedule (decision 013).
import { MIN_NODE, nodeIsRecent } from '../../../bin/node-version.js'
import type { Check, CheckResult } from '../check.js'

/** The Node major Hearth ships and recommends: install.sh provides it where the machine's Node is too old. */
export const RECOMMENDED_MAJOR = 24

interface Release {
  /** When it became an LTS release ("Active LTS"); odd majors never do. */
  lts?: string
  /** When it went to maintenance (security and critical fixes only). */
  maintenance?: string
  /** End of life: no fixes of any kind after this day. */
  eol: string
}

/** Node's release schedule (github.com/nodejs/Release), dates as YYYY-MM-DD. Majors before 20 are long dead. */
export const NODE_RELEASES: Record<number, Release> = {
  20: { lts: '2023-10-24', maintenance: '2024-10-22', eol: '2026-04-30' },
  21: { eol: '2024-06-01' },
  22: { lts: '2024-10-29', maintenance: '2025-10-21', eol: '2027-04-30' },
  23: { eol: '2025-06-01' },
  24: { lts: '2025-10-28', maintenance: '2026-10-20', eol: '2028-04-30' },
  25: { eol: '2026-06-01' },
  26: { lts: '2026-10-28', maintenance: '2027-10-20', eol: '2029-04-30' },
}

/**
 * Judge a Node.js version on a given day (YYYY-MM-DD): FAIL when it is older than Hearth runs on or past its end of
 * life, WARN on a maintenance-only major older than the one Hearth ships (24 itself counts as fine through its
 * maintenance: it is what install.sh provides), on a release that is not LTS, and on a major newer than this
 * schedule; ok otherwise. The message always names the end of life when it is known.
 *
 * @example
 * judgeNode('20.20.2', '2026-12-04').status // 'fail': end of life since 2026-04-30
 * judgeNode('22.22.0', '2026-12-04').status // 'warn': maintenance only, end of life 2027-04-30
 * judgeNode('24.22.3', '2026-12-04').status // 'ok': the Node Hearth ships, fixes until 2028-04-30
 */
export function judgeNode(version: string, today: string): CheckResult {
  const major = Number(version.split('.')[0])
  const name = `Node.js ${version}`
  const upgrade = `Install Node.js ${RECOMMENDED_MAJOR} (./install.sh provides it when the machine's Node is older than ${MIN_NODE.join('.')}).`
  const release = NODE_RELEASES[major]
  if (!release) {
    return major < 20
      ? { status: 'fail', message: `${name} reached its end of life long ago and gets no security fixes`, hint: upgrade }
      : { status: 'warn', message: `${name} is newer than the release schedule this Hearth knows; Hearth is tested on ${RECOMMENDED_MAJOR}` }
  }
  if (today >= release.eol) {
    return { status: 'fail', message: `${name} reached its end of life on ${release.eol} and gets no security fixes`, hint: upgrade }
  }
  if (!nodeIsRecent(version)) {
    return { status: 'fail', message: `${name} is older than Hearth runs on (${MIN_NODE.join('.')} or newer)`, hint: upgrade }
  }
  const until = `end of life ${release.eol}`
  if (!release.lts || today < release.lts) {
    return { status: 'warn', message: `${name} is not an LTS release (${until})`, hint: `Node.js ${RECOMMENDED_MAJOR} LTS is the one Hearth ships and tests.` }
  }
  if (release.maintenance && today >= release.maintenance) {
    return major < RECOMMENDED_MAJOR
      ? { status: 'warn', message: `${name} gets only security fixes since ${release.maintenance} (maintenance LTS, ${until})`, hint: upgrade }
      : { status: 'ok', message: `${name}, the LTS Hearth ships (maintenance since ${release.maintenance}, ${until})` }
  }
  return { status: 'ok', message: `${name}, an active LTS (maintenance from ${release.maintenance}, ${until})` }
}

export const nodeVersion: Check = {
  name: 'Node.js version',
  async run() {
    const result = judgeNode(process.versions.node, new Date().toISOString().slice(0, 10))
    return { ...result, message: `${result.message}; binary ${process.execPath}` }
  },
}
