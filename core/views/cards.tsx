// Shared cards: a post, a profile or a plugin's thing (a story) drawn small where it is shared, such as in a message.
// Each kind has one resolver, owned by core or a plugin, that answers the card as one viewer may see it, or null when
// they may not (hidden and missing read the same: "This is unavailable."). Cards are resolved for each reader at the
// moment they read, never stored, so a post made private or a story that expired stops showing at once.
import type { Viewer } from '../users/types.js'
import { template } from './theme.js'

/** A card as one viewer may see it. */
export interface SharedCard {
  /** Its kind: `post`, `profile`, or a plugin's (`story`). */
  kind: string
  /** The id of the thing within its kind. */
  ref: number
  /** Where the card leads (a path on this site). */
  url: string
  /** What it is, for the reader: "Post", "Profile", "Story". */
  label: string
  /** The name it is shown under (an author, a member). */
  title: string
  /** A second line, such as "@ana". */
  subtitle?: string
  /** The start of its text (plain, at most 280 characters). */
  text?: string
  /** A small picture (a post's first photo, an avatar, a story's frame). */
  image?: { url: string; alt: string; round?: boolean } | null
  /** When it stops being shown (a story), or null. */
  expires_at?: string | null
}

/** Answers a card for a viewer, or null when they may not see it (or it is gone). */
export type CardResolver = (viewer: Viewer | null, ref: number) => Promise<SharedCard | null>

export const CARD_KIND = /^[a-z][a-z0-9-]{0,29}$/

/** Cut a text to a card's length on a character boundary. */
export function cardText(text: string, max = 280): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

/**
 * A shared card, or "This is unavailable." when the reader may not see it. Themes replace it as `card.shared`.
 * @example <SharedCardView card={await ctx.core.cards.resolve(viewer, 'post', 12)} />
 */
export const SharedCardView = template('card.shared', function SharedCardView({ card, kind }: { card: SharedCard | null; kind?: string }) {
  if (!card) {
    return (
      <div class="shared-card shared-unavailable muted" data-shared-card="unavailable" data-card-kind={kind}>
        {kind === 'story' ? 'This story is unavailable.' : kind === 'profile' ? 'This profile is unavailable.' : 'This post is unavailable.'}
      </div>
    )
  }
  return (
    <a class="shared-card" href={card.url} data-shared-card={`${card.kind}:${card.ref}`}>
      {card.image && <img class={card.image.round ? 'shared-thumb round' : 'shared-thumb'} src={card.image.url} alt={card.image.alt} loading="lazy" width="64" height="64" />}
      <span class="shared-body">
        <span class="shared-label muted">{card.label}</span>
        <span class="shared-head">
          <strong>{card.title}</strong> {card.subtitle && <span class="muted">{card.subtitle}</span>}
        </span>
        {card.text && <span class="shared-text">{card.text}</span>}
      </span>
    </a>
  )
})
