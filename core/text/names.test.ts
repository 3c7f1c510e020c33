// Names people see refuse invisible, control and direction-changing characters, and lookalikes share a skeleton.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cleanName, nameSkeleton, safeName } from './names.js'

describe('safe names', () => {
  it('refuses the characters used to impersonate, naming the code point', () => {
    const attacks: [string, RegExp][] = [
      ['admin\u202Egnp.exe', /U\+202E/], // right-to-left override: shows as "adminexe.png"
      ['\u2067nimda\u2069', /U\+2067/], // right-to-left isolate
      ['Ana\u0000', /U\+0000/], // NUL
      ['ad\u200Bmin', /U\+200B/], // zero-width space
      ['ad\u200Dmin', /U\+200D/], // zero-width joiner between letters
      ['ad\u2060min', /U\+2060/], // word joiner
      ['adm\u00ADin', /U\+00AD/], // soft hyphen
      ['\uFEFFadmin', /U\+FEFF/], // byte order mark
      ['admin\u200E', /U\+200E/], // left-to-right mark
      ['\u3164', /U\+3164/], // Hangul filler: a name that draws nothing
      ['a\u2800b', /U\+2800/], // Braille blank
      ['Ana\uFE0F', /U\+FE0F/], // variation selector after a letter
      ['admin\u{E0061}', /U\+E0061/], // tag character
      ['line\u2028break', /U\+2028/],
      ['bell\u0007', /U\+0007/],
      ['a\u0301\u0302\u0303\u0304\u0305\u0306\u0307', /accents/], // a pile of combining marks
    ]
    for (const [name, why] of attacks) {
      const r = cleanName(name)
      assert.equal(r.ok, false, JSON.stringify(name))
      if (!r.ok) assert.match(r.message, why, JSON.stringify(name))
    }
  })

  it('keeps real names and emoji, normalised', () => {
    const kept: [string, string][] = [
      ['Jose\u0301', 'Jos\u00E9'], // NFC
      ['  Ana\u00A0\u2003 Lima\t', 'Ana Lima'], // odd spaces become one
      ['محمد علي', 'محمد علي'], // right-to-left letters are letters
      ['שלום', 'שלום'],
      ['\u{1F468}\u200D\u{1F469}\u200D\u{1F467} family', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467} family'], // ZWJ joins emoji
      ['\u{1F469}\u{1F3FD}\u200D\u{1F4BB} dev', '\u{1F469}\u{1F3FD}\u200D\u{1F4BB} dev'], // after a skin tone
      ['\u2764\uFE0F Ana', '\u2764\uFE0F Ana'], // emoji presentation selector
      ['Zoë Łukasz Nguyễn', 'Zoë Łukasz Nguyễn'],
    ]
    for (const [name, want] of kept) assert.deepEqual(cleanName(name), { ok: true, value: want }, JSON.stringify(name))
  })

  it('gives zod a schema with the rule and a length in characters', () => {
    const schema = safeName({ label: 'Group names', min: 3, max: 5 })
    assert.equal(schema.parse(' 😀😀😀 '), '😀😀😀', 'three characters, six UTF-16 units')
    assert.match(schema.safeParse('ab').error!.issues[0]!.message, /3 to 5 characters/)
    assert.match(schema.safeParse('a\u202Ebc').error!.issues[0]!.message, /U\+202E/)
  })

  it('gives lookalike names one skeleton', () => {
    const same: [string, string][] = [
      ['\u0410dmin', 'admin'], // Cyrillic А
      ['a1ice', 'alice'],
      ['ALICE', 'AIice'], // capital I for l
      ['\u039A\u0391\u03A4\u0395', 'kate'], // Greek capitals ΚΑΤΕ
      ['rnoderator', 'moderator'],
      ['m0d_team', 'Mod Team'],
      ['Ádmín', 'admin'],
      ['ｍｏｄ', 'mod'], // fullwidth (NFKC)
      ['раураl', 'paypal'], // Cyrillic р а у
    ]
    for (const [a, b] of same) assert.equal(nameSkeleton(a), nameSkeleton(b), `${a} ~ ${b}`)
    assert.notEqual(nameSkeleton('alice'), nameSkeleton('alicia'))
    assert.notEqual(nameSkeleton('ben'), nameSkeleton('ken'))
  })
})
