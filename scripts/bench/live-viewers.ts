// The live scenario's simulated players, in a worker thread of their own (scripts/bench/live.ts starts a few): the
// latencies they time are then the server's and the network's, not the bench process's event loop, which also runs
// an in-process Hearth. Each player is a guest on its own keep-alive connection that, like a player at the live
// edge, fetches the playlist once a second and each new segment once (from the newest on joining), sending back the
// cookie the site gave it, as a player in a browser page does.
// Protocol: workerData { origin, streamId, viewers }; the parent posts { ms } (watch this long) and gets a Sample back.
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'

export interface Sample {
  playlist: number[]
  segment: number[]
  errors: number
  bytes: number
}
export interface ViewersData {
  origin: string
  streamId: number
  viewers: number
}

/** A player: its own keep-alive connection, and the cookies it was given (a browser's player sends them back). */
interface Player {
  agent: http.Agent
  seen: Set<string>
  cookie: string
}

/** One GET on the viewer's own connection: status, body (playlists only), size and milliseconds. */
function get(p: Player, origin: string, path: string): Promise<{ status: number; body: string | null; bytes: number; ms: number }> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const req = http.get(origin + path, { agent: p.agent, headers: p.cookie ? { cookie: p.cookie } : {} }, (res) => {
      // The site's CSRF cookie, given on a guest's first request: kept, as the page's player in a browser would.
      const given = res.headers['set-cookie']?.map((c) => c.split(';')[0]!).filter((c) => c.startsWith('hearth_csrf='))
      if (given?.length) p.cookie = given.join('; ')
      // A segment's bytes are only counted (joining them cost the players a copy of every segment).
      const text = path.endsWith('.m3u8')
      const chunks: Buffer[] = []
      let bytes = 0
      res.on('data', (c: Buffer) => {
        bytes += c.length
        if (text) chunks.push(c)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? Buffer.concat(chunks).toString('utf8') : null, bytes, ms: performance.now() - t0 }))
    })
    req.on('error', () => resolve({ status: 0, body: null, bytes: 0, ms: performance.now() - t0 }))
  })
}

/** A player at the live edge until `until` (this thread's clock). */
async function viewer(p: Player, { origin, streamId }: ViewersData, until: number, out: Sample): Promise<void> {
  const seen = p.seen
  if (!seen.size) await sleep(Math.random() * 1000)
  while (performance.now() < until) {
    const tick = performance.now()
    const list = await get(p, origin, `/live/${streamId}/hls/index.m3u8`)
    out.playlist.push(list.ms)
    if (list.status !== 200 || !list.body) out.errors++
    else {
      const names = [...list.body.matchAll(/^(seg\d+\.ts)$/gm)].map((m) => m[1]!)
      const fresh = seen.size ? names.filter((n) => !seen.has(n)) : names.slice(-1)
      for (const n of names) seen.add(n)
      for (const n of fresh) {
        const seg = await get(p, origin, `/live/${streamId}/hls/${n}`)
        out.segment.push(seg.ms)
        out.bytes += seg.bytes
        if (seg.status !== 200) out.errors++
      }
    }
    await sleep(Math.max(0, 1000 - (performance.now() - tick)))
  }
}

if (parentPort) {
  const data = workerData as ViewersData
  // Each player keeps its connection (a player does) across the warm-up and the measured windows.
  const players: Player[] = Array.from({ length: data.viewers }, () => ({ agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), seen: new Set<string>(), cookie: '' }))
  const port = parentPort
  port.on('message', async (m: { ms: number } | { stop: true }) => {
    if ('stop' in m) {
      for (const p of players) p.agent.destroy()
      port.close()
      return
    }
    const out: Sample = { playlist: [], segment: [], errors: 0, bytes: 0 }
    const until = performance.now() + m.ms
    await Promise.all(players.map((p) => viewer(p, data, until, out)))
    port.postMessage(out)
  })
}
