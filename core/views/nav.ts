// The navigation model: which items get the tab bar (phone) and the top of the sidebar (desktop), and which go
// to the "More" menu. Pure, so themes and tests get the same answer.
import type { NavItem } from '../hooks/types.js'

/** The tab bar holds at most this many entries, whatever plugins ask for: it must never scroll sideways. */
export const PRIMARY_MAX = 5
/** The phone's top bar has room for this many icons beside the brand and the search box. */
export const TOP_MAX = 2

export interface NavGroups {
  /** At most PRIMARY_MAX items, in their `order`. */
  primary: NavItem[]
  /** At most TOP_MAX items (the phone's top bar; the sidebar after `primary`), in their `order`. */
  top: NavItem[]
  /** Everything else, in their `order`. */
  more: NavItem[]
}

/**
 * Split the viewer's items into the tab bar, the top bar and "More". Items asking for 'primary' (or 'top') compete
 * by `priority` (higher wins, then lower `order`) for PRIMARY_MAX (TOP_MAX) places; the losers and every 'more'
 * item go to "More", so every entry stays reachable.
 *
 * @example
 * const { primary, top, more } = arrangeNav(props.nav)
 */
export function arrangeNav(items: readonly NavItem[]): NavGroups {
  const byOrder = [...items].sort((a, b) => a.order - b.order)
  const winners = (placement: NavItem['placement'], max: number) =>
    byOrder
      .filter((i) => i.placement === placement)
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.order - b.order)
      .slice(0, max)
  const primary = new Set(winners('primary', PRIMARY_MAX))
  const top = new Set(winners('top', TOP_MAX))
  return { primary: byOrder.filter((i) => primary.has(i)), top: byOrder.filter((i) => top.has(i)), more: byOrder.filter((i) => !primary.has(i) && !top.has(i)) }
}
