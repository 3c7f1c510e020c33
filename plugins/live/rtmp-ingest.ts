// OBS and other encoders going live over RTMP: a push with a member's stream key starts their stream (or their event
// due now, or resumes the stream a dropped connection left), and its FLV goes into the stream's ffmpeg, which copies
// H.264 and AAC into the HLS segments without re-encoding (anything else is encoded). Limits: who may go live, the
// bitrate (declared or measured), one connection per stream (the newest wins: an encoder reconnecting).
import { AAC_ARGS, X264_ARGS, type IngestSource } from './ingest.js'
import type { EventsService } from './events.js'
import { memberOfKey } from './keys.js'
import type { LiveContext } from './plugin.js'
import { flvHeader, flvTag, RtmpServer, type Publisher, type RtmpConnection } from './rtmp.js'
import type { LiveService } from './service.js'

/** FLV's codec ids: H.264 video, AAC audio. */
const FLV_AVC = 7
const FLV_AAC = 10
/** Tags held before the first video tag (metadata, audio): at most this many bytes. */
const MAX_HELD_BYTES = 2 * 1024 * 1024
/** The bitrate is measured over windows of this length, with this slack over the limit. */
const BITRATE_WINDOW_MS = 5_000
const BITRATE_SLACK = 1.25

/** ffmpeg's input and codecs for an encoder's FLV: copy what HLS carries as it is (H.264, AAC), encode the rest. */
export function rtmpSource(copyVideo: boolean, copyAudio: boolean): IngestSource {
  return {
    // The FLV arrives as sent: no probing delay beyond what finding the two streams needs.
    input: ['-fflags', '+genpts', '-f', 'flv', '-i', 'pipe:0'],
    codecs: [...(copyVideo ? ['-c:v', 'copy'] : ['-r', '30', ...X264_ARGS]), ...(copyAudio ? ['-c:a', 'copy'] : AAC_ARGS)],
    encoded: !copyVideo,
  }
}

/** The RTMP address members paste into OBS ("Server"), from the setting or the site's host. */
export function rtmpAddress(setting: string, host: string, port: number): string {
  if (setting) return setting
  const name = host.replace(/:\d+$/, '')
  return `rtmp://${name}${port === 1935 ? '' : `:${port}`}/live`
}

const codecNumber = (v: unknown): number | null => (typeof v === 'number' ? v : v === 'avc1' ? FLV_AVC : v === 'mp4a' ? FLV_AAC : null)

export type RtmpIngest = ReturnType<typeof rtmpIngest>

