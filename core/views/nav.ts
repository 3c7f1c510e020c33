// The navigation model: which items get the tab bar (phone) and the top of the sidebar (desktop), and which go
// to the "More" menu. Pure, so themes and tests get the same answer.
import type { NavItem } from '../hooks/types.js'

/** The tab bar holds at most this many entries, whatever plugins ask for: it must never scroll sideways. */
export const PRIMARY_MAX = 5

export interface NavGroups {
  /** At most PRIMARY_MAX items, in their `order`. */
  primary: NavItem[]
  /** Everything else, in their `order`. */
  more: NavItem[]
}

/**
 * Split the viewer's items into the tab bar and "More". Items asking for 'primary' compete by `priority` (higher
 * wins, then lower `order`); the losers and every 'more' item go to "More", so every entry stays reachable.
 *
 * @example
 * const { primary, more } = arrangeNav(props.nav)
 */
export function arrangeNav(items: readonly NavItem[]): NavGroups {
  const byOrder = [...items].sort((a, b) => a.order - b.order)
  const wanted = byOrder
    .filter((i) => i.placement === 'primary')
    .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.order - b.order)
  const chosen = new Set(wanted.slice(0, PRIMARY_MAX))
  return { primary: byOrder.filter((i) => chosen.has(i)), more: byOrder.filter((i) => !chosen.has(i)) }
}
