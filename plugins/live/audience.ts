// The audience check of the HLS hot path, answered from memory for a moment: a viewer asks for the playlist every
// second and for each segment once, and every one of those requests is checked (a followers-only stream's segments
// are refused to a stranger, also by direct URL). A "yes" is kept for MEMO_MS; a "no" never is (it is rare, and a
// viewer who just followed should not wait). Whatever may take a viewer's right away (a block, an unfollow, a
// suspension, an account made private, the stream's end) forgets every answer at once, so the memo never widens
// what the database says: it only skips asking again within the moment (decision 063).

/** How long a "yes" is kept. Changes the hooks do not announce are seen within this. */
export const MEMO_MS = 2000
/** Answers kept at most (one per stream for guests, one per member and stream): past this, the expired go first. */
const MAX_KEPT = 50_000

export class AudienceMemo {
  private kept = new Map<string, number>()
  /** Bumped by `forget`: a check that began before it does not keep its answer. */
  private epoch = 0

  constructor(
    private readonly check: (viewerId: number | null, streamId: number) => Promise<boolean>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether the viewer (null: a guest) may watch the live stream now. */
  async allows(viewerId: number | null, streamId: number): Promise<boolean> {
    const key = viewerId === null ? `${streamId}` : `${streamId}:${viewerId}`
    if ((this.kept.get(key) ?? 0) > this.clock()) return true
    const began = this.epoch
    const ok = await this.check(viewerId, streamId)
    if (ok && began === this.epoch) {
      if (this.kept.size >= MAX_KEPT) this.sweep()
      this.kept.set(key, this.clock() + MEMO_MS)
    }
    return ok
  }

  /** Every answer forgotten (something changed who may watch). */
  forget(): void {
    this.epoch++
    this.kept.clear()
  }

  private sweep(): void {
    const now = this.clock()
    for (const [k, until] of this.kept) if (until <= now) this.kept.delete(k)
    // Still full of live answers: start again rather than grow.
    if (this.kept.size >= MAX_KEPT) this.kept.clear()
  }
}
