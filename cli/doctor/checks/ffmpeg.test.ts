// `hearth doctor` says what the bundled 2018 ffmpeg lacks, and how to point Hearth at a better one.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig } from '../../../core/config.js'
import { ffmpeg } from './ffmpeg.js'

describe('doctor: ffmpeg', () => {
  it('warns that the bundled ffmpeg lacks atomic playlist renames, naming FFMPEG_PATH', async () => {
    const saved = process.env.FFMPEG_PATH
    delete process.env.FFMPEG_PATH // the bundled @ffmpeg-installer build (N-47683, 2018)
    try {
      const r = await ffmpeg.run(resolveConfig({}, {}))
      assert.equal(r.status, 'warn', r.message)
      assert.match(r.message, /N-47683.*lacks atomic playlist renames/)
      assert.match(r.hint!, /FFMPEG_PATH=/)
    } finally {
      if (saved !== undefined) process.env.FFMPEG_PATH = saved
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
