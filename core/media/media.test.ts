// The media pipeline: uploads judged by their bytes, size limits, clean upright image variants, videos as faststart MP4, ranges, access, and restarts mid-job.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import sharp from 'sharp'
import { createTestApp, tempDir, type TestApp } from '../../test/harness.js'
import { ffmpegPath } from './ffmpeg.js'
import { KeptPixels, processImage, type Decoded } from './images.js'
import { stripJpegMetadata } from './jpeg.js'
import { multipartBoundary, MultipartError, readFilePart } from '../http/multipart.js'
import { parseRange } from './send.js'
import { PROCESS_JOB, type MediaInfo } from './service.js'
import { sniff } from './sniff.js'
import { MediaStorage, receive, shard } from './storage.js'
import { parseProbe, probe, scaleFilter } from './video.js'

type Envelope = { status: string; data: any; error: { code: string; message: string; details: any } }
const run = promisify(execFile)
const fixtures = tempDir('hearth-media-fixtures-')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Make a video with ffmpeg's test sources. */
async function makeVideo(name: string, args: string[]): Promise<Buffer> {
  const out = join(fixtures, name)
  await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args, out])
  return readFileSync(out)
}

/** The top-level boxes of an MP4, in order. */
function boxes(mp4: Buffer): string[] {
  const names: string[] = []
  for (let at = 0; at + 8 <= mp4.length; ) {
    let size = mp4.readUInt32BE(at)
    if (size === 1) size = Number(mp4.readBigUInt64BE(at + 8))
    names.push(mp4.toString('latin1', at + 4, at + 8))
    if (size < 8) break
    at += size
  }
  return names
}

/** Whether EXIF holds a GPS IFD pointer (tag 0x8825, either byte order). */
const hasGps = (exif: Buffer | undefined) => !!exif && (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])))

const GPS = { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4000/100' }

/** A 1600x1200 JPEG whose left edge is red, stored with EXIF orientation 6 (shown turned 90° clockwise: red on top) and GPS. */
async function phoneJpeg(): Promise<Buffer> {
  const [w, h] = [1600, 1200]
  const raw = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < 200 ? [230, 20, 20] : [20, 20, 230], (y * w + x) * 3)
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 85 })
    .withMetadata({ orientation: 6 })
    .withExifMerge({ IFD0: { Make: 'Hearth Phone' }, IFD3: GPS })
    .toBuffer()
}

/** A JPEG segment: its marker, its length, its payload. */
const jpegSegment = (marker: number, payload: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload])

/** The segments of a JPEG up to its first scan, as [marker, payload]. */
function jpegSegments(jpeg: Buffer): [number, Buffer][] {
  const found: [number, Buffer][] = []
  for (let at = 2; at + 4 <= jpeg.length; ) {
    const marker = jpeg[at + 1]!
    const end = at + 2 + jpeg.readUInt16BE(at + 2)
    found.push([marker, jpeg.subarray(at + 4, end)])
    if (marker === 0xda) break
    at = end
  }
  return found
}

/**
 * An upright 1200x900 photo as a camera app leaves it: a Display P3 profile, EXIF with the camera and GPS,
 * XMP and IPTC (Photoshop's APP13) naming the place, a comment, a JFIF thumbnail, and after its end a
 * second image with EXIF of its own (as MPF files carry a preview).
 */
async function cameraJpeg(options: { progressive?: boolean } = {}): Promise<Buffer> {
  const base = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
    .jpeg({ quality: 85, progressive: options.progressive ?? false })
    .withIccProfile('p3')
    .withExifMerge({ IFD0: { Make: 'Hearth Phone' }, IFD3: GPS })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Paris"/></rdf:RDF></x:xmpmeta>')
    .toBuffer()
  // sharp writes no IPTC, comment or JFIF thumbnail: they go in after SOI by hand.
  const iptc = Buffer.concat([Buffer.from([0x1c, 0x02, 0x5a, 0x00, 0x05]), Buffer.from('Paris')]) // 2:90, the city
  const irb = Buffer.concat([Buffer.from('Photoshop 3.0\u00008BIM', 'latin1'), Buffer.from([0x04, 0x04, 0, 0, 0, 0, 0, iptc.length]), iptc, Buffer.alloc(iptc.length % 2)])
  const thumbnail = Buffer.concat([Buffer.from('JFIF\u0000\u0001\u0002\u0000\u0000\u0001\u0000\u0001\u0001\u0001', 'latin1'), Buffer.from([200, 10, 10])])
  const preview = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#c33' } }).jpeg().withExifMerge({ IFD0: { Make: 'Hearth Phone' }, IFD3: GPS }).toBuffer()
  return Buffer.concat([base.subarray(0, 2), jpegSegment(0xe0, thumbnail), jpegSegment(0xed, irb), jpegSegment(0xfe, Buffer.from('Taken at home, 12 rue des Lilas')), base.subarray(2), preview])
}

/** Traces of the camera, the place or the author a cleaned file must not hold. */
const TRACES = ['Exif\u0000', 'Hearth Phone', 'Paris', 'Photoshop 3.0', 'rue des Lilas', 'xmpmeta']

const noisePng = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer()

