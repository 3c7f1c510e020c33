// In a real browser: a member uploads a photo (with the upload progress and preview of the compose page),
// another member follows them and sees the photo in their home feed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import { browserOrSkip, navLink, registerInBrowser, resultPath, startTestServer } from './browser.js'


test('a photo travels from one member’s upload to a follower’s home feed', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())

  // A photo made here: 900x600, orange with a white square.
  const photo = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#c2410c' } })
    .composite([{ input: await sharp({ create: { width: 200, height: 200, channels: 3, background: '#ffffff' } }).png().toBuffer(), left: 350, top: 200 }])
    .jpeg()
    .toBuffer()

  const author = await registerInBrowser(browser, server, 'photo_author')
  await (await navLink(author.page, 'New post')).click()
  await author.page.getByLabel(/What’s new/).fill('Sunset over the allotment #garden')
  await author.page.locator('input[type=file][name=files]').setInputFiles({ name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: photo })
  // The script uploads at once, shows a preview, and keeps the media id for the form.
  await author.page.locator('.preview .status', { hasText: /Uploaded/ }).waitFor()
  assert.equal(await author.page.locator('.preview img').count(), 1, 'a preview is shown')
  assert.equal(await author.page.locator('input[name=media_ids]').count(), 1)
  await Promise.all([author.page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), author.page.getByRole('button', { name: 'Post' }).click()])
  const postPath = new URL(author.page.url()).pathname

  const reader = await registerInBrowser(browser, server, 'photo_reader')
  await reader.page.goto('/u/photo_author')
  await Promise.all([reader.page.waitForURL((u) => u.pathname === '/u/photo_author'), reader.page.getByRole('button', { name: 'Follow' }).click()])
  await reader.page.locator('[data-follow-state="following"]').waitFor()

  // The home feed shows the post; once processing is done the photo is there and loads.
  let loaded = false
  for (let i = 0; i < 40 && !loaded; i++) {
    await reader.page.goto('/')
    const img = reader.page.locator(`article[data-post="${postPath.slice(3)}"] img.media`)
    if ((await img.count()) === 1) {
      await img.scrollIntoViewIfNeeded()
      loaded = await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)
    }
    if (!loaded) await reader.page.waitForTimeout(250)
  }
  assert.ok(loaded, 'the photo appears in the follower’s home feed and loads')
  assert.match(await reader.page.locator(`article[data-post="${postPath.slice(3)}"]`).innerText(), /Sunset over the allotment/)
  await reader.page.screenshot({ path: resultPath('feed-photo.png') })

  assert.deepEqual(author.problems.list.filter((p) => !/status of 40[0-9]/.test(p)), [])
  assert.deepEqual(reader.problems.list, [])
  await author.context.close()
  await reader.context.close()
})
