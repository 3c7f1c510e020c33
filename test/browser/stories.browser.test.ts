// In a real browser: a member posts a text card and a photo story; a follower opens the tray on the home page and
// watches them in the viewer (the progress bar fills, holding pauses it, the next story follows, then home).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import type { Page } from 'playwright-core'
import { browserOrSkip, navLink, registerInBrowser, resultPath, startTestServer } from './browser.js'


/** The width of the current story's progress bar, as a fraction of its segment. */
const progress = (page: Page) =>
  page.locator('[data-bar]').evaluate((el: HTMLElement) => el.getBoundingClientRect().width / el.parentElement!.getBoundingClientRect().width)

test('a member posts a story and a follower watches it in the viewer', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer({ enable: ['stories'] })
  t.after(() => server.close())

  // The author: a text card through the plain form, then a photo (uploaded at once by the page script).
  const author = await registerInBrowser(browser, server, 'story_teller')
  await (await navLink(author.page, 'New story')).click()
  await author.page.getByLabel(/Text \(a text card/).fill('Morning at the allotment @story_watcher')
  await author.page.getByLabel('ocean').check()
  await Promise.all([author.page.waitForURL((u) => /^\/stories\/story_teller\/\d+$/.test(u.pathname)), author.page.getByRole('button', { name: 'Share story' }).click()])
  const textId = Number(new URL(author.page.url()).pathname.split('/').pop())
  assert.match(await author.page.locator('.story-card').innerText(), /Morning at the allotment/)

  const photo = await sharp({ create: { width: 720, height: 1280, channels: 3, background: '#0ea5e9' } })
    .composite([{ input: await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer(), left: 210, top: 490 }])
    .jpeg()
    .toBuffer()
  await author.page.goto('/stories/new')
  await author.page.locator('input[type=file][name=file]').setInputFiles({ name: 'beans.jpg', mimeType: 'image/jpeg', buffer: photo })
  await author.page.locator('[data-story-uploaded]').waitFor()
  assert.notEqual(await author.page.locator('input[name=media_id]').inputValue(), '', 'the script keeps the uploaded media id')
  await author.page.getByLabel(/Text \(a text card/).fill('The beans are up')
  await Promise.all([author.page.waitForURL((u) => /^\/stories\/story_teller\/\d+$/.test(u.pathname)), author.page.getByRole('button', { name: 'Share story' }).click()])
  const photoId = Number(new URL(author.page.url()).pathname.split('/').pop())
  assert.ok(photoId > textId)
  // Wait for the photo to be processed, as the author's API sees it.
  let ready = false
  for (let i = 0; i < 80 && !ready; i++) {
    const res = await author.page.request.get(`/api/v1/stories/${photoId}`)
    ready = ((await res.json()) as { data: { media: { status: string } } }).data.media.status === 'ready'
    if (!ready) await author.page.waitForTimeout(250)
  }
  assert.ok(ready, 'the photo is processed')

  // The follower follows, and finds the author in the tray on the home page, unseen.
  const watcher = await registerInBrowser(browser, server, 'story_watcher')
  await watcher.page.goto('/u/story_teller')
  await Promise.all([watcher.page.waitForURL((u) => u.pathname === '/u/story_teller'), watcher.page.getByRole('button', { name: 'Follow' }).click()])
  await watcher.page.locator('[data-follow-state="following"]').waitFor()
  await watcher.page.goto('/')
  const tile = watcher.page.locator('[data-story-tray] [data-story-person="story_teller"]')
  assert.equal(await tile.getAttribute('data-unseen'), 'true')
  await watcher.page.screenshot({ path: resultPath('stories-tray.png') })

  // The viewer opens at the first story; its bar fills.
  const started = Date.now()
  await Promise.all([watcher.page.waitForURL((u) => u.pathname === '/stories/story_teller'), tile.click()])
  assert.match(await watcher.page.locator('.story-card').innerText(), /Morning at the allotment/)
  assert.equal(await watcher.page.locator('.story-seg').count(), 2)
  const p1 = await progress(watcher.page)
  await watcher.page.waitForTimeout(800)
  const p2 = await progress(watcher.page)
  assert.ok(p2 > p1 && p2 < 1, `the bar advances (${p1.toFixed(2)} → ${p2.toFixed(2)})`)

  // Holding the story pauses it; letting go resumes.
  const stage = watcher.page.locator('[data-stage]')
  const box = (await stage.boundingBox())!
  await watcher.page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2)
  await watcher.page.mouse.down()
  await watcher.page.waitForTimeout(200)
  const held = await progress(watcher.page)
  await watcher.page.waitForTimeout(700)
  assert.ok((await progress(watcher.page)) - held < 0.02, 'the bar stands still while held')
  assert.ok(await watcher.page.locator('[data-story-viewer]').evaluate((el) => el.classList.contains('story-paused')))
  await watcher.page.mouse.up()
  assert.equal(new URL(watcher.page.url()).pathname, '/stories/story_teller', 'a long press is not a tap')
  await watcher.page.screenshot({ path: resultPath('stories-viewer-text.png') })

  // By itself, the viewer moves on to the photo when the bar is full.
  await watcher.page.waitForURL((u) => u.pathname === `/stories/story_teller/${photoId}`, { timeout: 15_000 })
  const shownFor = Date.now() - started
  assert.ok(shownFor > 4500, `the first story stayed about 5 seconds plus the pause (${shownFor} ms)`)
  const img = watcher.page.locator('img.story-media')
  await img.waitFor()
  assert.ok(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), 'the photo loads')
  assert.equal(await watcher.page.locator('.story-seg-done').count(), 1)
  assert.ok((await progress(watcher.page)) < 1)
  // Space pauses (so the steps below cannot be cut short by the timer).
  await watcher.page.keyboard.press('Space')
  // The viewer shows it on its next animation frame.
  await watcher.page.waitForSelector('[data-story-viewer].story-paused', { timeout: 2000 })
  const stopped = await progress(watcher.page)
  await watcher.page.waitForTimeout(500)
  assert.ok((await progress(watcher.page)) - stopped < 0.02, 'paused by the keyboard')
  await watcher.page.screenshot({ path: resultPath('stories-viewer-photo.png') })

  // A quick reaction goes through the API without leaving the story.
  await watcher.page.getByRole('button', { name: 'React 🔥' }).click()
  await watcher.page.locator('[data-story-sent]', { hasText: 'Sent 🔥' }).waitFor()

  // The last story leads home (the end); the arrow key gets there at once.
  await Promise.all([watcher.page.waitForURL((u) => u.pathname === '/'), watcher.page.keyboard.press('ArrowRight')])
  assert.equal(await watcher.page.locator('[data-story-tray] [data-story-person="story_teller"]').getAttribute('data-unseen'), 'false', 'now seen')

  // Without the timer, the plain page still has its links: Escape closes from the first story too.
  await watcher.page.goto(`/stories/story_teller/${textId}`)
  await Promise.all([watcher.page.waitForURL((u) => u.pathname === '/'), watcher.page.keyboard.press('Escape')])

  // The author sees who watched, and the reaction.
  await author.page.goto(`/stories/story_teller/${photoId}`)
  await author.page.locator('[data-story-viewers] summary').click()
  assert.match(await author.page.locator('[data-story-viewers]').innerText(), /Seen by 1 person[\s\S]*story_watcher[\s\S]*🔥/)

  assert.deepEqual(author.problems.list, [])
  assert.deepEqual(watcher.problems.list, [])
  await author.context.close()
  await watcher.context.close()
})