describe('media', () => {
  let t: TestApp
  let ana: { id: number; token: string }
  let bob: { id: number; token: string }
  const processed: { mediaId: number; status: string; error: string | null }[] = []
  const listen = () => t.h.hooks.on('action:media.processed', (p) => void processed.push(p))

  const upload = (bytes: Uint8Array, name: string, type = 'application/octet-stream', token = ana.token) => {
    const form = new FormData()
    form.append('caption', 'a field before the file')
    form.append('file', new Blob([new Uint8Array(bytes)], { type }), name)
    return t.request('POST', '/api/v1/media', { token, body: form })
  }
  const uploaded = async (bytes: Uint8Array, name: string, type?: string): Promise<MediaInfo> => {
    const res = await upload(bytes, name, type)
    const body = (await res.json()) as Envelope
    assert.equal(res.status, 201, JSON.stringify(body))
    return body.data
  }
  const infoOf = async (id: number, token = ana.token) => ((await (await t.request('GET', `/api/v1/media/${id}`, { token })).json()) as Envelope).data as MediaInfo
  const fetchFile = async (url: string, token = ana.token, headers: Record<string, string> = {}) => t.request('GET', url, { token, headers })
  const bytesOf = async (url: string, token = ana.token) => {
    const res = await fetchFile(url, token)
    assert.equal(res.status, 200, url)
    return { res, buf: Buffer.from(await res.arrayBuffer()) }
  }
  const mediaCount = async () => (await t.h.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n
  const tmpFiles = () => (existsSync(join(t.h.config.mediaDir, 'tmp')) ? readdirSync(join(t.h.config.mediaDir, 'tmp')) : [])

  before(async () => {
    t = await createTestApp()
    ana = await t.register('ana')
    bob = await t.register('bob')
    listen()
  })
  after(async () => {
    await t.close()
  })

  describe('images', () => {
    let photo: MediaInfo

    it('accepts a photo, answers 201 while it is processing, then serves upright variants of the right sizes', async () => {
      photo = await uploaded(await phoneJpeg(), 'IMG_0001.JPG', 'image/jpeg')
      assert.equal(photo.kind, 'image')
      assert.equal(photo.mime, 'image/jpeg')
      assert.equal(photo.status, 'processing')
      assert.deepEqual(photo.urls, {}, 'nothing is served before it is processed')
      // A page that already names a variant (a new avatar) gets a placeholder picture, kept by no cache; the original is not served.
      const waiting = await bytesOf(`/media/${photo.id}/150`)
      assert.equal(waiting.res.headers.get('content-type'), 'image/svg+xml')
      assert.equal(waiting.res.headers.get('cache-control'), 'no-store')
      assert.match(waiting.buf.toString(), /<title>Processing<\/title>/)
      assert.equal((await fetchFile(`/media/${photo.id}/original`, ana.token)).status, 404)
      assert.equal((await fetchFile(`/media/${photo.id}/150`, bob.token)).status, 404, 'the placeholder is shown only to who may see the picture')

      await t.h.queue.drain()
      const ready = await infoOf(photo.id)
      assert.equal(ready.status, 'ready')
      assert.deepEqual([ready.width, ready.height], [1200, 1600], 'the dimensions of the upright photo')
      assert.deepEqual(Object.keys(ready.urls).sort(), ['1080', '150', '320', '640', 'original'])
      assert.deepEqual(processed.at(-1), { mediaId: photo.id, ownerId: ana.id, status: 'ready', error: null })

      const expected: Record<string, [number, number]> = { original: [1200, 1600], '1080': [810, 1080], '640': [480, 640], '320': [240, 320], '150': [113, 150] }
      for (const [variant, url] of Object.entries(ready.urls)) {
        const { res, buf } = await bytesOf(url)
        assert.equal(res.headers.get('content-type'), variant === 'original' ? 'image/jpeg' : 'image/webp')
        assert.match(res.headers.get('cache-control')!, /^private, max-age=\d+$/)
        assert.ok(res.headers.get('etag'))
        const meta = await sharp(buf).metadata()
        assert.equal(meta.format, variant === 'original' ? 'jpeg' : 'webp')
        assert.deepEqual([meta.width, meta.height], expected[variant], variant)
        // Upright: the red edge of the stored pixels is now the top.
        const [top, bottom] = await Promise.all([0.02, 0.9].map((f) => sharp(buf).extract({ left: Math.floor(meta.width! / 2), top: Math.floor(meta.height! * f), width: 1, height: 1 }).raw().toBuffer()))
        assert.ok(top![0]! > 150 && top![2]! < 100, `${variant}: red on top, got ${[...top!]}`)
        assert.ok(bottom![2]! > 150 && bottom![0]! < 100, `${variant}: blue below, got ${[...bottom!]}`)
      }
    })

    it('lets no EXIF or GPS reach any served file, while the upload kept privately still has it', async () => {
      const ready = await infoOf(photo.id)
      for (const url of Object.values(ready.urls)) {
        const { buf } = await bytesOf(url)
        const meta = await sharp(buf).metadata()
        assert.equal(meta.exif, undefined, `${url} has no EXIF`)
        assert.equal(meta.xmp, undefined, `${url} has no XMP`)
        assert.equal(meta.orientation, undefined)
      }
      const dir = join(t.h.config.mediaDir, shard(photo.id))
      const kept = readdirSync(dir).find((n) => n.startsWith(`${photo.id}-upload.`))!
      assert.ok(hasGps((await sharp(join(dir, kept)).metadata()).exif), 'the fixture does carry GPS')
      for (const guess of ['upload', 'raw', 'exif']) assert.equal((await fetchFile(`/media/${photo.id}/${guess}`)).status, 404)
    })

    it('cleans an upright JPEG without re-encoding it: no EXIF, GPS, XMP, IPTC or comment left, the same pixels and colour profile', async () => {
      const jpeg = await cameraJpeg()
      const upload = await sharp(jpeg).metadata()
      assert.ok(hasGps(upload.exif) && upload.xmp && upload.iptc && upload.icc, 'the fixture carries GPS, XMP, IPTC and a profile')
      assert.equal(upload.orientation, 1, 'the fixture says it is upright')

      const info = await uploaded(jpeg, 'DSC_0042.JPG', 'image/jpeg')
      await t.h.queue.drain()
      const ready = await infoOf(info.id)
      assert.equal(ready.status, 'ready')
      assert.deepEqual([ready.width, ready.height], [1200, 900])
      assert.deepEqual(Object.keys(ready.urls).sort(), ['1080', '150', '320', '640', 'original'])
      for (const [variant, url] of Object.entries(ready.urls)) {
        const { buf } = await bytesOf(url)
        const meta = await sharp(buf).metadata()
        assert.deepEqual([meta.exif, meta.xmp, meta.iptc, meta.comments], [undefined, undefined, undefined, undefined], `${variant} has no metadata`)
        for (const trace of TRACES) assert.ok(!buf.includes(trace), `${variant} holds no "${trace}"`)
      }

      const { buf } = await bytesOf(ready.urls.original!)
      const meta = await sharp(buf).metadata()
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 1200, 900])
      assert.ok(meta.icc?.equals(upload.icc!), 'the colour profile is kept')
      assert.ok(buf.length < jpeg.length)
      const [sent, served] = await Promise.all([jpeg, buf].map((b) => sharp(b).raw().toBuffer()))
      assert.ok(sent!.equals(served!), 'the pixels are the upload’s, not a re-encode’s')
    })

    it('makes the same files from the pixels its upload’s check decoded as from the file after a restart', async () => {
      const jpeg = await cameraJpeg()
      const early = await uploaded(jpeg, 'a.jpg', 'image/jpeg')
      await t.h.queue.drain()
      const late = await uploaded(jpeg, 'b.jpg', 'image/jpeg')
      await t.restart() // the check's pixels go with the process: the job decodes the file
      listen()
      await t.h.queue.drain()
      const [a, b] = await Promise.all([infoOf(early.id), infoOf(late.id)])
      assert.deepEqual([a.status, b.status], ['ready', 'ready'])
      for (const variant of ['original', '1080', '640', '320', '150']) {
        const [x, y] = await Promise.all([a, b].map(async (i) => (await bytesOf(i.urls[variant]!)).buf))
        assert.ok(x!.equals(y!), variant)
      }
    })

    it('stores a PNG renamed .mp4 (sent as video/mp4) as the PNG image it is', async () => {
      const png = await sharp({ create: { width: 64, height: 48, channels: 4, background: '#3a6' } }).png().toBuffer()
      const info = await uploaded(png, 'holiday.mp4', 'video/mp4')
      assert.equal(info.kind, 'image')
      assert.equal(info.mime, 'image/png')
      await t.h.queue.drain()
      const ready = await infoOf(info.id)
      assert.equal(ready.status, 'ready')
      assert.deepEqual([ready.width, ready.height], [64, 48])
      const { res } = await bytesOf(ready.urls.original!)
      assert.equal(res.headers.get('content-type'), 'image/png')
      const small = await sharp((await bytesOf(ready.urls['150']!)).buf).metadata()
      assert.deepEqual([small.width, small.height], [64, 48], 'never enlarged')
    })

    it('refuses a text file renamed .jpg, and anything else that is not an image or video, storing nothing', async () => {
      const before = await mediaCount()
      const cases: [Buffer, string, string, RegExp][] = [
        [Buffer.from('Just some notes, not a photo.\n'.repeat(40)), 'notes.jpg', 'image/jpeg', /^This file is not a supported image or video\.$/],
        [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'x.png', 'image/png', /^This file is not a supported image or video\.$/],
        [Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic')]), 'photo.heic', 'image/heic', /HEIC photos are not supported/],
        [Buffer.alloc(0), 'empty.jpg', 'image/jpeg', /empty/],
      ]
      for (const [bytes, name, type, message] of cases) {
        const res = await upload(bytes, name, type)
        const body = (await res.json()) as Envelope
        assert.equal(res.status, 400, name)
        assert.equal(body.error.code, 'VALIDATION_FAILED')
        assert.match(body.error.message, message)
        assert.match(body.error.details.fields.file, message)
      }
      assert.equal(await mediaCount(), before)
      assert.deepEqual(tmpFiles(), [], 'no temporary file is left behind')
    })

    it('refuses a truncated JPEG at upload with a clear error', async () => {
      const jpeg = await phoneJpeg()
      const res = await upload(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'cut.jpg', 'image/jpeg')
      const body = (await res.json()) as Envelope
      assert.equal(res.status, 400)
      assert.equal(body.error.code, 'VALIDATION_FAILED')
      assert.equal(body.error.message, 'This image is damaged or incomplete.')
    })

    it('marks an image failed, with a readable error and the hook, when its stored file turns out damaged, turned or upright', async () => {
      for (const jpeg of [await phoneJpeg(), await cameraJpeg()]) {
        const info = await uploaded(jpeg, 'ok.jpg')
        const dir = join(t.h.config.mediaDir, shard(info.id))
        const kept = join(dir, readdirSync(dir).find((n) => n.startsWith(`${info.id}-upload.`))!)
        truncateSync(kept, Math.floor(statSync(kept).size * 0.6))
        await t.h.queue.drain()
        const failed = await infoOf(info.id)
        assert.equal(failed.status, 'failed')
        // "damaged or incomplete" here; once, on a loaded CI machine, libvips's words fell to the general sentence.
        assert.match(failed.error ?? '', /^This image (is damaged or incomplete|could not be read; it may be damaged)\.$/)
        assert.deepEqual(failed.urls, {})
        assert.deepEqual(processed.at(-1), { mediaId: info.id, ownerId: ana.id, status: 'failed', error: failed.error })
        const job = await t.h.db.selectFrom('jobs').selectAll().where('kind', '=', PROCESS_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
        assert.deepEqual([job.status, job.attempts], ['failed', 1], 'a damaged file is not retried')
      }
    })

    it('answers 413 with the limit for an image over media.image_max_mb, reading no more than it must', async () => {
      await t.h.settings.set('media.image_max_mb', 1)
      try {
        const big = await noisePng(800, 600)
        assert.ok(big.length > 1024 * 1024)
        const before = await mediaCount()
        const res = await upload(big, 'big.png', 'image/png')
        const body = (await res.json()) as Envelope
        assert.equal(res.status, 413)
        assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE')
        assert.equal(body.error.message, 'Images may be at most 1 MB.')
        assert.equal(body.error.details.limit_bytes, 1024 * 1024)
        assert.equal(body.error.details.kind, 'image')
        assert.equal(res.headers.get('connection'), 'close')
        assert.equal(await mediaCount(), before)
        assert.deepEqual(tmpFiles(), [])

        // A small video still passes: each kind has its own limit.
        const clip = await makeVideo('tiny.webm', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '0.5', '-c:v', 'libvpx'])
        assert.equal((await upload(clip, 'tiny.webm')).status, 201)

        // A body declared larger than any limit is refused from its Content-Length, before it is read.
        const declared = await t.request('POST', '/api/v1/media', { token: ana.token, headers: { 'content-length': String(500 * 1024 * 1024), 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' })
        const d = (await declared.json()) as Envelope
        assert.equal(declared.status, 413)
        assert.equal(d.error.details.limit_bytes, 200 * 1024 * 1024 + 64 * 1024, 'the largest file and room for the form around it')
      } finally {
        await t.h.settings.set('media.image_max_mb', 20)
      }
    })

    it('takes uploads from a logged-in browser with the CSRF token as a header or as a form field', async () => {
      const agent = t.agent('10.3.0.1')
      await agent.registerViaForm('carla')
      const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer()
      const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
      const csrf = agent.cookies.get('hearth_csrf')!

      const viaHeader = new FormData()
      viaHeader.append('file', new Blob([png]), 'a.png')
      const a = await t.request('POST', '/api/v1/media', { headers: { cookie, 'x-csrf-token': csrf }, body: viaHeader })
      assert.equal(a.status, 201)

      // As a browser sends a form: with its Content-Length (the token is read only from a small body).
      const viaField = new FormData()
      viaField.append('_csrf', csrf)
      viaField.append('file', new Blob([png]), 'b.png')
      const encoded = new Response(viaField)
      const bytes = Buffer.from(await encoded.arrayBuffer())
      const b = await t.request('POST', '/api/v1/media', { headers: { cookie, 'content-type': encoded.headers.get('content-type')!, 'content-length': String(bytes.length) }, body: bytes })
      assert.equal(b.status, 201)

      const forged = new FormData()
      forged.append('file', new Blob([png]), 'c.png')
      assert.equal((await t.request('POST', '/api/v1/media', { headers: { cookie }, body: forged })).status, 403)
      const guest = await t.request('POST', '/api/v1/media', { headers: { 'content-type': 'application/octet-stream' }, body: png })
      assert.equal(guest.status, 401, 'guests cannot upload')
    })

    it('deletes the row and every file of a removed item', async () => {
      const info = await uploaded(await noisePng(300, 200), 'gone.png')
      await t.h.queue.drain()
      const dir = join(t.h.config.mediaDir, shard(info.id))
      const mine = () => readdirSync(dir).filter((n) => n.startsWith(`${info.id}-`))
      assert.equal(mine().length, 6, 'upload, original and four variants')
      await t.h.media.remove(info.id)
      assert.deepEqual(mine(), [])
      assert.equal(await t.h.media.get(info.id), undefined)
      assert.equal((await fetchFile(`/media/${info.id}/original`)).status, 404)
    })
  })

  describe('videos', () => {
    let clip: MediaInfo
    let mp4: Buffer

    it('turns a WebM with sound into a faststart H.264/AAC MP4 with a poster, duration and dimensions, and no metadata', async () => {
      const webm = await makeVideo('clip.webm', [
        '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', '1.5', '-metadata', 'location=+48.8584+002.2945/', '-metadata', 'title=secret place', '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus',
      ])
      clip = await uploaded(webm, 'clip.webm', 'video/webm')
      assert.deepEqual([clip.kind, clip.mime, clip.status], ['video', 'video/webm', 'processing'])
      await t.h.queue.drain()
      const ready = await infoOf(clip.id)
      assert.equal(ready.status, 'ready', ready.error ?? '')
      assert.deepEqual(Object.keys(ready.urls), ['video', 'poster'], 'the raw upload is not served')
      assert.deepEqual([ready.width, ready.height], [320, 240])
      assert.ok(Math.abs(ready.duration_ms! - 1500) < 120, `duration ${ready.duration_ms}`)
      assert.deepEqual(processed.at(-1), { mediaId: clip.id, ownerId: ana.id, status: 'ready', error: null })

      const { res, buf } = await bytesOf(ready.urls.video!)
      mp4 = buf
      assert.equal(res.headers.get('content-type'), 'video/mp4')
      assert.equal(res.headers.get('accept-ranges'), 'bytes')
      const top = boxes(buf)
      assert.ok(top.indexOf('moov') >= 0 && top.indexOf('moov') < top.indexOf('mdat'), `moov before mdat (faststart): ${top.join(' ')}`)
      const file = join(fixtures, 'served.mp4')
      writeFileSync(file, buf)
      const p = await probe(file)
      assert.deepEqual([p.videoCodec, p.pixelFormat, p.audioCodec], ['h264', 'yuv420p', 'aac'])
      assert.ok(!buf.includes('secret place') && !buf.includes('+48.8584'), 'no metadata from the upload')

      const poster = await sharp((await bytesOf(ready.urls.poster!)).buf).metadata()
      assert.deepEqual([poster.format, poster.width, poster.height], ['webp', 320, 240])
    })

    it('handles a video without sound, scaling it to at most 1080p with even sides', async () => {
      const mov = await makeVideo('tall.mov', ['-f', 'lavfi', '-i', 'testsrc2=size=1200x2400:rate=5', '-t', '0.6', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'])
      const info = await uploaded(mov, 'tall.mov', 'video/quicktime')
      assert.equal(info.mime, 'video/quicktime')
      await t.h.queue.drain()
      const ready = await infoOf(info.id)
      assert.equal(ready.status, 'ready', ready.error ?? '')
      assert.deepEqual([ready.width, ready.height], [960, 1920])
      const file = join(fixtures, 'tall-served.mp4')
      writeFileSync(file, (await bytesOf(ready.urls.video!)).buf)
      const p = await probe(file)
      assert.equal(p.hasAudio, false)
      assert.deepEqual([p.width, p.height], [960, 1920])
    })

    it('refuses at upload a cut-off MP4 and a file with sound but no picture', async () => {
      const full = await makeVideo('whole.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'])
      const cut = await upload(full.subarray(0, Math.floor(full.length / 2)), 'cut.mp4') // its index (moov) was at the end
      assert.equal(cut.status, 400)
      assert.equal(((await cut.json()) as Envelope).error.message, 'This video could not be read; it may be damaged or incomplete.')
      const song = await makeVideo('song.webm', ['-f', 'lavfi', '-i', 'sine', '-t', '1', '-c:a', 'libopus'])
      const audio = await upload(song, 'song.webm')
      assert.equal(audio.status, 400)
      assert.equal(((await audio.json()) as Envelope).error.message, 'This file has no video track.')
    })

    it('serves byte ranges so players can seek: 206 with the right bytes, 416 past the end, 304 when unchanged', async () => {
      const url = `/media/${clip.id}/video`
      const size = mp4.length
      const part = async (range: string) => {
        const res = await fetchFile(url, ana.token, { range })
        return { res, buf: Buffer.from(await res.arrayBuffer()) }
      }
      const first = await part('bytes=0-99')
      assert.equal(first.res.status, 206)
      assert.equal(first.res.headers.get('content-range'), `bytes 0-99/${size}`)
      assert.equal(first.res.headers.get('content-length'), '100')
      assert.ok(first.buf.equals(mp4.subarray(0, 100)))

      const middle = await part(`bytes=1000-${size + 5000}`)
      assert.equal(middle.res.status, 206)
      assert.equal(middle.res.headers.get('content-range'), `bytes 1000-${size - 1}/${size}`)
      assert.ok(middle.buf.equals(mp4.subarray(1000)))

      const tail = await part('bytes=-500')
      assert.equal(tail.res.status, 206)
      assert.ok(tail.buf.equals(mp4.subarray(size - 500)))

      const beyond = await part(`bytes=${size}-`)
      assert.equal(beyond.res.status, 416)
      assert.equal(beyond.res.headers.get('content-range'), `bytes */${size}`)

      const several = await part('bytes=0-1,5-6')
      assert.equal(several.res.status, 200, 'several ranges: the whole file')
      assert.equal(several.buf.length, size)

      const etag = (await fetchFile(url)).headers.get('etag')!
      assert.equal((await fetchFile(url, ana.token, { 'if-none-match': etag })).status, 304)
      const stale = await part('bytes=0-9')
      assert.equal(stale.res.status, 206)
      const changed = await fetchFile(url, ana.token, { range: 'bytes=0-9', 'if-range': '"older"' })
      assert.equal(changed.status, 200, 'If-Range that does not match: the whole file')
      const head = await t.request('HEAD', url, { token: ana.token })
      assert.equal(head.headers.get('content-length'), String(size))
    })

    it('keeps a video processing while a failed transcode is retried, and marks it failed with the reason after the last attempt', async () => {
      // An ffmpeg whose transcodes fail the way a full disk or a lack of memory would.
      const flaky = join(fixtures, 'flaky-ffmpeg.sh')
      writeFileSync(flaky, `#!/bin/sh\ncase "$*" in *"-f mp4"*) echo "[libx264 @ 0x1] malloc of size 4096 failed" >&2; exit 1;; esac\nexec "${ffmpegPath()}" "$@"\n`)
      chmodSync(flaky, 0o755)
      const due = (id: number) => t.h.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1).toISOString() }).where('id', '=', id).execute()
      const lastJob = () => t.h.db.selectFrom('jobs').selectAll().where('kind', '=', PROCESS_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
      const webm = await makeVideo('flaky.webm', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '0.5', '-c:v', 'libvpx'])

      const retried = await uploaded(webm, 'retried.webm')
      process.env.FFMPEG_PATH = flaky
      try {
        await t.h.queue.drain()
      } finally {
        delete process.env.FFMPEG_PATH
      }
      let job = await lastJob()
      assert.deepEqual([job.status, job.attempts], ['pending', 1])
      assert.equal(job.last_error, 'The video could not be converted: malloc of size 4096 failed')
      assert.equal((await infoOf(retried.id)).status, 'processing', 'still processing while a retry is due')
      await due(job.id)
      await t.h.queue.drain()
      assert.equal((await infoOf(retried.id)).status, 'ready')

      const doomed = await uploaded(webm, 'doomed.webm')
      job = await lastJob()
      process.env.FFMPEG_PATH = flaky
      try {
        for (let i = 0; i < 3; i++) {
          await due(job.id)
          await t.h.queue.drain()
        }
      } finally {
        delete process.env.FFMPEG_PATH
      }
      const failed = await infoOf(doomed.id)
      assert.equal(failed.status, 'failed')
      assert.equal(failed.error, 'The video could not be converted: malloc of size 4096 failed')
      assert.deepEqual([(await lastJob()).status, (await lastJob()).attempts], ['failed', 3])
      assert.deepEqual(processed.at(-1), { mediaId: doomed.id, ownerId: ana.id, status: 'failed', error: failed.error })
    })

    it('finishes a video job after a restart when the process died while it ran', async () => {
      const webm = await makeVideo('crash.webm', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '1', '-c:v', 'libvpx', '-c:a', 'libopus'])
      const info = await uploaded(webm, 'crash.webm')
      // As a crashed process leaves it: claimed, one attempt counted, its lock never released, a half-written output.
      const job = await t.h.db.selectFrom('jobs').selectAll().where('kind', '=', PROCESS_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
      await t.h.db.updateTable('jobs').set({ status: 'running', attempts: 1, locked_at: new Date().toISOString() }).where('id', '=', job.id).execute()
      writeFileSync(join(t.h.config.mediaDir, shard(info.id), `${info.id}-video.mp4.tmp`), 'half a video')

      await t.restart()
      listen()
      t.h.queue.start() // as the server does: it owns the queue, so jobs left running are taken back at once
      const end = Date.now() + 30_000
      while ((await infoOf(info.id)).status === 'processing' && Date.now() < end) await sleep(50)
      await t.h.queue.stop()
      const ready = await infoOf(info.id)
      assert.equal(ready.status, 'ready', ready.error ?? '')
      const after = await t.h.db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow()
      assert.deepEqual([after.status, after.attempts], ['done', 2])
      assert.deepEqual(readdirSync(join(t.h.config.mediaDir, shard(info.id))).filter((n) => n.startsWith(`${info.id}-`) && n.endsWith('.tmp')), [])
    })

    it('kills ffmpeg on shutdown and runs the job again, without using up an attempt, after the restart', async () => {
      // A slow ffmpeg (it waits before starting) so the shutdown surely lands while it runs.
      const slow = join(fixtures, 'slow-ffmpeg.sh')
      writeFileSync(slow, `#!/bin/sh\nsleep 1 </dev/null >/dev/null 2>&1\nexec "${ffmpegPath()}" "$@"\n`)
      chmodSync(slow, 0o755)
      const webm = await makeVideo('shutdown.webm', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '1', '-c:v', 'libvpx'])
      const info = await uploaded(webm, 'shutdown.webm')
      process.env.FFMPEG_PATH = slow
      try {
        t.h.queue.start()
        const started = Date.now()
        while (t.h.queue.active === 0 && Date.now() - started < 5000) await sleep(10)
        await sleep(100)
        await t.h.queue.stop({ graceMs: 0 })
        assert.ok(Date.now() - started < 1000, 'the shutdown did not wait for ffmpeg')
      } finally {
        delete process.env.FFMPEG_PATH
      }
      const job = await t.h.db.selectFrom('jobs').selectAll().where('kind', '=', PROCESS_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
      assert.deepEqual([job.status, job.attempts], ['pending', 0])
      assert.equal((await infoOf(info.id)).status, 'processing')

      await t.restart()
      listen()
      await t.h.queue.drain()
      assert.equal((await infoOf(info.id)).status, 'ready')
    })
  })

  describe('who may see media', () => {
    it('answers NOT_FOUND to a guest or another member, exactly as for a missing item, and serves the owner', async () => {
      const info = await uploaded(await noisePng(40, 30), 'private.png')
      await t.h.queue.drain()
      const ready = await infoOf(info.id)
      const missing = (await (await t.request('GET', '/api/v1/media/999999', { token: bob.token })).json()) as Envelope
      for (const token of [bob.token, undefined]) {
        const res = await t.request('GET', `/api/v1/media/${info.id}`, { token })
        assert.equal(res.status, 404)
        const body = (await res.json()) as Envelope
        assert.equal(body.error.code, 'NOT_FOUND')
        assert.equal(body.error.message, missing.error.message)
        for (const url of Object.values(ready.urls)) {
          const file = await t.request('GET', url, { token, headers: { accept: 'application/json' } })
          assert.equal(file.status, 404, url)
          assert.equal(((await file.json()) as Envelope).error.code, 'NOT_FOUND')
        }
      }
      assert.equal((await fetchFile(ready.urls['320']!)).status, 200)
      for (const bad of [`/media/${info.id}/9999`, `/media/${info.id}/..%2f..%2fhearth.db`, '/media/abc/original', '/media/0/original', '/api/v1/media/1e3']) {
        assert.equal((await fetchFile(bad)).status, 404, bad)
      }
    })
  })
})

describe('media building blocks', () => {
  it('recognises types by their magic numbers only', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } }).png().toBuffer()
    const webp = await sharp(png).webp().toBuffer()
    const gif = await sharp(png).gif().toBuffer()
    const avif = await sharp(png).avif().toBuffer()
    const ftyp = (brand: string, compat = 'isom') => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}\0\0\0\0${compat}`)])
    const ebml = (doc: string) => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from(doc)])
    const cases: [Buffer, string | null][] = [
      [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'image/jpeg'],
      [png, 'image/png'],
      [webp, 'image/webp'],
      [gif, 'image/gif'],
      [avif, 'image/avif'],
      [ftyp('isom'), 'video/mp4'],
      [ftyp('qt  ', 'qt  '), 'video/quicktime'],
      [ftyp('3gp5'), 'video/3gpp'],
      [ftyp('heic', 'mif1'), null],
      [ftyp('M4A ', 'M4A '), null],
      [ebml('webm'), 'video/webm'],
      [ebml('matroska'), 'video/x-matroska'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), null],
      [Buffer.from('%PDF-1.7'), null],
      [Buffer.from('BM6\0\0\0'), null],
    ]
    for (const [bytes, mime] of cases) assert.equal(sniff(bytes)?.mime ?? null, mime, bytes.subarray(0, 12).toString('latin1'))
  })

  it('reads a multipart body in chunks of any size, past other fields, and rejects a cut one', async () => {
    const file = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251))
    const form = new FormData()
    form.append('_csrf', 'token')
    form.append('file', new Blob([file]), 'x.bin')
    form.append('after', 'ignored')
    const req = new Request('http://x/', { method: 'POST', body: form })
    const body = Buffer.from(await req.arrayBuffer())
    const boundary = multipartBoundary(req.headers.get('content-type')!)!
    const collect = async (part: { body: AsyncIterable<Uint8Array> }) => {
      const chunks: Buffer[] = []
      for await (const c of part.body) chunks.push(Buffer.from(c))
      return Buffer.concat(chunks)
    }
    async function* chunked(buf: Buffer, size: number) {
      for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size)
    }
    for (const size of [1, 2, 7, 64, 1000, body.length]) {
      const got = await readFilePart(chunked(body, size), boundary, 'file', collect)
      assert.ok(got?.equals(file), `chunks of ${size}`)
    }
    assert.equal(await readFilePart(chunked(body, 100), boundary, 'nope', collect), null)
    await assert.rejects(readFilePart(chunked(body.subarray(0, 2000), 100), boundary, 'file', collect), MultipartError)
    assert.equal(multipartBoundary('multipart/form-data; boundary="a b"'), 'a b')
    assert.equal(multipartBoundary('application/json'), null)
  })

  it('cuts metadata segments out of a JPEG by its bytes, and gives up on anything it does not expect', async () => {
    for (const progressive of [false, true]) {
      const jpeg = await cameraJpeg({ progressive })
      const clean = stripJpegMetadata(jpeg)!
      assert.ok(clean, progressive ? 'progressive' : 'baseline')
      const apps = jpegSegments(clean).filter(([m]) => (m >= 0xe0 && m <= 0xef) || m === 0xfe)
      assert.deepEqual(
        apps.map(([m, p]) => [m, p.toString('latin1', 0, 12)]),
        [[0xe2, 'ICC_PROFILE\u0000']],
        'only the ICC profile is left: no JFIF with a thumbnail, EXIF, XMP, IPTC or comment',
      )
      for (const trace of TRACES) assert.ok(!clean.includes(trace), `no "${trace}"`)
      assert.deepEqual([...clean.subarray(-2)], [0xff, 0xd9], 'it ends at the first image’s end: the preview after it is gone')
      const [a, b] = await Promise.all([jpeg, clean].map((x) => sharp(x).raw().toBuffer()))
      assert.ok(a!.equals(b!), 'the same pixels')
    }
    const jpeg = await cameraJpeg()
    // What a decoder needs is kept: JFIF without a thumbnail, Adobe's segment (it says how the channels are coded).
    const jfif = jpegSegment(0xe0, Buffer.from('JFIF\u0000\u0001\u0002\u0000\u0000\u0048\u0000\u0048\u0000\u0000', 'latin1'))
    const adobe = jpegSegment(0xee, Buffer.from('Adobe\u0000\u0064\u0000\u0000\u0000\u0000\u0001', 'latin1'))
    const kept = stripJpegMetadata(Buffer.concat([jpeg.subarray(0, 2), jfif, adobe, jpeg.subarray(2)]))!
    assert.deepEqual(
      jpegSegments(kept)
        .filter(([m]) => m >= 0xe0 && m <= 0xef)
        .map(([m]) => m),
      [0xe0, 0xee, 0xe2],
    )
    // Inside a scan, stuffed bytes and restart markers are data; a comment between two scans goes, as do fill bytes.
    const scan = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x78])
    const tables = [jpegSegment(0xdb, Buffer.alloc(65)), jpegSegment(0xdd, Buffer.from([0, 4])), jpegSegment(0xc2, Buffer.alloc(15)), jpegSegment(0xc4, Buffer.alloc(20))]
    const sos = jpegSegment(0xda, Buffer.alloc(10))
    const soi = Buffer.from([0xff, 0xd8])
    const built = Buffer.concat([soi, ...tables, sos, scan, jpegSegment(0xfe, Buffer.from('between scans')), sos, scan, Buffer.from([0xff, 0xff, 0xd9])])
    assert.deepEqual(stripJpegMetadata(built), Buffer.concat([soi, ...tables, sos, scan, sos, scan, Buffer.from([0xff, 0xd9])]))
    const cases: [string, Buffer][] = [
      ['cut off', jpeg.subarray(0, Math.floor(jpeg.length * 0.6))],
      ['cut inside a segment', jpeg.subarray(0, 40)],
      ['a length past the end', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x7f, 0xff, 0, 0, 0xff, 0xd9])],
      ['no frame before the end', Buffer.from([0xff, 0xd8, 0xff, 0xd9])],
      ['a marker it does not know (JPEG-LS)', Buffer.concat([jpeg.subarray(0, 2), jpegSegment(0xf7, Buffer.alloc(11)), jpeg.subarray(2)])],
      ['not a JPEG', Buffer.from('GIF89a, not a photo')],
    ]
    for (const [what, bytes] of cases) assert.equal(stripJpegMetadata(bytes), null, what)
  })

  it('makes the variants from the pixels it is given, and keeps such pixels within a memory budget and an age', async () => {
    const jpeg = join(fixtures, 'blue.jpg')
    await sharp({ create: { width: 400, height: 300, channels: 3, background: '#1030e0' } }).jpeg().toFile(jpeg)
    const red: Decoded = { data: Buffer.alloc(400 * 300 * 3), info: { width: 400, height: 300, channels: 3 } }
    for (let i = 0; i < red.data.length; i += 3) red.data[i] = 220
    const made = await processImage(jpeg, 'image/jpeg', (name, ext) => join(fixtures, `given-${name}.${ext}`), red)
    assert.deepEqual([made.width, made.height], [400, 300])
    const [r, , b] = await sharp(join(fixtures, 'given-640.webp')).extract({ left: 200, top: 150, width: 1, height: 1 }).raw().toBuffer()
    assert.ok(r! > 150 && b! < 100, `the variant is made from the given pixels, got ${[r, b]}`)

    const px = (n: number): Decoded => ({ data: Buffer.alloc(n), info: { width: n, height: 1, channels: 1 } })
    const kept = new KeptPixels(250, 60_000)
    for (const id of [1, 2, 3]) kept.put(id, px(100))
    assert.equal(kept.take(1), undefined, 'the oldest went when the budget was passed')
    assert.equal(kept.take(2)?.data.length, 100)
    assert.equal(kept.take(2), undefined, 'taken once')
    const brief = new KeptPixels(1000, 20)
    brief.put(1, px(10))
    await sleep(40)
    brief.put(2, px(10))
    assert.equal(brief.take(1), undefined, 'too old')
    assert.ok(brief.take(2))
  })

  it('writes an upload to its file exactly, whatever the size of its chunks', async () => {
    const storage = new MediaStorage(join(fixtures, 'received'))
    const noise = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 7919) % 251))
    const bytes = Buffer.concat([await phoneJpeg(), noise]) // more than one write's worth after the sniffed head
    async function* chunked(size: number) {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
    }
    for (const size of [333, 65536, bytes.length]) {
      const got = await receive(storage, chunked(size), { image: 8 * 1024 * 1024, video: 8 * 1024 * 1024 })
      assert.equal(got.type.mime, 'image/jpeg')
      assert.equal(got.size, bytes.length)
      assert.ok(readFileSync(got.path).equals(bytes), `chunks of ${size}`)
    }
  })

  it('parses byte ranges', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 })
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 })
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 })
    assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 })
    assert.deepEqual(parseRange('bytes=50-5000', 100), { start: 50, end: 99 })
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable')
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable')
    assert.equal(parseRange('bytes=9-3', 100), null)
    assert.equal(parseRange('items=0-9', 100), null)
    assert.equal(parseRange('bytes=0-1,4-5', 100), null)
    assert.equal(parseRange(undefined, 100), null)
  })

  it('reads sizes, codecs and duration from ffmpeg’s description, not a codec tag', () => {
    const p = parseProbe(
      [
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mov':",
        '  Duration: 00:01:02.50, start: 0.000000, bitrate: 285 kb/s',
        '    Stream #0:0(eng): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080 [SAR 1:1 DAR 16:9], 277 kb/s, 30 fps',
        '    Stream #0:1(eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s',
      ].join('\n'),
    )
    assert.deepEqual(p, { durationMs: 62500, width: 1920, height: 1080, hasVideo: true, hasAudio: true, videoCodec: 'h264', audioCodec: 'aac', pixelFormat: 'yuv420p' })
    assert.equal(parseProbe("Input #0, matroska,webm, from 'b':\n  Duration: N/A, start: 0.000000\n    Stream #0:0: Audio: opus").hasVideo, false)
    assert.match(scaleFilter(), /^scale=w='.*':h='.*',setsar=1$/)
  })
})

after(() => rmSync(fixtures, { recursive: true, force: true }))
