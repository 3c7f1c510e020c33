// A small zip writer on node:zlib (deflate and crc32), written to a file as it goes: JSON entries are deflated,
// media files are stored as they are (already compressed) and streamed, never held whole in memory. Decision 048
// (data rights) says why no package: nothing in the project's dependencies wrote zips, and this is all an export needs.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { crc32, deflateRawSync } from 'node:zlib'
import { once } from 'node:events'

/** Zip without its 64-bit extension: an archive, and each entry, stays under 4 GiB. */
const LIMIT = 0xffff_ffff

interface Entry {
  name: Buffer
  crc: number
  method: 0 | 8
  compressed: number
  size: number
  offset: number
  time: number
  date: number
}

function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: (Math.max(0, d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  }
}

/**
 * Write a zip file entry by entry.
 * @example const zip = new ZipWriter('/tmp/x.zip'); await zip.add('a.json', Buffer.from('{}')); await zip.addFile('photo.jpg', path); await zip.close()
 */
export class ZipWriter {
  private readonly out: WriteStream
  private readonly entries: Entry[] = []
  private readonly names = new Set<string>()
  private offset = 0
  private readonly when = dosTime(new Date())

  constructor(path: string) {
    this.out = createWriteStream(path)
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.offset + chunk.length > LIMIT) throw new Error('The archive would be larger than 4 GiB.')
    this.offset += chunk.length
    if (!this.out.write(chunk)) await once(this.out, 'drain')
  }

  private entryName(name: string): Buffer {
    // Forward slashes, no absolute or parent parts: an unzip never writes outside its folder.
    const clean = name.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.' && p !== '..').join('/')
    if (!clean) throw new Error(`"${name}" is not a usable name inside a zip.`)
    if (this.names.has(clean)) throw new Error(`The zip already has an entry "${clean}".`)
    this.names.add(clean)
    return Buffer.from(clean, 'utf8')
  }

  private header(e: Entry): Buffer {
    const h = Buffer.alloc(30)
    h.writeUInt32LE(0x04034b50, 0)
    h.writeUInt16LE(20, 4)
    h.writeUInt16LE(0x0800, 6) // names are UTF-8
    h.writeUInt16LE(e.method, 8)
    h.writeUInt16LE(e.time, 10)
    h.writeUInt16LE(e.date, 12)
    h.writeUInt32LE(e.crc >>> 0, 14)
    h.writeUInt32LE(e.compressed, 18)
    h.writeUInt32LE(e.size, 22)
    h.writeUInt16LE(e.name.length, 26)
    h.writeUInt16LE(0, 28)
    return Buffer.concat([h, e.name])
  }

  /** An entry from bytes in memory (JSON, text): deflated. */
  async add(name: string, data: Buffer | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    const packed = deflateRawSync(bytes)
    const e: Entry = { name: this.entryName(name), crc: crc32(bytes), method: 8, compressed: packed.length, size: bytes.length, offset: this.offset, ...this.when }
    await this.write(this.header(e))
    await this.write(packed)
    this.entries.push(e)
  }

  /** An entry from a file on disk, stored as it is and streamed (read twice: once for its checksum). */
  async addFile(name: string, path: string): Promise<void> {
    const size = (await stat(path)).size
    if (size > LIMIT) throw new Error(`${name} is larger than 4 GiB.`)
    let crc = 0
    for await (const chunk of createReadStream(path)) crc = crc32(chunk as Buffer, crc)
    const e: Entry = { name: this.entryName(name), crc, method: 0, compressed: size, size, offset: this.offset, ...this.when }
    await this.write(this.header(e))
    let written = 0
    for await (const chunk of createReadStream(path)) {
      written += (chunk as Buffer).length
      await this.write(chunk as Buffer)
    }
    if (written !== size) throw new Error(`${name} changed while it was being added.`)
    this.entries.push(e)
  }

  /** The central directory and its end record; the file is complete when this resolves. */
  async close(): Promise<void> {
    if (this.entries.length > 0xffff) throw new Error('The archive would hold more than 65535 files.')
    const start = this.offset
    for (const e of this.entries) {
      const h = Buffer.alloc(46)
      h.writeUInt32LE(0x02014b50, 0)
      h.writeUInt16LE(0x031e, 4) // made by: Unix, zip 3.0
      h.writeUInt16LE(20, 6)
      h.writeUInt16LE(0x0800, 8)
      h.writeUInt16LE(e.method, 10)
      h.writeUInt16LE(e.time, 12)
      h.writeUInt16LE(e.date, 14)
      h.writeUInt32LE(e.crc >>> 0, 16)
      h.writeUInt32LE(e.compressed, 20)
      h.writeUInt32LE(e.size, 24)
      h.writeUInt16LE(e.name.length, 28)
      h.writeUInt32LE((0o100644 << 16) >>> 0, 38) // a regular file, rw-r--r--
      h.writeUInt32LE(e.offset, 42)
      await this.write(Buffer.concat([h, e.name]))
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(this.entries.length, 8)
    end.writeUInt16LE(this.entries.length, 10)
    end.writeUInt32LE(this.offset - start, 12)
    end.writeUInt32LE(start, 16)
    await this.write(end)
    this.out.end()
    await once(this.out, 'finish')
  }

  /** Stop and leave the partial file for the caller to remove. */
  abort(): void {
    this.out.destroy()
  }
}
