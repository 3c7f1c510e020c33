// Reads a V8 CPU profile (node --cpu-prof) and lists the functions with the most self time, and the project's own
// functions with the most total time (synchronous stacks only: time after an await is not charged to the caller,
// so SQL shows as Kysely's executeQuery; scripts/bench/queries.ts names the statements).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT } from '../../core/paths.js'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

export function topFunctions(file: string, n = 25): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] }
  const byId = new Map(prof.nodes.map((x) => [x.id, x]))
  const parent = new Map<number, number>()
  for (const x of prof.nodes) for (const c of x.children ?? []) parent.set(c, x.id)
  const self = new Map<number, number>()
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0))
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const name = (x: Node) => `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.replace('file://' + ROOT + '/', '').replace(/^.*node_modules\//, 'nm/')}:${x.callFrame.lineNumber + 1}`
  const selfBy = new Map<string, number>()
  const totalBy = new Map<string, number>()
  for (const [id, t] of self) {
    const x = byId.get(id)!
    selfBy.set(name(x), (selfBy.get(name(x)) ?? 0) + t)
    // Inclusive time of project functions: each once per sample's stack.
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const y = byId.get(cur)!
      if (!y.callFrame.url.includes(ROOT) || y.callFrame.url.includes('node_modules')) continue
      const k = name(y)
      if (seen.has(k)) continue
      seen.add(k)
      totalBy.set(k, (totalBy.get(k) ?? 0) + t)
    }
  }
  const pct = (t: number) => ((t / total) * 100).toFixed(1).padStart(5) + ' %'
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `  ${pct(t)}  ${k}`)
  return ['self time:', ...top(selfBy), 'total time, project code:', ...top(totalBy)].join('\n')
}

// `node --import tsx scripts/bench/profile.ts FILE.cpuprofile [N]`
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1]) && process.argv[2]) console.log(topFunctions(process.argv[2], Number(process.argv[3] ?? 30)))
