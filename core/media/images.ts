// Image processing with sharp: check an upload decodes, then make upright, metadata-free WebP variants and a clean original.
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import sharp, { type Sharp } from 'sharp'
import { UnrecoverableJobError } from '../jobs/queue.js'
import { stripJpegMetadata } from './jpeg.js'

/** Longest side of each variant (fit inside a square, never enlarged), largest first. */
export const IMAGE_SIZES = ['1080', '640', '320', '150'] as const

/** Larger images are refused (a decompression bomb); 200 MP still takes the largest phone cameras. */
export const MAX_PIXELS = 200_000_000
const TIMEOUT_SECONDS = 120
/** WebP encoder effort (0-6, sharp's default 4): 2 encodes in about half the time, for files a few % larger. */
const WEBP_EFFORT = 2

/** Formats that can be animated: all frames are kept. */
const ANIMATED = new Set(['image/gif', 'image/webp'])

/**
 * How the served original is written when it is re-encoded: in the upload's format, so no metadata (EXIF,
 * GPS, XMP) survives and the pixels are upright. AVIF becomes WebP: encoding AVIF takes seconds per image here.
 * An upright JPEG is not re-encoded: see `cleanOriginal`.
 */
const ORIGINAL: Record<string, { ext: string; encode: (s: Sharp) => Sharp }> = {
  'image/jpeg': { ext: 'jpg', encode: (s) => s.jpeg({ quality: 90 }) },
  'image/png': { ext: 'png', encode: (s) => s.png() },
  'image/gif': { ext: 'gif', encode: (s) => s.gif() },
  'image/webp': { ext: 'webp', encode: (s) => s.webp({ quality: 90 }) },
  'image/avif': { ext: 'webp', encode: (s) => s.webp({ quality: 90 }) },
}

// failOn 'error': a damaged or truncated file is refused rather than served half grey.
const open = (path: string, animated = false) => sharp(path, { failOn: 'error', limitInputPixels: MAX_PIXELS, autoOrient: true, animated }).timeout({ seconds: TIMEOUT_SECONDS })

/** A sentence for the member from what sharp (libvips) said. */
export function imageProblem(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err)
  if (/pixel limit/i.test(m)) return `This image is too large: at most ${MAX_PIXELS / 1_000_000} megapixels.`
  if (/premature end|truncated|unexpected end|end of (file|data|stream)|not enough|short read|incomplete/i.test(m)) return 'This image is damaged or incomplete.'
  if (/unsupported image format/i.test(m)) return 'This file is not a supported image or video.'
  return 'This image could not be read; it may be damaged.'
}

/**
 * The sentence for a file whose processing failed, from a decode of it alone: the failure may come from any of
 * the operations run side by side (the original beside the variants, on libvips's threads), and a single small
 * decode says most plainly what is wrong with the file. CI once saw the generic sentence for a truncated JPEG.
 */
async function problemAlone(input: string, err: unknown): Promise<string> {
  try {
    await open(input).resize(64, 64, { fit: 'inside' }).toBuffer()
  } catch (alone) {
    return imageProblem(alone)
  }
  return imageProblem(err)
}

/** Upright sRGB pixels of an image's largest variant, from which every variant is made. */
export interface Decoded {
  data: Buffer
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 }
}

/** Whether an image's variants are made from one decode of its largest (else each from the file: every frame, or more than 8 bits). */
const fromOneDecode = (mime: string, meta: { depth?: string }) => !ANIMATED.has(mime) && meta.depth === 'uchar'

/** Decode the largest variant's pixels: a JPEG shrinks on load, at a fraction of a full decode, though all its data is still read. */
async function decodeLargest(path: string): Promise<Decoded> {
  const px = Number(IMAGE_SIZES[0])
  const { data, info } = await open(path).resize({ width: px, height: px, fit: 'inside', withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true })
  return { data, info: { width: info.width, height: info.height, channels: info.channels } }
}

/**
 * Decode the whole image once, so a truncated or damaged upload is refused at once instead of failing
 * later. Throws a sentence. For a still image that decode is the one its variants are made from, and its
 * pixels are returned for `processImage`; otherwise (an animation, more than 8 bits) a cheap small one.
 */
export async function checkImage(path: string, mime: string): Promise<Decoded | null> {
  try {
    if (fromOneDecode(mime, await open(path).metadata())) return await decodeLargest(path)
    await open(path).resize(64, 64, { fit: 'inside' }).toBuffer()
    return null
  } catch (err) {
    throw new Error(imageProblem(err), { cause: err })
  }
}

/**
 * Pixels from uploads' checks, kept by media id until their processing jobs take them. At most `maxBytes`
 * in all and `maxAgeMs` each, so a burst of uploads or a long queue holds little memory: a job that finds
 * none (after a restart, on a retry) decodes the file again.
 */
