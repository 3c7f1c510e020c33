// The matchmaker: pairs waiting members in memory, preferring shared interests, and opening up to anyone once
// a member has waited `fallbackMs`. It does no I/O, so it stays fast with tens of thousands waiting; the service
// loads what it needs (blocks, profile, filters) before a member joins, and keeps it current.

export type Mode = 'video' | 'text'

/** What a member declared about themself (null: not said). Filters match only declared values. */
export interface Profile {
  region: string | null
  language: string | null
  gender: string | null
  age: number | null
}

/** The filters a member chose, among those the admin allows (the service drops the others). */
export interface Wants {
  region?: string
  language?: string
  gender?: string
  ageMin?: number
  ageMax?: number
}

export interface Seeker {
  userId: number
  mode: Mode
  /** A video member who will also talk to text-only members (without video). */
  acceptsText: boolean
  /** Normalised tags, unique. */
  interests: string[]
  profile: Profile
  wants: Wants
  /** Members this one blocked or was blocked by. */
  blocked: Set<number>
}

export interface Match {
  a: Seeker
  b: Seeker
  /** The interests they share (empty for a fallback match). */
  shared: string[]
  /** 'video' when both send video, else 'text'. */
  mode: Mode
}

export interface MatchmakerOptions {
  /** How long a member with interests waits for someone sharing one before anyone will do. */
  fallbackMs: number
  /** How long two members who were paired are kept apart. */
  cooldownMs: number
  now?: () => number
  /** The most candidates looked at for one match (a bound on work when few are compatible). */
  maxScan?: number
}

interface Entry extends Seeker {
  seq: number
  since: number
  /** When this entry takes anyone (since, or since + fallback for a member with interests). */
  openAt: number
  open: boolean
}

/** Whether `p` satisfies the filters `w`. An undeclared value never satisfies a filter on it. */
export function satisfies(w: Wants, p: Profile): boolean {
  if (w.region && p.region !== w.region) return false
  if (w.language && p.language !== w.language) return false
  if (w.gender && p.gender !== w.gender) return false
  if (w.ageMin !== undefined || w.ageMax !== undefined) {
    if (p.age === null) return false
    if (w.ageMin !== undefined && p.age < w.ageMin) return false
    if (w.ageMax !== undefined && p.age > w.ageMax) return false
  }
  return true
}

/** The session mode two members would have, or null if they cannot talk. */
export function modeOf(a: Pick<Seeker, 'mode' | 'acceptsText'>, b: Pick<Seeker, 'mode' | 'acceptsText'>): Mode | null {
  if (a.mode === 'video' && b.mode === 'video') return 'video'
  if (a.mode === 'text' && b.mode === 'text') return 'text'
  const video = a.mode === 'video' ? a : b
  return video.acceptsText ? 'text' : null
}

export class Matchmaker {
  private readonly waiting = new Map<number, Entry>()
  private readonly byInterest = new Map<string, Set<Entry>>()
  /** Entries that take anyone, oldest first. */
  private readonly openSet = new Map<number, Entry>()
  /** Entries still holding out for a shared interest, oldest first (so their openAt is ascending). */
  private readonly closed = new Map<number, Entry>()
  /** Lower id -> higher id -> when the two were last paired (kept apart while that is within the cool-down). */
  private readonly cooling = new Map<number, Map<number, number>>()
  private seq = 0
  private lastSweep = 0
  private readonly now: () => number
  private readonly maxScan: number

  constructor(private options: MatchmakerOptions) {
    this.now = options.now ?? Date.now
    this.maxScan = options.maxScan ?? 2000
  }

  /** Change the timings (admin settings): the fallback for members who join from now on, the cool-down at once. */
  configure(options: Partial<Pick<MatchmakerOptions, 'fallbackMs' | 'cooldownMs'>>): void {
    this.options = { ...this.options, ...options }
  }

  get size(): number {
    return this.waiting.size
  }

  isWaiting(userId: number): boolean {
    return this.waiting.has(userId)
  }

  /** The waiting members, oldest first (for the admin page). */
  list(): { userId: number; since: number; mode: Mode; interests: string[] }[] {
    return [...this.waiting.values()].map((e) => ({ userId: e.userId, since: e.since, mode: e.mode, interests: e.interests }))
  }

  /**
   * A member asks for a partner: the best compatible waiting member is taken out of the queue and returned as a
   * match, or the member waits. A member already waiting is replaced (a second Start never queues them twice).
   */
  enqueue(seeker: Seeker): Match | null {
    this.remove(seeker.userId)
    const now = this.now()
    const hasInterests = seeker.interests.length > 0 && this.options.fallbackMs > 0
    // Built field by field (not spread): one object shape for every entry keeps the scans fast.
    const entry: Entry = {
      userId: seeker.userId,
      mode: seeker.mode,
      acceptsText: seeker.acceptsText,
      interests: seeker.interests,
      profile: seeker.profile,
      wants: seeker.wants,
      blocked: seeker.blocked,
      seq: ++this.seq,
      since: now,
      openAt: hasInterests ? now + this.options.fallbackMs : now,
      open: !hasInterests,
    }
    const partner = this.bestByInterest(entry, now) ?? (entry.open ? this.firstOpen(entry, now, { left: this.maxScan }) : null)
    if (partner) return this.pair(entry, partner)
    this.insert(entry)
    return null
  }

