// In a real browser at phone (touch) and desktop sizes: a double tap or double click on a photo likes it (never
// unlikes) with a heart while a single tap still opens the lightbox; a like the server refuses (the post deleted, the
// viewer blocked) or that cannot travel (offline) flips at once, rolls back and says why; share copies the link; a
// video plays muted while in view, pauses when it leaves, has a sound button, and stays still for reduced motion.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import sharp from 'sharp'
import { ffmpegPath } from '../../core/media/ffmpeg.js'
import { PASSWORD, tempDir } from '../harness.js'
import { browserOrSkip, resultPath, startTestServer, logInInBrowser, type TestServer } from './browser.js'

const SIZES = [
  { name: 'phone', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true },
  { name: 'desktop', viewport: { width: 1280, height: 800 }, hasTouch: false, isMobile: false },
] as const

const logIn = (browser: Browser, server: TestServer, username: string, options: BrowserContextOptions) => logInInBrowser(browser, server, username, options)

/** Record every value the card's like button takes and every heart drawn, from now on. */
async function watchLike(page: Page, postId: number) {
  await page.waitForFunction(() => 'hearthPosts' in window)
  await page.evaluate((id) => {
    const w = window as unknown as { likeStates: string[]; hearts: number }
    w.likeStates = []
    w.hearts = 0
    new MutationObserver((changes) => {
      for (const c of changes) {
        if (c.type === 'attributes' && (c.target as Element).matches(`#reactions-${id} .reaction-like`)) w.likeStates.push((c.target as Element).getAttribute('aria-pressed')!)
        for (const n of c.addedNodes) if (n instanceof Element && n.matches('.like-burst')) w.hearts++
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-pressed'] })
  }, postId)
}
const likeStates = (page: Page) => page.evaluate(() => (window as unknown as { likeStates: string[] }).likeStates)
const likeButton = (page: Page, postId: number) => page.locator(`#reactions-${postId} .reaction-like`)

test('double tap likes, a refused like rolls back with a message, share copies the link, videos play in view', { timeout: 300_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  await h.settings.set('limits.posts_per_hour', 1000)
  const author = await h.users.create({ username: 'pi_author', email: 'pi_author@example.org', password: PASSWORD }, { actorId: null })
  const viewer = await h.users.create({ username: 'pi_viewer', email: 'pi_viewer@example.org', password: PASSWORD }, { actorId: null })
  const authorViewer = { id: author.id, username: author.username, display_name: author.display_name, role: 'member' as const }
  const liked = async (postId: number) => (await h.engagement.reactionsOf(viewer.id, [postId])).get(postId) ?? null

  const photo = async (colour: string) => {
    const png = await sharp({ create: { width: 600, height: 600, channels: 3, background: colour } }).png().toBuffer()
    return (await h.media.upload(author.id, new File([png], 'square.png', { type: 'image/png' }))).id
  }
  // A real one-second H.264 clip, as a phone would send, processed by the real pipeline.
  const dir = tempDir('hearth-clip-')
  const clip = join(dir, 'clip.mp4')
  await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip])
  for (let i = 0; i < 8; i++) await h.posts.create(author.id, { text: `#piclip filler ${i}: ${'so much to say about nothing in particular '.repeat(12)}` })
  const video = (await h.media.upload(author.id, new File([readFileSync(clip)], 'clip.mp4', { type: 'video/mp4' }))).id
  const videoPost = await h.posts.create(author.id, { text: '#piclip #pitwo a moving picture', media_ids: [video] })
  const video2 = (await h.media.upload(author.id, new File([readFileSync(clip)], 'clip2.mp4', { type: 'video/mp4' }))).id
  const secondVideo = await h.posts.create(author.id, { text: '#pitwo another one', media_ids: [video2] })

  for (const size of SIZES) {
    const label = size.name
    const photoPost = await h.posts.create(author.id, { text: `Double tap me (${label})`, media_ids: [await photo('#0f766e'), await photo('#b45309')] })
    const refused = await h.posts.create(author.id, { text: `Soon gone (${label})` })
    const cut = await h.posts.create(author.id, { text: `Soon out of reach (${label})` })
    await h.queue.drain()
    const { context, page, problems } = await logIn(browser, server, 'pi_viewer', { viewport: size.viewport, hasTouch: size.hasTouch, isMobile: size.isMobile, permissions: ['clipboard-read', 'clipboard-write'] })

    // ---- Double tap (touch) or double click (mouse) on the photo: liked, with a heart, and no lightbox.
    await page.goto(`/p/${photoPost.id}`)
    await watchLike(page, photoPost.id)
    const item = page.locator(`#post-${photoPost.id} .carousel-item`).first()
    const box = (await item.boundingBox())!
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2]
    // Both taps (or both clicks) go to the browser in one batch, so a loaded machine cannot space them out.
    const cdp = await context.newCDPSession(page)
    const twice = async () => {
      if (size.hasTouch) {
        const touch = (type: string) => cdp.send('Input.dispatchTouchEvent', { type: type as 'touchStart', touchPoints: type === 'touchEnd' ? [] : [{ x, y }] })
        await Promise.all(['touchStart', 'touchEnd', 'touchStart', 'touchEnd'].map(touch))
      } else {
        const mouse = (type: string, clickCount: number) => cdp.send('Input.dispatchMouseEvent', { type: type as 'mousePressed', x, y, button: 'left', clickCount })
        await Promise.all([mouse('mousePressed', 1), mouse('mouseReleased', 1), mouse('mousePressed', 2), mouse('mouseReleased', 2)])
      }
    }
    await twice()
    await page.waitForFunction((id) => document.querySelector(`#reactions-${id} .reaction-like`)?.getAttribute('aria-pressed') === 'true', photoPost.id)
    await page.waitForFunction(() => (window as unknown as { hearts: number }).hearts === 1)
    for (let i = 0; i < 100 && (await liked(photoPost.id)) !== 'like'; i++) await page.waitForTimeout(100)
    assert.equal(await liked(photoPost.id), 'like', `${label}: the double tap liked the post`)
    // The server's bar replaced the optimistic one: the count and "Liked by" come from it.
    await page.locator(`#reactions-${photoPost.id} [data-liked-by]`).getByText('1 like').waitFor()
    // Again: a heart, but never an unlike.
    await twice()
    await page.waitForFunction(() => (window as unknown as { hearts: number }).hearts === 2)
    assert.equal(await likeButton(page, photoPost.id).getAttribute('aria-pressed'), 'true', `${label}: a second double tap keeps the like`)
    assert.equal(await liked(photoPost.id), 'like')
    assert.equal(await page.locator('dialog.lightbox[open]').count(), 0, `${label}: a double tap does not open the lightbox`)
    // A single tap still opens the photo whole, once the wait for a second tap is over.
    if (size.hasTouch) await page.touchscreen.tap(x, y)
    else await page.mouse.click(x, y)
    await page.locator('dialog.lightbox[open]').waitFor()
    await page.keyboard.press('Escape')
    await page.locator('dialog.lightbox[open]').waitFor({ state: 'detached' }).catch(() => page.locator('dialog.lightbox:not([open])').waitFor({ state: 'attached' }))
    assert.equal(await liked(photoPost.id), 'like', `${label}: a single tap does not touch the like`)
    if (size.hasTouch) {
      // A real swipe (touch events, as a finger sends them) still moves the carousel, and is neither a tap nor a double tap.
      const point = (dx: number) => [{ x: x + dx, y }]
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(100) })
      for (let dx = 90; dx >= -200; dx -= 10) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(dx) })
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
      await page.waitForFunction((id) => document.querySelector<HTMLElement>(`#post-${id} [data-carousel]`)!.dataset.index === '1', photoPost.id)
      assert.equal(await page.locator('dialog.lightbox[open]').count(), 0, `${label}: a swipe opens nothing`)
      assert.equal(await page.evaluate(() => (window as unknown as { hearts: number }).hearts), 2, `${label}: a swipe draws no heart`)
    }
    await page.screenshot({ path: resultPath(`post-double-tap-${label}.png`) })

    assert.deepEqual(problems.list, [], `${label}: no console errors or CSP violations while liking`)

    // ---- A like the server refuses rolls back with a readable message: the post deleted after the page loaded.
    await page.goto(`/p/${refused.id}`)
    await watchLike(page, refused.id)
    await h.posts.remove(authorViewer, refused.id)
    await likeButton(page, refused.id).click()
    await page.locator('[data-toast]', { hasText: 'Your like was not saved' }).waitFor()
    assert.match((await page.locator('[data-toast]').textContent())!, /That post does not exist/, `${label}: the server's reason is said`)
    assert.deepEqual(await likeStates(page), ['true', 'false'], `${label}: flipped at once, then rolled back`)
    assert.equal(await likeButton(page, refused.id).locator('[data-like-count]').textContent(), '0')
    assert.equal(await page.locator('[data-toast]').getAttribute('role'), 'status')

    // ... and the viewer blocked by the author between loading the page and the click.
    await page.goto(`/p/${cut.id}`)
    await watchLike(page, cut.id)
    await h.safety.block(author.id, viewer.id)
    await likeButton(page, cut.id).click()
    await page.locator('[data-toast]', { hasText: 'Your like was not saved' }).waitFor()
    assert.deepEqual(await likeStates(page), ['true', 'false'], `${label}: a block rolls the like back`)
    assert.equal(await liked(cut.id), null)
    await h.safety.unblock(author.id, viewer.id)

    // ... and offline: the request never leaves.
    await page.goto(`/p/${cut.id}`)
    await watchLike(page, cut.id)
    await context.setOffline(true)
    await likeButton(page, cut.id).click()
    await page.locator('[data-toast]', { hasText: 'You are offline' }).waitFor()
    assert.deepEqual(await likeStates(page), ['true', 'false'], `${label}: offline, the like rolls back`)
    await page.screenshot({ path: resultPath(`post-like-refused-${label}.png`) })
    await context.setOffline(false)
    problems.clear() // the refused requests above are logged by the browser, as they should be
    // Back online, the same button works and stays.
    await likeButton(page, cut.id).click()
    for (let i = 0; i < 100 && (await liked(cut.id)) !== 'like'; i++) await page.waitForTimeout(100)
    assert.equal(await liked(cut.id), 'like', `${label}: online again, the like is saved`)

    // ---- On a list, the card names a liker and previews the newest comment.
    await h.engagement.react(author.id, photoPost.id, 'like')
    await h.engagement.comment(authorViewer, photoPost.id, { text: `Thanks for the like (${label})` })
    await page.goto('/u/pi_author?view=list')
    const card = page.locator(`#post-${photoPost.id}`)
    assert.equal((await card.locator('[data-liked-by]').textContent())?.trim(), 'Liked by pi_author and 1 other')
    assert.match((await card.locator('[data-comment-preview]').textContent())!, new RegExp(`pi_author Thanks for the like \\(${label}\\)`))
    await card.scrollIntoViewIfNeeded()
    await page.screenshot({ path: resultPath(`post-card-list-${label}.png`) })

    // ---- Share: no share sheet here, so the link is copied and the page says so.
    await page.goto(`/p/${photoPost.id}`)
    await page.waitForFunction(() => 'hearthPosts' in window)
    const before = page.url()
    await page.locator(`#reactions-${photoPost.id}`).getByRole('link', { name: 'Share' }).click()
    await page.locator('[data-toast]', { hasText: 'Link copied' }).waitFor()
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${server.url}/p/${photoPost.id}`)
    assert.equal(page.url(), before, `${label}: sharing stays on the page`)

    // ---- A video plays muted while half in view, pauses when it leaves, and has a sound button.
    await page.goto('/tags/piclip')
    await page.waitForFunction(() => 'hearthPosts' in window)
    const playing = (id: number) => page.waitForFunction((id) => { const v = document.querySelector<HTMLVideoElement>(`#post-${id} video`); return !!v && !v.paused && v.currentTime > 0 }, id)
    await playing(videoPost.id)
    const state = () => page.locator(`#post-${videoPost.id} video`).evaluate((v: HTMLVideoElement) => ({ muted: v.muted, controls: v.controls, autoplay: v.dataset.autoplay !== undefined }))
    assert.deepEqual(await state(), { muted: true, controls: false, autoplay: true }, `${label}: muted, no controls`)
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
    await page.waitForFunction((id) => document.querySelector<HTMLVideoElement>(`#post-${id} video`)!.paused, videoPost.id)
    await page.evaluate(() => window.scrollTo(0, 0))
    await playing(videoPost.id)
    const sound = page.locator(`#post-${videoPost.id}`).getByRole('button', { name: 'Sound' })
    assert.equal(await sound.getAttribute('aria-pressed'), 'false')
    await sound.click()
    await page.waitForFunction((id) => !document.querySelector<HTMLVideoElement>(`#post-${id} video`)!.muted, videoPost.id)
    assert.equal(await sound.getAttribute('aria-pressed'), 'true', `${label}: the sound button says sound is on`)
    await page.screenshot({ path: resultPath(`post-video-${label}.png`) })

    assert.deepEqual(problems.list, [], `${label}: no console errors or CSP violations`)
    await context.close()

    // ---- Reduced motion: no autoplay; the native controls stay.
    const still = await browser.newContext({ baseURL: server.url, viewport: size.viewport, reducedMotion: 'reduce' })
    const guest = await still.newPage()
    await guest.goto('/tags/piclip')
    await guest.waitForFunction(() => 'hearthPosts' in window)
    const v = await guest.locator(`#post-${videoPost.id} video`).evaluate((v: HTMLVideoElement) => ({ paused: v.paused, controls: v.controls, autoplay: v.dataset.autoplay !== undefined }))
    assert.deepEqual(v, { paused: true, controls: true, autoplay: false }, `${label}: reduced motion keeps the video still`)
    // One video at a time: starting one (here with its own controls) pauses the other.
    await guest.goto('/tags/pitwo')
    await guest.waitForFunction(() => 'hearthPosts' in window)
    const start = (id: number) => guest.locator(`#post-${id} video`).evaluate((v: HTMLVideoElement) => ((v.muted = true), v.play()))
    await start(videoPost.id)
    await start(secondVideo.id)
    await guest.waitForFunction(([a, b]) => document.querySelector<HTMLVideoElement>(`#post-${a} video`)!.paused && !document.querySelector<HTMLVideoElement>(`#post-${b} video`)!.paused, [videoPost.id, secondVideo.id])
    await still.close()
  }
})

test('a like works without JavaScript: the form posts and comes back', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const h = server.hearth
  const author = await h.users.create({ username: 'nojs_author', email: 'nojs_author@example.org', password: PASSWORD }, { actorId: null })
  await h.users.create({ username: 'nojs_viewer', email: 'nojs_viewer@example.org', password: PASSWORD }, { actorId: null })
  const post = await h.posts.create(author.id, { text: 'Plain forms' })
  const { context, page } = await logIn(browser, server, 'nojs_viewer', { viewport: { width: 390, height: 844 }, javaScriptEnabled: false })
  await page.goto(`/p/${post.id}`)
  await Promise.all([page.waitForURL((u) => u.pathname === `/p/${post.id}`), likeButton(page, post.id).click()])
  assert.equal(await likeButton(page, post.id).getAttribute('aria-pressed'), 'true')
  assert.equal(await page.locator(`#reactions-${post.id} [data-liked-by]`).textContent(), '1 like')
  // Share without JavaScript is a link to the post.
  assert.equal(await page.locator(`#reactions-${post.id}`).getByRole('link', { name: 'Share' }).getAttribute('href'), `/p/${post.id}`)
  await context.close()
})
