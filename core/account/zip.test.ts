// The zip writer: what it writes reads back byte for byte (a reader of its own in test/zip-reader.ts, and Info-ZIP's
// unzip where the machine has one), names cannot climb out of the folder they are unpacked in, and no name twice.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { tempDir } from '../../test/harness.js'
import { readZip } from '../../test/zip-reader.js'
import { ZipWriter } from './zip.js'

describe('zip writer', () => {
  it('writes JSON deflated and files stored, read back exactly', async () => {
    const dir = tempDir()
    const big = randomBytes(3 * 1024 * 1024 + 17)
    writeFileSync(join(dir, 'big.bin'), big)
    writeFileSync(join(dir, 'empty.bin'), Buffer.alloc(0))
    const path = join(dir, 'out.zip')
    const zip = new ZipWriter(path)
    await zip.add('a.json', JSON.stringify({ hello: 'wörld', n: [1, 2, 3] }))
    await zip.addFile('media/big.bin', join(dir, 'big.bin'))
    await zip.addFile('media/empty.bin', join(dir, 'empty.bin'))
    await zip.add('ünïcode name.txt', 'text')
    await zip.close()
    const entries = readZip(readFileSync(path))
    assert.deepEqual([...entries.keys()], ['a.json', 'media/big.bin', 'media/empty.bin', 'ünïcode name.txt'])
    assert.deepEqual(JSON.parse(entries.get('a.json')!.toString()), { hello: 'wörld', n: [1, 2, 3] })
    assert.ok(entries.get('media/big.bin')!.equals(big))
    assert.equal(entries.get('media/empty.bin')!.length, 0)
    if (spawnSync('unzip', ['-v']).status === 0) {
      const tested = spawnSync('unzip', ['-t', path], { encoding: 'utf8' })
      assert.equal(tested.status, 0, tested.stdout + tested.stderr)
    }
  })

  it('keeps names inside the archive’s folder and refuses one twice', async () => {
    const dir = tempDir()
    const path = join(dir, 'out.zip')
    const zip = new ZipWriter(path)
    await zip.add('../../etc/passwd', 'x')
    await zip.add('/abs/./path', 'y')
    await assert.rejects(zip.add('etc/passwd', 'z'), /already has an entry "etc\/passwd"/)
    await assert.rejects(zip.add('../..', 'z'), /not a usable name/)
    await zip.close()
    assert.deepEqual([...readZip(readFileSync(path)).keys()], ['etc/passwd', 'abs/path'])
  })
})
