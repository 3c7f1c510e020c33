// Rate-limit windows in shared memory, so every thread of one process counts against the same numbers (decision 051).
import type { Bucket, BucketStore } from '../auth/rate-limit.js'

/** Longest key kept whole; a longer one keeps its start and a hash of the rest (still unique, still found by prefix). */
const KEY_BYTES = 112
/** Slots looked at from a key's home slot before the one ending soonest is taken over. */
const PROBES = 32
/** Per slot: used (0 or 1), key length, count, pending. */
const INTS = 4

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** What one thread hands another to share the windows: plain SharedArrayBuffers. */
export interface SharedBucketsMemory {
  capacity: number
  lock: SharedArrayBuffer
  ints: SharedArrayBuffer
  resets: SharedArrayBuffer
  keys: SharedArrayBuffer
}

/** Memory for `capacity` live windows (the default, 65,536, takes about 8.5 MB). */
export function sharedBucketsMemory(capacity = 65_536): SharedBucketsMemory {
  return {
    capacity,
    lock: new SharedArrayBuffer(4),
    ints: new SharedArrayBuffer(capacity * INTS * 4),
    resets: new SharedArrayBuffer(capacity * 8),
    keys: new SharedArrayBuffer(capacity * KEY_BYTES),
  }
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193)
  return h >>> 0
}

function keyBytes(key: string): Uint8Array {
  const bytes = encoder.encode(key)
  if (bytes.length <= KEY_BYTES) return bytes
  const tail = `#${fnv1a(bytes).toString(16).padStart(8, '0')}${bytes.length.toString(16).padStart(8, '0')}`
  const out = new Uint8Array(KEY_BYTES)
  out.set(bytes.subarray(0, KEY_BYTES - tail.length))
  out.set(encoder.encode(tail), KEY_BYTES - tail.length)
  return out
}

/**
 * An open-addressing table of windows in SharedArrayBuffers, behind one lock that every thread takes for the
 * few microseconds a limiter operation lasts (`atomically`). A full neighbourhood gives up the window that ends
 * soonest, as the in-memory map would drop ended windows; a limit is never relaxed by more than that.
 */
export class SharedBuckets implements BucketStore {
  private readonly lock: Int32Array
  private readonly ints: Int32Array
  private readonly resets: Float64Array
  private readonly keys: Uint8Array
  private readonly capacity: number
  private depth = 0

  constructor(memory: SharedBucketsMemory) {
    this.capacity = memory.capacity
    this.lock = new Int32Array(memory.lock)
    this.ints = new Int32Array(memory.ints)
    this.resets = new Float64Array(memory.resets)
    this.keys = new Uint8Array(memory.keys)
  }

  atomically<T>(fn: () => T): T {
    // Re-entrant within a thread: the limiter's operations call each other.
    if (this.depth === 0) while (Atomics.compareExchange(this.lock, 0, 0, 1) !== 0) Atomics.wait(this.lock, 0, 1, 1)
    this.depth++
    try {
      return fn()
    } finally {
      if (--this.depth === 0) {
        Atomics.store(this.lock, 0, 0)
        Atomics.notify(this.lock, 0, 1)
      }
    }
  }

  private keyAt(slot: number): Uint8Array {
    const start = slot * KEY_BYTES
    return this.keys.subarray(start, start + this.ints[slot * INTS + 1]!)
  }

  private matches(slot: number, bytes: Uint8Array): boolean {
    if (this.ints[slot * INTS] !== 1 || this.ints[slot * INTS + 1] !== bytes.length) return false
    const at = this.keyAt(slot)
    for (let i = 0; i < bytes.length; i++) if (at[i] !== bytes[i]) return false
    return true
  }

  private find(bytes: Uint8Array): number {
    const home = fnv1a(bytes) % this.capacity
    for (let i = 0; i < PROBES; i++) {
      const slot = (home + i) % this.capacity
      if (this.matches(slot, bytes)) return slot
    }
    return -1
  }

  private view(slot: number): Bucket {
    const { ints, resets } = this
    const base = slot * INTS
    return {
      get count() { return ints[base + 2]! },
      set count(v: number) { ints[base + 2] = v },
      get pending() { return ints[base + 3]! },
      set pending(v: number) { ints[base + 3] = v },
      get resetAt() { return resets[slot]! },
      set resetAt(v: number) { resets[slot] = v },
    }
  }

  get(key: string): Bucket | undefined {
    const slot = this.find(keyBytes(key))
    return slot < 0 ? undefined : this.view(slot)
  }

  set(key: string, bucket: Bucket): void {
    const bytes = keyBytes(key)
    let slot = this.find(bytes)
    if (slot < 0) {
      const home = fnv1a(bytes) % this.capacity
      let soonest = home
      for (let i = 0; i < PROBES; i++) {
        const s = (home + i) % this.capacity
        if (this.ints[s * INTS] !== 1) {
          soonest = s
          break
        }
        if (this.resets[s]! < this.resets[soonest]!) soonest = s
      }
      slot = soonest
      this.ints[slot * INTS] = 1
      this.ints[slot * INTS + 1] = bytes.length
      this.keys.set(bytes, slot * KEY_BYTES)
    }
    const v = this.view(slot)
    v.count = bucket.count
    v.pending = bucket.pending
    v.resetAt = bucket.resetAt
  }

  delete(key: string): void {
    const slot = this.find(keyBytes(key))
    if (slot >= 0) this.ints[slot * INTS] = 0
  }

  *keysStartingWith(prefix: string): Iterable<string> {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.ints[slot * INTS] !== 1) continue
      const key = decoder.decode(this.keyAt(slot))
      if (key.startsWith(prefix)) yield key
    }
  }

  /** A fixed table never needs a sweep: a new window takes over an ended one. */
  sweep(): void {}
}
