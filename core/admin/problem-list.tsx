// The problem checks' findings as a list: on the dashboard (its last run) and the usage page (run on the spot).
import type { Problem } from './problems.js'

export function ProblemList({ problems, at }: { problems: Problem[]; at?: string }) {
  return (
    <section class="card" data-problems={problems.length} aria-labelledby="problems-title">
      <h2 id="problems-title">{problems.length ? `Problems (${problems.length})` : 'No problems found'}</h2>
      {problems.length > 0 && (
        <ul class="stack">
          {problems.map((p) => (
            <li data-problem={p.id} data-level={p.level} class={p.level === 'critical' ? 'alert alert-error' : 'alert alert-info'}>
              <strong>{p.message}</strong> {p.hint}
            </li>
          ))}
        </ul>
      )}
      {at && <p class="hint">Checked {at.slice(0, 16).replace('T', ' ')} UTC, with the figures.</p>}
    </section>
  )
}
