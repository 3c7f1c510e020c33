// A zip reader for tests, written apart from core/account/zip.ts so a mistake in the writer is not read back the same
// way: the central directory, each local header, stored or deflated data, and each entry's CRC checked.
import assert from 'node:assert/strict'
import { crc32, inflateRawSync } from 'node:zlib'

/** Every entry of a zip, by name. Throws on a malformed archive or a wrong checksum. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  assert.ok(eocd >= 0, 'an end-of-central-directory record')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50, 'a central directory entry')
    const method = zip.readUInt16LE(p + 10)
    const crc = zip.readUInt32LE(p + 16)
    const compressed = zip.readUInt32LE(p + 20)
    const size = zip.readUInt32LE(p + 24)
    const nameLength = zip.readUInt16LE(p + 28)
    const extra = zip.readUInt16LE(p + 30)
    const comment = zip.readUInt16LE(p + 32)
    const offset = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength)
    assert.equal(zip.readUInt32LE(offset), 0x04034b50, `a local header for ${name}`)
    const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
    const raw = zip.subarray(start, start + compressed)
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw)
    assert.equal(data.length, size, `${name}: its size`)
    assert.equal(crc32(data) >>> 0, crc >>> 0, `${name}: its checksum`)
    out.set(name, data)
    p += 46 + nameLength + extra + comment
  }
  return out
}

/** A JSON entry of a zip, parsed. */
export function zipJson(entries: Map<string, Buffer>, name: string): any {
  const data = entries.get(name)
  assert.ok(data, `${name} in the export (has ${[...entries.keys()].join(', ')})`)
  return JSON.parse(data.toString('utf8'))
}
