// What plugins add to the pages: navigation items, slot content, profile tabs and settings panels.
import type { VNode } from 'preact'
import type { Audience, NavItem } from '../hooks/types.js'
import type { Logger } from '../logger.js'
import type { ProfileTab, SettingsPanel, SlotName, SlotProps, SlotRenderer } from './slots.js'
import type { Viewer } from '../users/types.js'
import { allows } from '../users/permissions.js'
import { CARD_KIND, type CardResolver, type SharedCard } from './cards.js'

interface Owned {
  owner: string
  order: number
}

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/

export class UiRegistry {
  readonly nav: NavItem[] = []
  private readonly slots = new Map<SlotName, (Owned & { render: SlotRenderer<any> })[]>()
  readonly profileTabs: (ProfileTab & Owned)[] = []
  readonly settingsPanels: (SettingsPanel & Owned)[] = []
  private readonly cards = new Map<string, { owner: string; resolve: CardResolver }>()

  constructor(private readonly log: Logger) {}

  addNav(item: NavItem): void {
    if (this.nav.some((n) => n.id === item.id)) throw new Error(`A navigation item "${item.id}" already exists.`)
    if (!item.href.startsWith('/')) throw new Error(`Navigation item "${item.id}" must link to a path starting with "/".`)
    this.nav.push(item)
  }

  addSlot<N extends SlotName>(name: N, owner: string, render: SlotRenderer<SlotProps[N]>, order = 10): void {
    const list = this.slots.get(name) ?? []
    list.push({ owner, order, render })
    list.sort((a, b) => a.order - b.order)
    this.slots.set(name, list)
  }

  addProfileTab(owner: string, tab: ProfileTab): void {
    if (!ID.test(tab.id)) throw new Error(`Profile tab id "${tab.id}" must be lowercase letters, digits and dashes.`)
    if (['posts', 'videos', 'tagged', 'saved'].includes(tab.id) || this.profileTabs.some((t) => t.id === tab.id)) throw new Error(`A profile tab "${tab.id}" already exists.`)
    this.profileTabs.push({ ...tab, owner, order: tab.order ?? 10 })
    this.profileTabs.sort((a, b) => a.order - b.order)
  }

  addSettingsPanel(owner: string, panel: SettingsPanel): void {
    if (!ID.test(panel.id)) throw new Error(`Settings panel id "${panel.id}" must be lowercase letters, digits and dashes.`)
    if (['account', 'security', 'profile', 'privacy', 'notifications'].includes(panel.id) || this.settingsPanels.some((p) => p.id === panel.id)) {
      throw new Error(`A settings panel "${panel.id}" already exists.`)
    }
    this.settingsPanels.push({ ...panel, owner, order: panel.order ?? 10 })
    this.settingsPanels.sort((a, b) => a.order - b.order)
  }

  /** The resolver of a kind of shared card (`post`, `profile`, a plugin's `story`): one per kind. */
  addCard(owner: string, kind: string, resolve: CardResolver): void {
    if (!CARD_KIND.test(kind)) throw new Error(`Card kind "${kind}" must be lowercase letters, digits and dashes.`)
    if (this.cards.has(kind)) throw new Error(`A card kind "${kind}" already exists.`)
    this.cards.set(kind, { owner, resolve })
  }

  hasCard(kind: string): boolean {
    return this.cards.has(kind)
  }

  /**
   * A card as this viewer may see it now, or null: an unknown kind (its plugin turned off), a thing they may not see,
   * or a resolver that failed (logged with its owner).
   */
  async resolveCard(viewer: Viewer | null, kind: string, ref: number): Promise<SharedCard | null> {
    const entry = this.cards.get(kind)
    if (!entry) return null
    try {
      const card = await entry.resolve(viewer, ref)
      if (!card || (card.expires_at && Date.parse(card.expires_at) <= Date.now())) return null
      return { ...card, kind, ref }
    } catch (err) {
      // A resolver answers null for what the viewer may not see; NOT_FOUND thrown by a service reads the same.
      if ((err as { status?: number }).status !== 404) this.log.error({ err, plugin: entry.owner, kind }, `card ${kind} of ${entry.owner} failed to resolve`)
      return null
    }
  }

  /** Forget everything one owner added (a plugin that failed to register). */
  removeOwner(owner: string): void {
    const keep = <T extends { owner: string }>(list: T[]) => list.splice(0, list.length, ...list.filter((x) => x.owner !== owner))
    keep(this.nav)
    keep(this.profileTabs)
    keep(this.settingsPanels)
    for (const [name, list] of this.slots) this.slots.set(name, list.filter((s) => s.owner !== owner))
    for (const [kind, card] of this.cards) if (card.owner === owner) this.cards.delete(kind)
  }

  /**
   * Nav items this viewer may see, in order, before the nav filter runs. `{me}` in an href becomes the viewer's
   * username, so one item links every member to their own profile.
   */
  navFor(viewer: Viewer | null): NavItem[] {
    const sees = (a: Audience) =>
      a === 'everyone' ||
      (a === 'guests' && !viewer) ||
      (a === 'members' && !!viewer) ||
      (a === 'staff' && allows(viewer, 'staff')) ||
      (a === 'admins' && viewer?.role === 'admin')
    return this.nav
      .filter((n) => sees(n.audience) && (viewer || !n.href.includes('{me}')))
      .map((n) => (viewer && n.href.includes('{me}') ? { ...n, href: n.href.replaceAll('{me}', encodeURIComponent(viewer.username)) } : n))
      .sort((a, b) => a.order - b.order)
  }

  /** Render a slot's pieces. A piece that throws is logged with its plugin and left out. */
  async renderSlot<N extends SlotName>(name: N, props: SlotProps[N]): Promise<VNode[]> {
    const out: VNode[] = []
    for (const s of this.slots.get(name) ?? []) {
      try {
        const v = await s.render(props)
        if (v) out.push(v)
      } catch (err) {
        this.log.error({ err, plugin: s.owner, slot: name }, `slot ${name} of ${s.owner} failed to render`)
      }
    }
    return out
  }

  describe() {
    return {
      nav: this.nav.map((n) => ({ id: n.id, owner: n.owner, href: n.href })),
      slots: [...this.slots.entries()].map(([name, list]) => ({ name, owners: list.map((s) => s.owner) })),
      profileTabs: this.profileTabs.map((t) => ({ id: t.id, owner: t.owner })),
      settingsPanels: this.settingsPanels.map((p) => ({ id: p.id, owner: p.owner })),
      cards: [...this.cards.entries()].map(([kind, c]) => ({ kind, owner: c.owner })),
    }
  }
}