export class KeptPixels {
  private readonly kept = new Map<number, { decoded: Decoded; at: number }>()
  private bytes = 0

  constructor(
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly maxAgeMs = 120_000,
  ) {}

  put(id: number, decoded: Decoded): void {
    this.take(id)
    this.kept.set(id, { decoded, at: Date.now() })
    this.bytes += decoded.data.length
    // Oldest first: a Map keeps insertion order.
    for (const [old, { at }] of this.kept) {
      if (this.bytes <= this.maxBytes && Date.now() - at <= this.maxAgeMs) break
      this.take(old)
    }
  }

  take(id: number): Decoded | undefined {
    const entry = this.kept.get(id)
    if (!entry) return undefined
    this.kept.delete(id)
    this.bytes -= entry.decoded.data.length
    return entry.decoded
  }
}

export interface ImageResult {
  width: number
  height: number
  /** Variant name to the extension of its file. */
  files: Record<string, string>
}

/**
 * Make the original (clean) and the WebP variants. `dest(name, ext)` is the absolute path a file
 * goes to; each is written beside it first and renamed, so a crash never leaves half a file in place.
 * `decoded` is what `checkImage` gave for this file, when it was kept. Throws UnrecoverableJobError when
 * the image itself is at fault.
 */
export async function processImage(input: string, mime: string, dest: (name: string, ext: string) => string, decoded?: Decoded): Promise<ImageResult> {
  const animated = ANIMATED.has(mime)
  const files: Record<string, string> = {}
  const write = async (name: string, ext: string, content: Sharp | Buffer) => {
    const to = dest(name, ext)
    const tmp = `${to}.tmp`
    try {
      await (Buffer.isBuffer(content) ? writeFile(tmp, content) : content.toFile(tmp))
      await rename(tmp, to)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
    files[name] = ext
  }
  try {
    const meta = await open(input).metadata()
    const width = meta.autoOrient.width
    const height = meta.pageHeight ?? meta.autoOrient.height
    const original = ORIGINAL[mime] ?? ORIGINAL['image/webp']!
    // An upright JPEG in RGB or grey keeps its compressed picture, its metadata cut out by the bytes: a 12 MP
    // re-encode is the costliest step of an upload, and loses quality. A turned one must be decoded to turn it;
    // CMYK is left to the re-encode (to sRGB), which browsers show more reliably.
    const cleanOriginal = async (): Promise<Sharp | Buffer> => {
      const upright = mime === 'image/jpeg' && (meta.orientation ?? 1) === 1 && (meta.space === 'srgb' || meta.space === 'b-w')
      return (upright && stripJpegMetadata(await readFile(input))) || original.encode(open(input))
    }
    const variant = (pipeline: Sharp, px: number) => pipeline.resize({ width: px, height: px, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80, effort: WEBP_EFFORT })
    if (!fromOneDecode(mime, meta)) {
      // Every frame of an animation, or more than 8 bits a channel: each variant from the file.
      await write('original', original.ext, original.encode(open(input, animated)))
      for (const size of IMAGE_SIZES) await write(size, 'webp', variant(open(input, animated), Number(size)))
    } else {
      // The original beside the variants, so a job can use two cores. Every variant is made from the largest's
      // pixels (the upload's check decoded them, or they are decoded here): the largest on one thread, the
      // smaller ones together on another, which take about as long (two threads, not four, so file I/O keeps a
      // share of libuv's pool of four).
      const [largest, ...smaller] = IMAGE_SIZES
      await Promise.all([
        cleanOriginal().then((content) => write('original', original.ext, content)),
        (async () => {
          const { data, info } = decoded ?? (await decodeLargest(input))
          const pixels = () => sharp(data, { raw: info })
          await Promise.all([
            write(largest, 'webp', variant(pixels(), Number(largest))),
            (async () => {
              for (const size of smaller) await write(size, 'webp', variant(pixels(), Number(size)))
            })(),
          ])
        })(),
      ])
    }
    return { width, height, files }
  } catch (err) {
    if (err instanceof Error && (err as NodeJS.ErrnoException).code) throw err // the disk, not the image: worth a retry
    throw new UnrecoverableJobError(await problemAlone(input, err), { cause: err })
  }
}

/** A WebP poster from a PNG frame (ffmpeg's output), metadata-free. Returns its size. */
export async function writePoster(png: Buffer, to: string): Promise<{ width: number; height: number }> {
  const tmp = `${to}.tmp`
  try {
    const info = await sharp(png, { failOn: 'error' }).webp({ quality: 80 }).toFile(tmp)
    await rename(tmp, to)
    return { width: info.width, height: info.height }
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
