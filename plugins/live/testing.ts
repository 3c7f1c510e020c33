// Helpers of the live plugin's tests: the ffmpeg processes the machine runs for a data directory, and waiting for a
// condition without asserting on time.
import { readdirSync, readFileSync } from 'node:fs'

/** The pids of the ffmpeg processes writing HLS under `dir` (read from /proc, so a test sees what the machine runs). */
export function ffmpegsUnder(dir: string): number[] {
  const pids: number[] = []
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8')
      if (cmd.includes(dir) && cmd.includes('index.m3u8')) pids.push(Number(p))
    } catch {}
  }
  return pids
}

/** The command line of a process, its arguments joined by spaces ('' once it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return ''
  }
}

/** Wait until `ok(fn())`, polling; fails with the last value after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  let last = await fn()
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
    last = await fn()
  }
  return last
}
