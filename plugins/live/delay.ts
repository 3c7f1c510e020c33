// The deliberate delay's picture side, and the replay's: every HLS segment a stream makes is recorded with the moment
// it was complete on the stream's timeline, and viewers get a playlist built from those records that stops N seconds
// behind the live edge (a segment newer than that is refused by name too). The same records make the replay's VOD
// playlist. ffmpeg keeps writing its own short playlist; this reads it, never changes it.
import { stat, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { completePlaylist, LIST_SIZE } from './ingest.js'

/** The delays a streamer may choose, in seconds (the operator's `max_delay_seconds` caps them). */
export const DELAYS = [0, 10, 30, 60] as const
/** Segments out before a viewer's delayed playlist is given: a player starts three target durations before its end (RFC 8216), so with four it starts past the first. */
export const START_SEGMENTS = 4
/** How often each stream's ffmpeg playlist is read for new segments. */
export const POLL_MS = 200

export interface Segment {
  seq: number
  /** Seconds, as ffmpeg's #EXTINF said. */
  duration: number
  /** Milliseconds after the stream's start when the segment was complete. */
  atMs: number
  /** The first segment after a resume (a new recording: new timestamps). */
  discontinuity: boolean
}

/** The segments a whole ffmpeg playlist lists, in order, with the discontinuities it marks. */
export function parsePlaylist(text: string): Omit<Segment, 'atMs'>[] {
  const out: Omit<Segment, 'atMs'>[] = []
  let discontinuity = false
  let duration: number | null = null
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') discontinuity = true
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8))
    else if (duration !== null) {
      const m = /^seg(\d{1,9})\.ts$/.exec(line)
      if (m && Number.isFinite(duration) && duration > 0) out.push({ seq: Number(m[1]), duration, discontinuity })
      duration = null
      discontinuity = false
    }
  }
  return out
}

/**
 * A playlist of `segments` (in order). Live: the newest `LIST_SIZE`, ending the list once the stream is over and
 * every segment is out. VOD (a replay): all of them, marked as such.
 */
export function buildPlaylist(segments: readonly Segment[], kind: 'live' | 'vod', ended = kind === 'vod'): string {
  const first = kind === 'live' ? Math.max(0, segments.length - LIST_SIZE) : 0
  const shown = segments.slice(first)
  const target = Math.max(1, ...shown.map((s) => Math.ceil(s.duration)))
  const discontinuitiesBefore = segments.slice(0, first).filter((s) => s.discontinuity).length
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${shown[0]?.seq ?? 0}`]
  if (discontinuitiesBefore) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitiesBefore}`)
  if (kind === 'vod') lines.push('#EXT-X-PLAYLIST-TYPE:VOD')
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS')
  shown.forEach((s, i) => {
    if (s.discontinuity && (i > 0 || kind === 'live')) lines.push('#EXT-X-DISCONTINUITY')
    lines.push(`#EXTINF:${s.duration.toFixed(6)},`, `seg${s.seq}.ts`)
  })
  if (ended) lines.push('#EXT-X-ENDLIST')
  return `${lines.join('\n')}\n`
}

/**
 * Where a moment of the stream's timeline falls in its replay, in seconds. A recording (the segments up to a
 * discontinuity) is captured in real time, so its picture at a moment is that moment minus the recording's start;
 * the start is estimated from the segment that was complete soonest after its media end (ffmpeg can run late, as
 * when it starts on a busy machine and catches up, never early). A moment between recordings (the streamer
 * reconnecting) is where the picture resumed.
 */
export function replayPosition(segments: readonly Segment[], atMs: number): number {
  let pos = 0
  for (let i = 0; i < segments.length; ) {
    let media = 0
    let start = Number.POSITIVE_INFINITY
    let j = i
    do {
      media += segments[j]!.duration
      start = Math.min(start, segments[j]!.atMs - media * 1000)
      j++
    } while (j < segments.length && !segments[j]!.discontinuity)
    if (atMs < start) return pos
    if (atMs <= start + media * 1000) return pos + (atMs - start) / 1000
    pos += media
    i = j
  }
  return pos
}

interface Tracked {
  dir: string
  t0: number
  segments: Segment[]
  bySeq: Map<number, Segment>
  /** Keep every segment on disk (a replay); else older ones than the delay needs are removed. */
  keep: boolean
  delayMs: number
  /** Stream time of the end, once ended (the list is then finished for viewers whose horizon passed it). */
  endedAtMs: number | null
  pruned: number
  /** The read under way, which a caller that must see its result waits for. */
  polling: Promise<void> | null
  /** A new ffmpeg run started: its first segment begins a discontinuity, whether or not ffmpeg's playlist still says so. */
  resumed: boolean
}

export interface RecorderOptions {
  /** Store newly seen segments (one row each). */
  save(streamId: number, segments: Segment[]): Promise<void>
  log(streamId: number, err: unknown): void
}

