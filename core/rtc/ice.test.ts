// Core's WebRTC pieces: ICE servers with coturn credentials, URL checks for the settings, and signal checks.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { coerceSetting } from '../settings/schema.js'
import { CORE_SCHEMA } from '../settings/service.js'
import { checkSignal, iceProblems, iceServersFor, parseIceUrls } from './ice.js'

describe('WebRTC pieces shared by calls', () => {
  it('gives STUN as configured and TURN with short-lived coturn credentials, never the secret', () => {
    assert.deepEqual(iceServersFor({ stun: '', turn: '', secret: '', ttlSeconds: 3600 }, 7), [], 'none configured: host candidates only')
    const servers = iceServersFor({ stun: 'stun:stun.example.org:3478', turn: 'turn:turn.example.org:3478?transport=udp\nturns:turn.example.org:5349', secret: 's3cret', ttlSeconds: 3600 }, 7, 1_700_000_000_000)
    assert.deepEqual(servers[0], { urls: ['stun:stun.example.org:3478'] })
    const turn = servers[1]!
    assert.equal(turn.username, `${1_700_000_000 + 3600}:7`)
    assert.equal(turn.credential, createHmac('sha1', 's3cret').update(turn.username!).digest('base64'))
    assert.ok(!JSON.stringify(servers).includes('s3cret'))
    assert.equal(iceServersFor({ stun: '', turn: 'turn:x.example:3478', secret: '', ttlSeconds: 60 }, 7).length, 0, 'TURN without a secret is left out')
    assert.deepEqual(parseIceUrls('stun:a.example\nhttp://nope').problems, ['"http://nope" is not a stun:, turn: or turns: URL.'])
  })

  it('checks the shape and size of signals', () => {
    assert.deepEqual(checkSignal({ description: { type: 'offer', sdp: 'v=0\r\n' } }), { description: { type: 'offer', sdp: 'v=0\r\n' } })
    assert.match(String(checkSignal({ description: { type: 'rollback', sdp: 'v=0' } })), /offer/)
    assert.match(String(checkSignal({ description: { type: 'offer', sdp: 'v=0' + 'x'.repeat(40_000) } })), /at most 32 KB/)
    assert.deepEqual(checkSignal({ candidate: null }), { candidate: null })
    assert.deepEqual(checkSignal({ candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } }), {
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null },
    })
    assert.match(String(checkSignal({ hello: 1 })), /description or a candidate/)
  })

  it('refuses a setting with a line that is not a URL of its kind, and names what keeps calls from their servers', () => {
    assert.equal(coerceSetting('rtc.stun_urls', CORE_SCHEMA['rtc.stun_urls'], 'stun:a.example:3478\nstun:b.example'), 'stun:a.example:3478\nstun:b.example')
    assert.throws(() => coerceSetting('rtc.stun_urls', CORE_SCHEMA['rtc.stun_urls'], 'turn:a.example'), /"turn:a\.example" is not a stun: URL/)
    assert.throws(() => coerceSetting('rtc.turn_urls', CORE_SCHEMA['rtc.turn_urls'], 'https://turn.example'), /is not a stun:, turn: or turns: URL/)
    assert.deepEqual(iceProblems({ stun: '', turn: 'turn:x.example', secret: '' }), ['TURN URLs are set without a TURN secret, so no TURN server is given to members.'])
    assert.deepEqual(iceProblems({ stun: 'stun:a.example', turn: 'turn:x.example', secret: 's' }), [])
  })
})

describe('the move of Meet’s STUN and TURN settings into core', () => {
  it('carries the values an operator set for Meet over to rtc.*, leaving a value set in core alone', async () => {
    const { createTestApp } = await import('../../test/harness.js')
    const { up } = await import('../db/migrations/2026_12_05_0800_rtc_settings_from_meet.js')
    const t = await createTestApp()
    try {
      const put = (key: string, value: unknown) => t.h.db.insertInto('settings').values({ key, value: JSON.stringify(value) }).execute()
      await put('plugin.random-chat.turn_secret', 'old-secret')
      await put('plugin.random-chat.stun_urls', 'stun:old.example')
      await put('rtc.stun_urls', 'stun:new.example')
      await up(t.h.db as never)
      assert.equal(await t.h.settings.get('rtc.turn_secret'), 'old-secret')
      assert.equal(await t.h.settings.get('rtc.stun_urls'), 'stun:new.example')
      const left = await t.h.db.selectFrom('settings').select('key').where('key', 'like', 'plugin.random-chat.%').execute()
      assert.deepEqual(left, [])
    } finally {
      await t.close()
    }
  })
})
