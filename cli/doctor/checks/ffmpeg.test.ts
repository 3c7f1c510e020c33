// `hearth doctor` says what the bundled 2018 ffmpeg lacks, and how to point Hearth at a better one.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig } from '../../../core/config.js'
import { ffmpegPath } from '../../../core/media/ffmpeg.js'
import { ffmpeg, LIVE_NEEDS, liveLacks } from './ffmpeg.js'

describe('doctor: ffmpeg', () => {
  it('warns that the bundled ffmpeg lacks atomic playlist renames, naming FFMPEG_PATH', async () => {
    const saved = process.env.FFMPEG_PATH
    delete process.env.FFMPEG_PATH // the bundled @ffmpeg-installer build (N-47683, 2018)
    try {
      const r = await ffmpeg.run(resolveConfig({}, {}))
      assert.equal(r.status, 'warn', r.message)
      assert.match(r.message, /N-47683.*the bundled build\) lacks atomic playlist renames/)
      assert.match(r.hint!, /FFMPEG_PATH=/)
    } finally {
      if (saved !== undefined) process.env.FFMPEG_PATH = saved
    }
  })

  it('lists what live streams need of ffmpeg and finds all of it in the bundled build', async () => {
    assert.deepEqual(await liveLacks(ffmpegPath()), [])
    assert.ok(LIVE_NEEDS.some((n) => n.name === 'flv'), 'OBS over RTMP needs the FLV demuxer')
  })

  it('says what a build without an encoder lacks for live', async () => {
    // A stand-in "ffmpeg" that lists no libx264 (a script answering -encoders, -demuxers and -muxers).
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const fake = join(mkdtempSync(join(tmpdir(), 'hearth-fake-ffmpeg-')), 'ffmpeg')
    writeFileSync(fake, `#!/bin/sh\ncase "$*" in *-version*) echo "ffmpeg version fake";; *-encoders*) printf ' A..... aac  AAC\\n V..... mjpeg  MJPEG\\n';; *-demuxers*) printf ' D  flv  FLV\\n D  matroska,webm  Matroska\\n';; *-muxers*) printf '  E hls  HLS\\n  E mpegts  TS\\n';; esac\n`)
    chmodSync(fake, 0o755)
    const saved = process.env.FFMPEG_PATH
    process.env.FFMPEG_PATH = fake
    try {
      const r = await ffmpeg.run(resolveConfig({}, {}))
      assert.equal(r.status, 'warn')
      assert.match(r.message, /FFMPEG_PATH\) lacks for live streams: libx264 \(browser streams/)
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH
      else process.env.FFMPEG_PATH = saved
    }
  })

  it('fails with a hint when FFMPEG_PATH names no ffmpeg', async () => {
    const saved = process.env.FFMPEG_PATH
    process.env.FFMPEG_PATH = '/nonexistent/ffmpeg'
    try {
      const r = await ffmpeg.run(resolveConfig({}, {}))
      assert.equal(r.status, 'fail')
      assert.match(r.hint!, /FFMPEG_PATH/)
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH
      else process.env.FFMPEG_PATH = saved
    }
  })
})
