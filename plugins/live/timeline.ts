// The deliberate delay's chat side: every chat line, heart, pin (and later gift) is an event stamped with stream
// time, and viewers' topic gets it when the delayed picture reaches that time. The server holds the events, so a
// viewer's page cannot read ahead. Who sees what when (decision 044):
// - the streamer, staff and the streamer's moderators ("backstage") see the live edge: their own events are stamped
//   now, and every event reaches them at once on `live:backstage:ID`;
// - viewers see the picture `delay` seconds late: what they send is stamped `now - delay` (the moment they were
//   looking at), so it reaches the other viewers at once; backstage events reach them `delay` seconds later.
// Delivery order on the viewers' topic is stamp order, so a stamp (with the row id to break ties) is its sequence.

/** An event on a stream's timeline, as the viewers' topic carries it. */
export interface TimelineItem {
  /** Milliseconds after the stream's start. */
  atMs: number
  /** The member it is from: those blocked either way with them never get it. Null: from nobody (the stream's state). */
  authorId: number | null
  /** Hand it to the viewers' topic (called once, at its time; `seq` for durable ones). */
  deliver(seq: number): void
  /** A name to take it back by before its time (`chat:ID`: a line deleted before viewers saw it). */
  key?: string
}

/** The durable sequence number of a chat line on the viewers' topic: its stamp, the id breaking ties. */
export const seqOf = (atMs: number, id: number) => atMs * 1024 + (id % 1024)
/** The stamp a sequence number came from (to read the lines after it). */
export const atOfSeq = (seq: number) => Math.floor(seq / 1024)

/** One stream's events waiting for the viewers' delayed picture. */
export class Timeline {
  private queue: { dueAt: number; item: TimelineItem; seq: number }[] = []
  private timer: NodeJS.Timeout | null = null

  /**
   * @param t0 Date.now() of the stream's start (its created_at)
   * @param delayMs the deliberate delay
   */
  constructor(
    readonly t0: number,
    readonly delayMs: number,
  ) {}

  /** Now on the stream's timeline, for a member at the live edge (`backstage`) or a viewer. */
  stamp(backstage: boolean, now = Date.now()): number {
    return Math.max(0, now - this.t0 - (backstage ? 0 : this.delayMs))
  }

  /** What viewers have seen by now: events and segments stamped up to this are out. */
  horizon(now = Date.now()): number {
    return now - this.t0 - this.delayMs
  }

  /** Whether a stamp is out for viewers. */
  aired(atMs: number, now = Date.now()): boolean {
    return atMs <= this.horizon(now)
  }

  /** Give viewers an event at its time: now if that time is past, else after the delay. */
  post(item: TimelineItem, seq = 0): void {
    this.flush()
    const dueAt = this.t0 + item.atMs + this.delayMs
    if (dueAt <= Date.now()) return item.deliver(seq)
    // Stamps mostly grow: the place is found from the end.
    let i = this.queue.length
    while (i > 0 && this.queue[i - 1]!.dueAt > dueAt) i--
    this.queue.splice(i, 0, { dueAt, item, seq })
    this.arm()
  }

  /** Take back an event not yet given to viewers; false when there is none by that key (it is out, or never was). */
  cancel(key: string): boolean {
    const i = this.queue.findIndex((e) => e.item.key === key)
    if (i < 0) return false
    this.queue.splice(i, 1)
    return true
  }

  /** Events still waiting (tests, and the end of a stream: none is dropped). */
  get pending(): number {
    return this.queue.length
  }

  /** Hand over every event whose time has come, oldest first. */
  flush(now = Date.now()): void {
    while (this.queue.length && this.queue[0]!.dueAt <= now) {
      const { item, seq } = this.queue.shift()!
      item.deliver(seq)
    }
  }

  /** Stop the timer (the stream's last event is out, or the server is closing). */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.queue = []
  }

  private arm(): void {
    if (this.timer || !this.queue.length) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
      this.arm()
    }, Math.max(0, this.queue[0]!.dueAt - Date.now()))
    this.timer.unref()
  }
}
