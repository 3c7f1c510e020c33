// What a file really is, from its first bytes (magic numbers): never from its name or the Content-Type it came with.
import type { MediaKind } from './tables.js'

export interface Sniffed {
  kind: MediaKind
  mime: string
  /** The extension the stored file gets. */
  ext: string
}

/** Enough of the head of a file to recognise it (an MP4's brand list, a Matroska DocType). */
export const SNIFF_BYTES = 4096

const ascii = (b: Uint8Array, from: number, to: number) => Buffer.from(b.buffer, b.byteOffset + from, Math.max(0, Math.min(to, b.length) - from)).toString('latin1')
const startsWith = (b: Uint8Array, bytes: number[], at = 0) => b.length >= at + bytes.length && bytes.every((v, i) => b[at + i] === v)

/** AVIF is the only ISO-BMFF image sharp reads here (its libheif has no HEVC decoder, so no HEIC). */
const AVIF_BRANDS = new Set(['avif', 'avis'])
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'])
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B '])

/** The brands of an ISO-BMFF `ftyp` box (MP4, MOV, 3GP, AVIF, HEIC): the major one first. */
function ftypBrands(head: Uint8Array): string[] | null {
  if (head.length < 12 || ascii(head, 4, 8) !== 'ftyp') return null
  const size = Buffer.from(head.buffer, head.byteOffset, head.length).readUInt32BE(0)
  const brands = [ascii(head, 8, 12)]
  for (let at = 16; at + 4 <= Math.min(size, head.length); at += 4) brands.push(ascii(head, at, at + 4))
  return brands
}

/**
 * The type of a file from its head, or null when it is not an image or video Hearth takes.
 * A video here is only a candidate: ffmpeg still has to find a video stream in it.
 * @example sniff(await readHead(file)) // { kind: 'image', mime: 'image/png', ext: 'png' }
 */
export function sniff(head: Uint8Array): Sniffed | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'image', mime: 'image/jpeg', ext: 'jpg' }
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'image', mime: 'image/png', ext: 'png' }
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return { kind: 'image', mime: 'image/gif', ext: 'gif' }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { kind: 'image', mime: 'image/webp', ext: 'webp' }
  const brands = ftypBrands(head)
  if (brands) {
    if (brands.some((b) => AVIF_BRANDS.has(b))) return { kind: 'image', mime: 'image/avif', ext: 'avif' }
    if (brands.some((b) => HEIC_BRANDS.has(b)) || AUDIO_BRANDS.has(brands[0]!)) return null
    if (brands[0] === 'qt  ') return { kind: 'video', mime: 'video/quicktime', ext: 'mov' }
    if (brands[0]!.startsWith('3g')) return { kind: 'video', mime: 'video/3gpp', ext: '3gp' }
    return { kind: 'video', mime: 'video/mp4', ext: 'mp4' }
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    // The EBML header names the DocType: "webm" or "matroska".
    const header = ascii(head, 4, 64)
    if (header.includes('webm')) return { kind: 'video', mime: 'video/webm', ext: 'webm' }
    if (header.includes('matroska')) return { kind: 'video', mime: 'video/x-matroska', ext: 'mkv' }
  }
  return null
}

/** Why a file was refused, as a sentence for the person who sent it. */
export function refusal(head: Uint8Array): string {
  const brands = ftypBrands(head)
  if (brands?.some((b) => HEIC_BRANDS.has(b))) return 'HEIC photos are not supported here yet; share the photo as JPEG (most phones can) and try again.'
  return 'This file is not a supported image or video.'
}
