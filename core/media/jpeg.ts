// A JPEG's metadata cut out by its bytes: the compressed picture is kept as it is, so an upright photo is cleaned without a re-encode.

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const COM = 0xfe
const APP0 = 0xe0
const APP2 = 0xe2
const APP14 = 0xee
const APP15 = 0xef

/** Tables and parameters the decoder needs: DHT, DAC (arithmetic coding), DQT, DNL, DRI. */
const TABLES = new Set([0xc4, 0xcc, 0xdb, 0xdc, 0xdd])
/** Start of frame: every SOFn from 0xC0 to 0xCF except DHT, JPG (reserved) and DAC. */
const isFrame = (code: number) => code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc

const startsWith = (payload: Buffer, id: string) => payload.length >= id.length && payload.toString('latin1', 0, id.length) === id

/**
 * The application segments kept, because they change how the pixels are decoded or shown and say nothing
 * of the camera, the place or the author: JFIF without a thumbnail (a thumbnail may show what was since
 * cropped out), an ICC profile, and Adobe's (it says whether the channels are YCbCr). EXIF and XMP
 * (APP1), IPTC (APP13), MPF and FlashPix (APP2) and every other APPn go.
 */
function keepApp(code: number, payload: Buffer): boolean {
  if (code === APP0) return startsWith(payload, 'JFIF\0') && payload.length >= 14 && payload[12] === 0 && payload[13] === 0
  if (code === APP2) return startsWith(payload, 'ICC_PROFILE\0')
  if (code === APP14) return startsWith(payload, 'Adobe')
  return false
}

/**
 * The JPEG without its metadata segments (EXIF with its GPS and thumbnail, XMP, IPTC, comments, MPF)
 * and without anything after its end marker (an MPF file's further images, each with EXIF of its own).
 * The frame, its tables and the compressed scans are copied untouched, so the pixels are exactly the
 * upload's; orientation is not applied, which is the caller's to check.
 * Returns null for anything unexpected (no end marker, a length past the end, a marker this does not
 * know): the caller then re-encodes, which also refuses a damaged file.
 *
 * @example
 * const clean = stripJpegMetadata(await readFile(upload))
 * if (clean) await writeFile(to, clean)
 * else await sharp(upload).jpeg().toFile(to)
 */
export function stripJpegMetadata(jpeg: Buffer): Buffer | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) return null
  const parts: Buffer[] = [jpeg.subarray(0, 2)]
  let frame = false
  let scans = 0
  let at = 2
  for (;;) {
    // A marker: 0xFF, maybe more 0xFF as fill, then its code.
    if (jpeg[at] !== 0xff) return null
    while (jpeg[at] === 0xff) at++
    if (at >= jpeg.length) return null
    const code = jpeg[at++]!
    if (code === EOI) {
      if (!frame || scans === 0) return null
      parts.push(jpeg.subarray(at - 2, at))
      return Buffer.concat(parts)
    }
    if (at + 2 > jpeg.length) return null
    const end = at + jpeg.readUInt16BE(at)
    if (end < at + 2 || end > jpeg.length) return null
    // From the last 0xFF: fill bytes before a marker carry nothing.
    const segment = jpeg.subarray(at - 2, end)
    if ((code >= APP0 && code <= APP15) || code === COM) {
      if (keepApp(code, jpeg.subarray(at + 2, end))) parts.push(segment)
    } else if (isFrame(code)) {
      if (frame) return null // a second frame: hierarchical JPEG, left to the decoder
      frame = true
      parts.push(segment)
    } else if (TABLES.has(code)) {
      parts.push(segment)
    } else if (code === SOS) {
      if (!frame) return null
      parts.push(segment)
      // The compressed data runs to the next marker: 0xFF other than a stuffed 0xFF00 or a restart marker.
      let scan = end
      for (;;) {
        const ff = jpeg.indexOf(0xff, scan)
        if (ff < 0 || ff + 1 >= jpeg.length) return null
        const next = jpeg[ff + 1]!
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) scan = ff + 2
        else if (next === 0xff) scan = ff + 1
        else {
          // The marker's 0xFF may follow fill bytes (0xFF too): data never ends in 0xFF, so they are not the scan's.
          let data = ff
          while (data > end && jpeg[data - 1] === 0xff) data--
          parts.push(jpeg.subarray(end, data))
          scans++
          at = ff
          break
        }
      }
      continue
    } else {
      return null // reserved, JPEG-LS or hierarchical markers, or a restart marker outside a scan
    }
    at = end
  }
}