  /** Take a member out of the queue (they stopped, left, or were paired elsewhere). */
  remove(userId: number): boolean {
    const e = this.waiting.get(userId)
    if (!e) return false
    this.waiting.delete(userId)
    this.openSet.delete(userId)
    this.closed.delete(userId)
    for (const tag of e.interests) {
      const set = this.byInterest.get(tag)
      set?.delete(e)
      if (set && set.size === 0) this.byInterest.delete(tag)
    }
    return true
  }

  /** Keep two members apart for the cool-down (the service calls it when they are paired). */
  coolDown(a: number, b: number): void {
    const [lo, hi] = a < b ? [a, b] : [b, a]
    let inner = this.cooling.get(lo)
    if (!inner) this.cooling.set(lo, (inner = new Map()))
    inner.set(hi, this.now())
  }

  /** Two members blocked one another: waiting entries learn it at once. */
  blocked(a: number, b: number): void {
    this.waiting.get(a)?.blocked.add(b)
    this.waiting.get(b)?.blocked.add(a)
  }

  /**
   * Run about once a second: members whose fallback time came take anyone now, and open members are tried
   * against each other again (a cool-down may have ended). Returns the matches made.
   */
  tick(): Match[] {
    const now = this.now()
    const made: Match[] = []
    const opened: Entry[] = []
    for (const e of this.closed.values()) {
      if (e.openAt > now) break
      this.closed.delete(e.userId)
      e.open = true
      opened.push(e)
    }
    // Newly opened members first, then the others, oldest first, within a bound on the work of one tick.
    const budget = { left: this.maxScan * 4 }
    const retry = (e: Entry) => {
      if (!this.waiting.has(e.userId)) return
      this.openSet.delete(e.userId)
      const partner = this.firstOpen(e, now, budget)
      if (partner) {
        this.remove(e.userId)
        made.push(this.pair(e, partner))
      } else {
        this.openSet.set(e.userId, e)
      }
    }
    for (const e of opened) retry(e)
    const fresh = new Set(opened)
    for (const e of [...this.openSet.values()]) {
      if (budget.left <= 0) break
      if (!fresh.has(e)) retry(e)
    }
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now
      for (const [lo, inner] of this.cooling) {
        for (const [hi, at] of inner) if (at + this.options.cooldownMs <= now) inner.delete(hi)
        if (inner.size === 0) this.cooling.delete(lo)
      }
    }
    return made
  }

  private insert(e: Entry): void {
    this.waiting.set(e.userId, e)
    if (e.open) this.openSet.set(e.userId, e)
    else this.closed.set(e.userId, e)
    for (const tag of e.interests) {
      let set = this.byInterest.get(tag)
      if (!set) this.byInterest.set(tag, (set = new Set()))
      set.add(e)
    }
  }

  private pair(entry: Entry, partner: Entry): Match {
    this.remove(partner.userId)
    const shared = entry.interests.filter((t) => partner.interests.includes(t))
    // The one who waited longer is `a` (the caller, who makes the WebRTC offer).
    const [a, b] = partner.seq < entry.seq ? [partner, entry] : [entry, partner]
    return { a: strip(a), b: strip(b), shared, mode: modeOf(a, b)! }
  }

  /** The waiting member sharing the most interests with `e` (oldest first among equals) that may meet it. */
  private bestByInterest(e: Entry, now: number): Entry | null {
    if (e.interests.length === 0) return null
    const counts = new Map<Entry, number>()
    let scanned = 0
    outer: for (const tag of e.interests) {
      for (const other of this.byInterest.get(tag) ?? []) {
        counts.set(other, (counts.get(other) ?? 0) + 1)
        if (++scanned >= this.maxScan) break outer
      }
    }
    if (counts.size === 0) return null
    // Usually the best candidate may meet `e`: find it in one pass, and sort only when it may not.
    let best: Entry | null = null
    let bestCount = 0
    for (const [other, n] of counts) if (n > bestCount || (n === bestCount && other.seq < best!.seq)) (best = other), (bestCount = n)
    if (best && this.compatible(e, best, now)) return best
    counts.delete(best!)
    const ranked = [...counts].sort((x, y) => y[1] - x[1] || x[0].seq - y[0].seq)
    for (const [other] of ranked) if (this.compatible(e, other, now)) return other
    return null
  }

  /** The oldest open member that may meet `e`, looking at no more than `budget.left` of them. */
  private firstOpen(e: Entry, now: number, budget: { left: number }): Entry | null {
    for (const other of this.openSet.values()) {
      if (budget.left-- <= 0) return null
      if (this.compatible(e, other, now)) return other
    }
    return null
  }

  private compatible(x: Entry, y: Entry, now: number): boolean {
    if (x.userId === y.userId) return false
    if (x.blocked.has(y.userId) || y.blocked.has(x.userId)) return false
    if (modeOf(x, y) === null) return false
    if (!satisfies(x.wants, y.profile) || !satisfies(y.wants, x.profile)) return false
    const at = x.userId < y.userId ? this.cooling.get(x.userId)?.get(y.userId) : this.cooling.get(y.userId)?.get(x.userId)
    return at === undefined || at + this.options.cooldownMs <= now
  }
}

function strip(e: Entry): Seeker {
  return { userId: e.userId, mode: e.mode, acceptsText: e.acceptsText, interests: e.interests, profile: e.profile, wants: e.wants, blocked: e.blocked }
}
