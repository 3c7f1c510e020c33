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

  /** Count one hit; throws RATE_LIMITED ("Too many NOUN") once the window's limit is passed. */
  hit(key: string, limit: number, windowSeconds: number, noun = 'attempts'): void {
    const wait = this.blockedFor(key, limit)
    if (wait) throw rateLimited(wait, noun)
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

/**
 * The key a client is limited under: its IPv4 address, or the /64 network of an IPv6 address
 * (one subscriber usually holds a whole /64, so single addresses would be free to rotate).
 */
export function clientKey(ip: string): string {
  const v4 = ip.match(/^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i)
  if (v4) return v4[1]!
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const full = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${full.slice(0, 4).map((h) => h.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export function rateLimited(seconds: number, noun = 'attempts'): AppError {
  return new AppError(429, 'RATE_LIMITED', `Too many ${noun}. Try again in ${seconds} s.`, { retry_after: seconds })
}