export function rtmpIngest(ctx: LiveContext, live: LiveService, events: EventsService) {
  /** The connection feeding each stream. */
  const feeding = new Map<number, RtmpConnection>()

  async function accept(key: string, conn: RtmpConnection): Promise<Publisher | string> {
    await live.recover()
    const member = await memberOfKey(ctx.db, key)
    if (!member) {
      ctx.log.warn({ remote: conn.remote }, 'live: RTMP push with a wrong stream key refused')
      return 'That stream key is not valid: copy it again from your stream key page.'
    }
    const { viewer } = member
    let id = live.resumable(viewer.id, 'rtmp')
    try {
      if (id === null) {
        const stream = (await events.startDue(viewer)) ?? (await live.create(viewer, member.settings, { source: 'rtmp' }))
        id = stream.id
      } else {
        // An encoder coming back within the resume timeout continues its stream; who may go live was checked at the start,
        // but a ban since then holds.
        await live.mayGoLive(viewer, false)
      }
    } catch (err) {
      return err instanceof Error ? err.message : 'You cannot go live now.'
    }
    const streamId = id
    feeding.get(streamId)?.close('replaced by a new connection')
    feeding.set(streamId, conn)
    ctx.log.info({ stream: streamId, user: viewer.username, remote: conn.remote }, 'live: RTMP push accepted')
    return publisher(streamId, conn)
  }

  function publisher(id: number, conn: RtmpConnection): Publisher {
    const maxKbps = ctx.settings.get('max_bitrate_kbps')
    let meta: Record<string, unknown> = {}
    let held: Buffer[] = []
    let heldBytes = 0
    let audioCodec: number | null = null
    let started = false
    let windowStart = Date.now()
    let windowBytes = conn.mediaBytes
    const current = () => feeding.get(id) === conn

    const refuse = async (why: string) => {
      ctx.log.warn({ stream: id, remote: conn.remote, why }, 'live: RTMP stream ended by a limit')
      conn.close(why)
      await live.endFor(id, 'limit')
    }

    return {
      metadata(m) {
        meta = m
        void (async () => {
          const max = await maxKbps
          const declared = (typeof m.videodatarate === 'number' ? m.videodatarate : 0) + (typeof m.audiodatarate === 'number' ? m.audiodatarate : 0)
          if (max > 0 && declared > max) await refuse(`the encoder sends ${Math.round(declared)} kbit/s; this site takes at most ${max}`)
        })()
      },
      async media(type, timestamp, payload) {
        if (!current()) return
        if (type === 8 && audioCodec === null && payload.length) audioCodec = payload[0]! >> 4
        if (!started) {
          if (type !== 9) {
            heldBytes += payload.length
            if (heldBytes > MAX_HELD_BYTES) return refuse('no video arrived')
            held.push(flvTag(type, timestamp, payload))
            return
          }
          if (payload[0]! & 0x80) return refuse('the encoder sends an enhanced-RTMP codec: choose H.264 (x264 or a hardware H.264 encoder)')
          const video = payload[0]! & 0x0f
          const audio = audioCodec ?? codecNumber(meta.audiocodecid)
          const hasAudio = audio !== null || 'audiocodecid' in meta || !('videocodecid' in meta)
          await live.ingests.start(id, rtmpSource(video === FLV_AVC, audio === FLV_AAC))
          started = true
          const first = Buffer.concat([flvHeader(hasAudio, true), ...held])
          held = []
          if (!(await live.ingests.write(id, first))) return conn.close('ffmpeg stopped')
        }
        if (!(await live.ingests.write(id, flvTag(type, timestamp, payload)))) return conn.close('ffmpeg stopped')
        if (type === 9) live.fed(id)
        const now = Date.now()
        if (now - windowStart >= BITRATE_WINDOW_MS) {
          const kbps = ((conn.mediaBytes - windowBytes) * 8) / (now - windowStart)
          windowStart = now
          windowBytes = conn.mediaBytes
          const max = await maxKbps
          if (max > 0 && kbps > max * BITRATE_SLACK) await refuse(`the encoder sent ${Math.round(kbps)} kbit/s; this site takes at most ${max}`)
        }
      },
      closed(reason) {
        if (!current()) return
        feeding.delete(id)
        ctx.log.info({ stream: id, reason }, 'live: RTMP push stopped; the stream waits for its encoder')
        // The stream waits for a resume (the watchdog ends it after the timeout); its ffmpeg has nothing more to read.
        void live.ingests.kill(id)
      },
    }
  }

  const server = new RtmpServer({
    publish: async (request, conn) => {
      if (request.app !== 'live') return 'Use the server address shown on your stream key page (it ends in /live).'
      return accept(request.key, conn)
    },
    log: (level, detail, message) => ctx.log[level](detail, message),
    // Under LiteFS a push reaching a replica goes to the primary, where streams are written and ffmpeg runs.
    divert: (socket, port) => ctx.core.cluster.relayToPrimary(socket, port),
  })

  // A stream ended on the site (its streamer, staff, a limit, the timeout) drops its encoder; an ffmpeg that stopped
  // by itself drops it too, and the encoder's reconnection starts a fresh one.
  live.onEnded((id) => feeding.get(id)?.close('the stream ended'))
  live.onIngestExit((id) => feeding.get(id)?.close('ffmpeg stopped'))

  return {
    /** Open the RTMP port from the setting (0: off); a port already taken is logged, not fatal. */
    async listen(): Promise<number | null> {
      const port = await ctx.settings.get('rtmp_port')
      if (!port) return null
      try {
        const bound = await server.listen(port)
        ctx.log.info({ port: bound }, 'live: RTMP ingest listening')
        return bound
      } catch (err) {
        ctx.log.error({ err, port }, 'live: the RTMP port could not be opened; OBS pushes are off until the next start')
        return null
      }
    },
    port: () => server.port,
    close: () => server.close(),
  }
}
