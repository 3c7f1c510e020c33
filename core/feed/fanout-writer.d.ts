// Types of fanout-writer.js (plain JavaScript so that the fan-out thread starts without the TypeScript loader).
import type { Database } from 'better-sqlite3'

/** A post to copy into feeds: its key in feed_items, and its author's followers in id order. */
export interface FanoutTarget {
  id: number
  authorId: number
  publishedAt: string
  followers: number[]
  /** Some feed's horizon is at or after the post: its rows are written only to feeds whose horizon is older. */
  belowSomeHorizon: boolean
}

export interface FanoutWriter {
  /** The post and its followers, or null when it is not copied (not published, only-me, or an author at or above `threshold` followers). */
  target(postId: number, threshold: number): FanoutTarget | null
  /** Copy the post into these followers' feeds (one statement), then trim the feeds whose turn it is. Returns the rows written. */
  writeChunk(target: FanoutTarget, userIds: number[], kept: number): number
  /** Keep the newest `kept` rows of a member's feed; the newest row taken away becomes its horizon. Returns the rows taken away. */
  trim(userId: number, kept: number): number
}

export function createFanoutWriter(sqlite: Database): FanoutWriter
export function trimEvery(kept: number): number
