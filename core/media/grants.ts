// One-time, short-lived grants to a media file: how a file no plain URL may show (a view-once story) is
// reached only through the act that opens it. Kept in memory: a grant lives seconds, and a restart ends it.
import { randomBytes } from 'node:crypto'

interface Grant {
  mediaId: number
  viewerId: number
  expires: number
  /** Variants already fetched whole: each is served whole once; range reads go on until the grant expires. */
  fetched: Set<string>
}

/** Grants kept at most; the oldest go first (each is seconds long, so only a flood reaches this). */
const MAX_GRANTS = 100_000

export class MediaGrants {
  private readonly grants = new Map<string, Grant>()

  constructor(private readonly clock: () => number = Date.now) {}

  /** A token letting `viewerId` fetch each variant of `mediaId` once, with range reads, for `seconds`. */
  issue(mediaId: number, viewerId: number, seconds: number): string {
    this.sweep()
    const token = randomBytes(18).toString('base64url')
    this.grants.set(token, { mediaId, viewerId, expires: this.clock() + seconds * 1000, fetched: new Set() })
    if (this.grants.size > MAX_GRANTS) this.grants.delete(this.grants.keys().next().value!)
    return token
  }

  /**
   * Whether `token` lets `viewerId` read this variant now. A read of the whole file uses the variant up (a
   * second one is refused); a range read (a video seeking) does not, until the grant expires.
   */
  use(token: string, mediaId: number, viewerId: number | null, variant: string, whole: boolean): boolean {
    const g = this.grants.get(token)
    if (!g || g.mediaId !== mediaId || g.viewerId !== viewerId) return false
    if (g.expires <= this.clock()) {
      this.grants.delete(token)
      return false
    }
    if (g.fetched.has(variant)) return false
    if (whole) g.fetched.add(variant)
    return true
  }

  private sweep(): void {
    const now = this.clock()
    for (const [token, g] of this.grants) {
      if (g.expires > now) break
      this.grants.delete(token)
    }
  }
}
