// A fixed-window rate limiter in memory: counters per key that reset when their window ends.
import { AppError } from '../errors.js'

interface Bucket {
  count: number
  resetAt: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  constructor(private readonly clock: () => number = Date.now) {}

  private bucket(key: string, windowSeconds: number): Bucket {
    const t = this.clock()
    let b = this.buckets.get(key)
    if (!b || b.resetAt <= t) {
      if (this.buckets.size > 50_000) this.prune()
      b = { count: 0, resetAt: t + windowSeconds * 1000 }
      this.buckets.set(key, b)
    }
    return b
  }

  /** Seconds until `key` may act again, or 0 when it is under `limit`. Does not count. */
  blockedFor(key: string, limit: number): number {
    const b = this.buckets.get(key)
    if (!b || b.resetAt <= this.clock() || b.count < limit) return 0
    return Math.max(1, Math.ceil((b.resetAt - this.clock()) / 1000))
  }

  /** Count one hit; throws RATE_LIMITED once the window's limit is passed. */
  hit(key: string, limit: number, windowSeconds: number): void {
    const wait = this.blockedFor(key, limit)
    if (wait) throw rateLimited(wait)
    this.bucket(key, windowSeconds).count++
  }

  /** Count a failure without refusing (the next attempt checks with blockedFor). */
  count(key: string, windowSeconds: number): void {
    this.bucket(key, windowSeconds).count++
  }

  reset(key: string): void {
    this.buckets.delete(key)
  }

  private prune(): void {
    const t = this.clock()
    for (const [k, b] of this.buckets) if (b.resetAt <= t) this.buckets.delete(k)
  }
}

export function rateLimited(seconds: number): AppError {
  return new AppError(429, 'RATE_LIMITED', `Too many attempts. Try again in ${seconds} s.`, { retry_after: seconds })
}
