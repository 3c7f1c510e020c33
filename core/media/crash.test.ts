// After a crash: no ffmpeg outlives the server that started it, and the next start removes the half-written outputs.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, tempDir, type TestApp } from '../../test/harness.js'
import { childBinding, killChildren, livePids, spawnBound } from '../children.js'
import { ROOT } from '../paths.js'
import { startServer } from '../server.js'
import { ffmpegPath } from './ffmpeg.js'
import { shard } from './storage.js'

/** Whether a process is gone: no /proc entry, or a zombie waiting to be reaped (it no longer runs). */
const gone = (pid: number) => {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return true
  }
}

/** Poll until `check` holds, at most `ms`: a bounded wait, not a timing assertion. */
async function until(check: () => boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 25))
  }
  return true
}

describe('child processes bound to the server', { skip: childBinding().how === 'none' ? `children cannot be bound here: ${(childBinding() as { why: string }).why}` : false }, () => {
  it('kills a transcode’s ffmpeg when the process that started it is killed with SIGKILL', async () => {
    const dir = tempDir()
    const fifo = join(dir, 'input.webm')
    execFileSync('mkfifo', [fifo])
    const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/children/transcoder.ts'), fifo, join(dir, '1-video.mp4.j1a1.tmp')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let ffmpeg: number | null = null
    server.stdout!.setEncoding('utf8').on('data', (s: string) => (ffmpeg ??= Number(s.trim())))
    try {
      assert.ok(await until(() => ffmpeg !== null, 60_000), 'the transcode started')
      // setpriv replaces itself with ffmpeg (same pid) once the parent-death signal is set.
      assert.ok(await until(() => !gone(ffmpeg!) && readFileSync(`/proc/${ffmpeg}/cmdline`, 'utf8').startsWith(ffmpegPath())), 'ffmpeg runs')
      server.kill('SIGKILL')
      assert.ok(await until(() => gone(ffmpeg!)), `ffmpeg (pid ${ffmpeg}) outlived the process that started it`)
    } finally {
      server.kill('SIGKILL')
      if (ffmpeg !== null && !gone(ffmpeg)) process.kill(ffmpeg, 'SIGKILL')
    }
  })

  it('kills the children still running when Hearth closes', async () => {
    const t = await createTestApp()
    const child = spawnBound(ffmpegPath(), ['-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], { stdio: 'ignore' })
    const pid = child.pid!
    assert.ok(livePids().includes(pid))
    await t.close()
    assert.ok(await until(() => gone(pid)), 'the child was killed by the close')
    assert.deepEqual(livePids(), [])
    await killChildren()
  })
})

describe('a start after a crash', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('removes the half-written outputs of items still processing, and keeps their uploads and other items’ files', async () => {
    const { id: owner } = await t.register('crasher')
    const row = (kind: 'video' | 'image', status: 'processing' | 'ready') =>
      t.h.db
        .insertInto('media')
        .values({ owner_id: owner, kind, status, mime: 'video/webm', size_bytes: 1, variants: '{}', updated_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
    const processing = (await row('video', 'processing')).id
    const ready = (await row('video', 'ready')).id
    const files = (id: number) => readdirSync(join(t.h.config.mediaDir, shard(id))).filter((n) => n.startsWith(`${id}-`)).sort()
    for (const [id, names] of [
      [processing, ['upload.webm', 'video.mp4.j3a1.tmp', 'video.mp4.tmp']],
      [ready, ['video.mp4', 'notes.tmp.txt']],
    ] as const) {
      mkdirSync(join(t.h.config.mediaDir, shard(id)), { recursive: true })
      for (const n of names) writeFileSync(join(t.h.config.mediaDir, shard(id), `${id}-${n}`), 'half a video')
    }
    const server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    try {
      assert.deepEqual(files(processing), [`${processing}-upload.webm`])
      assert.deepEqual(files(ready), [`${ready}-notes.tmp.txt`, `${ready}-video.mp4`])
    } finally {
      await t.h.queue.stop()
      await server.close()
    }
    assert.ok(!existsSync(join(t.h.config.mediaDir, shard(processing), `${processing}-video.mp4.tmp`)))
  })
})
