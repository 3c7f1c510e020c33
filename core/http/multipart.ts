// A streaming multipart/form-data reader: hands each part's bytes on as they arrive, never holding the body in memory.

/** The boundary of a multipart/form-data Content-Type, or null when the type is something else. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null
  const m = contentType.match(/;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i)
  return m ? (m[1] ?? m[2]!) : null
}

export class MultipartError extends Error {}

export interface FilePart {
  /** The file name the client gave (only informative: the type comes from the bytes). */
  filename: string | null
  /** The part's bytes, chunk by chunk; it must be read to the end (or abandoned with the request). */
  body: AsyncIterable<Uint8Array>
}

/** One part of a multipart body: a form field (`filename` null) or a file. */
export interface Part extends FilePart {
  /** The form field's name. */
  name: string | null
}

const CRLF = Buffer.from('\r\n')
const MAX_HEADER_BYTES = 16 * 1024
const MAX_PREAMBLE_BYTES = 16 * 1024

/** Reads a byte stream up to delimiters, keeping only what it has not handed out yet. */
class Reader {
  private buf: Buffer = Buffer.alloc(0)
  private ended = false

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async more(): Promise<boolean> {
    if (this.ended) return false
    const next = await this.source.next()
    if (next.done) {
      this.ended = true
      return false
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    return true
  }

  /** At least `n` bytes buffered, or false at the end of the stream. */
  async ensure(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.more())) return false
    return true
  }

  peek(n: number): Buffer {
    return this.buf.subarray(0, n)
  }

  skip(n: number): void {
    this.buf = this.buf.subarray(n)
  }

  /** The bytes before `delim` (which is consumed too), or null when the stream ends first. */
  async until(delim: Buffer, max: number): Promise<Buffer | null> {
    let from = 0
    for (;;) {
      const at = this.buf.indexOf(delim, from)
      if (at >= 0) {
        const out = this.buf.subarray(0, at)
        this.buf = this.buf.subarray(at + delim.length)
        return out
      }
      if (this.buf.length > max + delim.length) throw new MultipartError('A multipart header is too long.')
      from = Math.max(0, this.buf.length - delim.length + 1)
      if (!(await this.more())) return null
    }
  }

  /** Yield the bytes before `delim`, consuming it; throws when the stream ends first. */
  async *stream(delim: Buffer): AsyncGenerator<Buffer> {
    for (;;) {
      const at = this.buf.indexOf(delim)
      if (at >= 0) {
        if (at > 0) yield this.buf.subarray(0, at)
        this.buf = this.buf.subarray(at + delim.length)
        return
      }
      // Everything but a tail that could be the start of the delimiter is safe to hand out.
      const safe = this.buf.length - (delim.length - 1)
      if (safe > 0) {
        const out = this.buf.subarray(0, safe)
        this.buf = this.buf.subarray(safe)
        yield out
      }
      if (!(await this.more())) throw new MultipartError('The upload ended before the file did.')
    }
  }
}

function disposition(headers: string): { name: string | null; filename: string | null } {
  const line = headers.split('\r\n').find((l) => /^content-disposition\s*:/i.test(l)) ?? ''
  const param = (key: string) => line.match(new RegExp(`;\\s*${key}="([^"]*)"`, 'i'))?.[1] ?? line.match(new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i'))?.[1] ?? null
  return { name: param('name'), filename: param('filename') }
}

/**
 * The parts of a multipart body in order, each streamed as it arrives. A part's body may be read, read in
 * part or not at all: asking for the next part skips what is left of it. Throws MultipartError on a malformed
 * or cut body.
 * @example for await (const part of multipartParts(req.body, boundary)) if (part.filename === null) fields[part.name] = await partText(part, 1000)
 */
export async function* multipartParts(body: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<Part> {
  const reader = new Reader(body[Symbol.asyncIterator]())
  const dash = Buffer.from(`--${boundary}`)
  const delimiter = Buffer.concat([CRLF, dash])
  if ((await reader.until(dash, MAX_PREAMBLE_BYTES)) === null) throw new MultipartError('The upload is not valid multipart/form-data.')
  for (;;) {
    if (!(await reader.ensure(2))) throw new MultipartError('The upload ended too early.')
    if (reader.peek(2).toString('latin1') === '--') return // the closing delimiter
    // Transport padding may follow a delimiter before its CRLF.
    const rest = await reader.until(CRLF, 256)
    if (rest === null || rest.toString('latin1').trim() !== '') throw new MultipartError('The upload is not valid multipart/form-data.')
    let headers: string
    if ((await reader.ensure(2)) && reader.peek(2).equals(CRLF)) {
      reader.skip(2)
      headers = ''
    } else {
      const raw = await reader.until(Buffer.from('\r\n\r\n'), MAX_HEADER_BYTES)
      if (raw === null) throw new MultipartError('The upload ended inside a part header.')
      headers = raw.toString('utf8')
    }
    const content = reader.stream(delimiter)
    // No `return` on the part's iterator: a consumer that stops early must not close the stream under us.
    const partBody: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => content.next() }) }
    yield { ...disposition(headers), body: partBody }
    while (!(await content.next()).done) {
      // What the consumer left of this part.
    }
  }
}

/** A text part's value as UTF-8, refused (MultipartError) when longer than `max` bytes. */
export async function partText(part: Pick<Part, 'body'>, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of part.body) {
    size += chunk.byteLength
    if (size > max) throw new MultipartError(`A form field is longer than ${max} bytes.`)
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Find the part named `field` in a multipart body and give it to `consume` while the body streams in.
 * Parts before it are read and dropped; the rest of the body after it is left unread.
 * Returns what `consume` returns, or null when no such part exists.
 * @example await readFilePart(req.body, boundary, 'file', (part) => saveToDisk(part.body))
 */
export async function readFilePart<T>(body: AsyncIterable<Uint8Array>, boundary: string, field: string, consume: (part: FilePart) => Promise<T>): Promise<T | null> {
  for await (const part of multipartParts(body, boundary)) {
    if (part.name !== field) continue
    const source = part.body[Symbol.asyncIterator]()
    let finished = false
    const result = await consume({
      filename: part.filename,
      body: (async function* () {
        for (let next = await source.next(); !next.done; next = await source.next()) yield next.value
        finished = true
      })(),
    })
    if (!finished) throw new MultipartError('The file was not read to its end.')
    return result
  }
  return null
}
