// In real Chromium with a fake microphone: two members in two contexts; one sends a photo and a view-once photo, the
// other sees the photo, opens the view-once photo once (its sender sees "Opened" live) and cannot open it again; a
// voice message recorded in the page plays in the other's page (its audio has a duration); a file link downloads.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import sharp from 'sharp'
import { browserOrSkip, FAKE_MEDIA_FLAGS, registerInBrowser, resultPath, startTestServer } from './browser.js'

test('photos, a view-once photo, a voice message and a file between two members', { timeout: 240_000 }, async (t) => {
  const browser = await browserOrSkip(t, { extraArgs: FAKE_MEDIA_FLAGS })
  if (!browser) return
  const server = await startTestServer({ enable: ['messages'] })
  t.after(() => server.close())
  const h = server.hearth
  const ana = await registerInBrowser(browser, server, 'media_ana', { permissions: ['microphone'] })
  const ben = await registerInBrowser(browser, server, 'media_ben', { permissions: ['microphone'] })

  await ana.page.goto('/messages/new')
  await ana.page.getByLabel('To (username)').fill('media_ben')
  await Promise.all([ana.page.waitForURL((u) => /^\/messages\/\d+$/.test(u.pathname)), ana.page.getByRole('button', { name: 'Start conversation' }).click()])
  const id = Number(new URL(ana.page.url()).pathname.split('/').pop())
  await ben.page.goto(`/messages/${id}`)
  const topic = `messages:conv:${id}`
  await ana.page.waitForFunction(() => !!(window as unknown as { hearthAttachments?: unknown }).hearthAttachments)
  for (let i = 0; i < 200 && h.realtime.topicMembers(topic) < 2; i++) await ben.page.waitForTimeout(100)
  assert.equal(h.realtime.topicMembers(topic), 2)

  const jpeg = (color: string) => sharp({ create: { width: 1280, height: 854, channels: 3, background: color } }).jpeg().toBuffer()
  const attach = async (field: string, files: { name: string; mimeType: string; buffer: Buffer }[], viewOnce = false) => {
    const details = ana.page.locator('details[data-attach]')
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click()
    await ana.page.locator(`input[type="file"][name="${field}"]`).setInputFiles(files)
    if (viewOnce) await ana.page.getByLabel(/View once/).check()
    await ana.page.getByRole('button', { name: 'Send', exact: true }).click()
  }

  // A photo: ben's open thread gets it live and shows it once processed.
  await attach('media', [{ name: 'beach.jpg', mimeType: 'image/jpeg', buffer: await jpeg('#0ea5e9') }])
  const photo = ben.page.locator('.messages-list li.msg.theirs .msg-photo[data-status="ready"] img')
  await photo.waitFor()
  await ben.page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('.msg-photo[data-status="ready"] img')
    return !!img && img.complete && img.naturalWidth === 640
  })
  await ana.page.locator('.messages-list li.msg.mine .msg-photo').waitFor()

  // A view-once photo: ben opens it once in place; ana sees "Opened" without reloading; it never opens again.
  await attach('media', [{ name: 'secret.jpg', mimeType: 'image/jpeg', buffer: await jpeg('#f97316') }], true)
  const tap = ben.page.getByRole('button', { name: 'Photo, tap to view' })
  await tap.waitFor()
  await ana.page.locator('.msg-once[data-opened="0"]', { hasText: 'Not opened yet' }).waitFor()
  assert.equal(await ana.page.locator('li.msg.mine .msg-once img').count(), 0, 'the sender does not see it again')
  await tap.click()
  const opened = ben.page.locator('img.msg-once-open')
  await opened.waitFor()
  await ben.page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('img.msg-once-open')
    return !!img && img.complete && img.naturalWidth > 0
  })
  const granted = (await opened.getAttribute('src'))!
  await ana.page.locator('.msg-once [data-once-state]', { hasText: 'Opened' }).waitFor()
  await ben.page.getByRole('button', { name: 'Close' }).click()
  await ben.page.locator('.msg-once[data-opened="1"]', { hasText: 'Opened' }).waitFor()
  assert.equal((await ben.context.request.get(granted)).status(), 404, 'its address loads once')
  const csrf = await ben.page.locator('form[data-compose] input[name="_csrf"]').inputValue()
  const aid = Number(h.store.sqlite.prepare('select id from messages_attachments where view_once = 1').pluck().get())
  const again = await ben.context.request.post(`/api/v1/messages/conversations/${id}/attachments/${aid}/open`, { headers: { 'X-CSRF-Token': csrf } })
  assert.equal(again.status(), 404, 'and opens once')
  await ben.page.reload()
  await ben.page.locator('.messages-list li.msg.theirs .msg-photo').first().waitFor()
  assert.equal(await ben.page.getByRole('button', { name: 'Photo, tap to view' }).count(), 0)

  // A voice message recorded with the (fake) microphone plays on ben's page.
  await ana.page.getByRole('button', { name: 'Record voice message' }).click()
  await ana.page.locator('[role="status"]', { hasText: 'Recording 0:01' }).waitFor()
  await ana.page.getByRole('button', { name: 'Stop and send' }).click()
  await ben.page.locator('.msg-voice[data-status="ready"] audio').waitFor({ timeout: 60_000 })
  await ben.page.waitForFunction(() => {
    const audio = document.querySelector<HTMLAudioElement>('.msg-voice audio')
    return !!audio && audio.readyState >= 1 && Number.isFinite(audio.duration) && audio.duration > 0
  })
  assert.equal(await ben.page.locator('.msg-voice .msg-wave rect').count(), 48, 'its waveform')
  await ben.page.screenshot({ path: resultPath('messages-media.png') })

  // A file: the link downloads it, with its name and bytes.
  await attach('file', [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meet at nine') }])
  const link = ben.page.locator('a.msg-file', { hasText: 'notes.txt' })
  await link.waitFor()
  const [download] = await Promise.all([ben.page.waitForEvent('download'), link.click()])
  assert.equal(download.suggestedFilename(), 'notes.txt')
  assert.equal(readFileSync((await download.path())!, 'utf8'), 'meet at nine')

  assert.deepEqual(ana.problems.list, [])
  assert.deepEqual(ben.problems.list, [])
  await ana.context.close()
  await ben.context.close()
})