/** The segment records of the streams live (or ending) in this process, fed by reading ffmpeg's playlist. */
export class Recorder {
  private tracked = new Map<number, Tracked>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly o: RecorderOptions) {}

  /** Start recording a stream's segments (again, after a resume, with what was recorded before). */
  track(streamId: number, t: { dir: string; t0: number; keep: boolean; delayMs: number; segments?: Segment[] }): void {
    if (this.tracked.has(streamId)) return
    const segments = t.segments ?? []
    this.tracked.set(streamId, { dir: t.dir, t0: t.t0, keep: t.keep, delayMs: t.delayMs, segments, bySeq: new Map(segments.map((s) => [s.seq, s])), endedAtMs: null, pruned: 0, polling: null, resumed: false })
    if (!this.timer) {
      this.timer = setInterval(() => void this.pollAll(), POLL_MS)
      this.timer.unref()
    }
  }

  has(streamId: number): boolean {
    return this.tracked.has(streamId)
  }

  /**
   * The stream's ffmpeg is about to start again (after a drop): what the last run finished is read first, and the
   * next segment is marked as a discontinuity. ffmpeg writes the tag once, and a run faster than real time (a
   * backlog of chunks, a loaded machine) can scroll it out of its six-line playlist before a read sees it.
   */
  async resumed(streamId: number): Promise<void> {
    const t = this.tracked.get(streamId)
    if (!t) return
    await this.poll(streamId, t)
    t.resumed = true
  }

  /** The stream ended: one last read (the segments ffmpeg finished before it was stopped), then its files move to `dir`. */
  async finish(streamId: number, endedAtMs: number): Promise<void> {
    const t = this.tracked.get(streamId)
    if (!t) return
    await this.poll(streamId, t)
    t.endedAtMs = endedAtMs
  }

  /** The folder the stream's segments are read from now (they move when it ends). */
  moved(streamId: number, dir: string): void {
    const t = this.tracked.get(streamId)
    if (t) t.dir = dir
  }

  untrack(streamId: number): void {
    this.tracked.delete(streamId)
    if (!this.tracked.size && this.timer) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.tracked.clear()
  }

  segments(streamId: number): readonly Segment[] {
    return this.tracked.get(streamId)?.segments ?? []
  }

  /** The live playlist of the segments complete by `horizonMs` (stream time), or null before the first. */
  playlist(streamId: number, horizonMs: number): string | null {
    const t = this.tracked.get(streamId)
    if (!t) return null
    const out = released(t.segments, horizonMs)
    const all = t.endedAtMs !== null && out.length === t.segments.length
    // A player starts a few segments behind the end of the list: with fewer, it would start on the recording's
    // first segment, which Chromium's native player was seen to refuse now and then (DEMUXER_ERROR_COULD_NOT_PARSE).
    if (out.length < START_SEGMENTS && !(all && out.length)) return null
    return buildPlaylist(out, 'live', all)
  }

  /** Whether a segment is out by `horizonMs`: a viewer behind the delay gets nothing newer, asked by name or not. */
  released(streamId: number, seq: number, horizonMs: number): boolean {
    const s = this.tracked.get(streamId)?.bySeq.get(seq)
    return !!s && s.atMs <= horizonMs
  }

  dirOf(streamId: number): string | null {
    return this.tracked.get(streamId)?.dir ?? null
  }

  private async pollAll(): Promise<void> {
    // A stream whose last read is still going is skipped (its reads never pile up).
    for (const [id, t] of this.tracked) if (t.endedAtMs === null && !t.polling) await this.poll(id, t)
  }

  private poll(streamId: number, t: Tracked): Promise<void> {
    // One read at a time per stream; a caller during one waits for it, then reads again.
    const next = (t.polling ?? Promise.resolve()).then(() => this.read(streamId, t))
    const mine = (t.polling = next.finally(() => {
      if (t.polling === mine) t.polling = null
    }))
    return mine
  }

  private async read(streamId: number, t: Tracked): Promise<void> {
    try {
      let text: string
      try {
        text = await readFile(join(t.dir, 'index.m3u8'), 'utf8')
      } catch {
        return
      }
      if (!completePlaylist(text)) return
      const last = t.segments.at(-1)?.seq ?? -1
      const fresh: Segment[] = []
      for (const s of parsePlaylist(text)) {
        if (s.seq <= last) continue
        // The file's time is when ffmpeg finished it, whenever this read happens.
        const done = await stat(join(t.dir, `seg${s.seq}.ts`)).then((st) => st.mtimeMs, () => Date.now())
        fresh.push({ ...s, discontinuity: s.discontinuity || (t.resumed && !fresh.length), atMs: Math.max(t.segments.at(-1)?.atMs ?? 0, Math.round(Math.min(done, Date.now()) - t.t0)) })
      }
      if (fresh.length) {
        t.resumed = false
        await this.o.save(streamId, fresh)
        for (const s of fresh) {
          t.segments.push(s)
          t.bySeq.set(s.seq, s)
        }
      }
      if (!t.keep) await this.prune(t)
    } catch (err) {
      this.o.log(streamId, err)
    }
  }

  /** Without a replay, segments older than the delay and a playlist's length need are removed as they age out. */
  private async prune(t: Tracked): Promise<void> {
    const horizon = Date.now() - t.t0 - t.delayMs - (LIST_SIZE + 4) * 1000
    while (t.pruned < t.segments.length - LIST_SIZE && t.segments[t.pruned]!.atMs < horizon) {
      const s = t.segments[t.pruned++]!
      await unlink(join(t.dir, `seg${s.seq}.ts`)).catch(() => {})
    }
  }
}

/** The segments out by `horizonMs`: a prefix of the list (stamps only grow). */
export function released(segments: readonly Segment[], horizonMs: number): Segment[] {
  let n = segments.length
  while (n > 0 && segments[n - 1]!.atMs > horizonMs) n--
  return segments.slice(0, n)
}
