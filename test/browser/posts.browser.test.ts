// In a real browser at phone and desktop sizes: a five-photo post is a carousel (one at a time, dots, arrows, keys,
// swipe), never crops a photo, opens one whole in a lightbox; alt text typed in the compose form without JavaScript is the img's alt.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import { browserOrSkip, registerInBrowser, startTestServer } from './browser.js'

const SHAPES = [
  { w: 400, h: 500, alt: 'A tall teal card' },
  { w: 800, h: 400, alt: 'A wide amber band' },
  { w: 300, h: 300, alt: 'A square' },
  { w: 270, h: 480, alt: 'A phone-shaped strip' },
  { w: 400, h: 300, alt: 'A landscape' },
]

test('shows a five-photo post one photo at a time, uncropped, with arrows, dots, keys, swipe and a lightbox', { timeout: 180_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())

  // Posted through the compose form with JavaScript off: the files and their alt text, a line each.
  const author = await registerInBrowser(browser, server, 'five_photos', { javaScriptEnabled: false })
  await author.page.goto('/compose')
  await author.page.getByLabel(/What’s new/).fill('Five shapes')
  await author.page.getByLabel(/alt text, one line each/).fill(SHAPES.map((s) => s.alt).join('\n'))
  const files = await Promise.all(SHAPES.map(async (s, i) => ({ name: `IMG_000${i}.png`, mimeType: 'image/png', buffer: await sharp({ create: { width: s.w, height: s.h, channels: 3, background: ['#0f766e', '#b45309', '#1d4ed8', '#9d174d', '#4d7c0f'][i]! } }).png().toBuffer() })))
  await author.page.locator('input[type=file][name=files]').setInputFiles(files)
  await Promise.all([author.page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), author.page.getByRole('button', { name: 'Post' }).click()])
  const url = new URL(author.page.url()).pathname
  await server.hearth.queue.drain()
  await author.context.close()

  for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
    const context = await browser.newContext({ baseURL: server.url, viewport })
    context.setDefaultTimeout(20_000)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(url)
    const size = `${viewport.width}px`
    const carousel = page.locator('[data-carousel]')
    const track = carousel.locator('.carousel-track')
    await carousel.locator('.carousel-dot').first().waitFor()

    // One photo at a time: each item is exactly the track's width, and the frame keeps the first photo's 4:5.
    const box = await track.evaluate((el) => ({ w: el.clientWidth, h: el.clientHeight, scroll: el.scrollWidth, items: [...el.children].map((c) => (c as HTMLElement).offsetWidth) }))
    assert.equal(box.items.length, 5, size)
    for (const w of box.items) assert.ok(Math.abs(w - box.w) <= 1, `${size}: an item fills the frame`)
    assert.ok(Math.abs(box.scroll - 5 * box.w) <= 5, `${size}: five frames side by side`)
    assert.ok(Math.abs(box.w / box.h - 0.8) < 0.02, `${size}: the frame is 4:5, got ${box.w}/${box.h}`)
    assert.equal(await carousel.locator('.carousel-dot').count(), 5, size)

    // No photo is cropped: each is fitted whole (contain), its file keeps its shape, its size attributes are the stored ones.
    const imgs = await track.locator('img').evaluateAll((els) => els.map((e) => { const i = e as HTMLImageElement; return { fit: getComputedStyle(i).objectFit, nw: i.naturalWidth, nh: i.naturalHeight, w: i.getAttribute('width'), h: i.getAttribute('height'), alt: i.alt } }))
    SHAPES.forEach((s, i) => {
      assert.equal(imgs[i]!.fit, 'contain', `${size}: photo ${i + 1} is letterboxed, not cropped`)
      assert.deepEqual([imgs[i]!.w, imgs[i]!.h], [String(s.w), String(s.h)], `${size}: photo ${i + 1} has its stored size`)
      assert.equal(imgs[i]!.alt, s.alt, `${size}: photo ${i + 1}'s alt text`)
    })
    for (let i = 0; i < 5; i++) await track.locator('.carousel-item').nth(i).scrollIntoViewIfNeeded().catch(() => {})
    await track.evaluate((el) => el.scrollTo({ left: 0 }))
    const shapes = await track.locator('img').evaluateAll((els) => Promise.all(els.map((e) => { const i = e as HTMLImageElement; return i.decode().catch(() => {}).then(() => i.naturalWidth / i.naturalHeight) })))
    shapes.forEach((r, i) => assert.ok(Math.abs(r - SHAPES[i]!.w / SHAPES[i]!.h) < 0.02, `${size}: photo ${i + 1}'s file keeps its shape (${r})`))

    const index = () => carousel.evaluate((el) => Number((el as HTMLElement).dataset.index))
    const waitIndex = (i: number) => page.waitForFunction((i) => document.querySelector<HTMLElement>('[data-carousel]')!.dataset.index === String(i), i)
    await waitIndex(0) // the index follows the scroll a frame later
    assert.equal(await index(), 0)
    assert.equal(await carousel.locator('.carousel-prev').isVisible(), false, `${size}: no way back from the first`)
    await carousel.getByRole('button', { name: 'Next' }).click()
    await waitIndex(1)
    assert.equal(await carousel.locator('.carousel-dot').nth(1).getAttribute('aria-current'), 'true')
    await carousel.getByRole('button', { name: 'Previous' }).click()
    await waitIndex(0)

    await track.focus()
    await page.keyboard.press('ArrowRight')
    await waitIndex(1)
    await page.keyboard.press('ArrowRight')
    await waitIndex(2)
    await page.keyboard.press('ArrowLeft')
    await waitIndex(1)

    // A swipe is a horizontal scroll of the track; the dots follow it.
    await track.evaluate((el) => el.scrollTo({ left: el.clientWidth * 4 }))
    await waitIndex(4)
    assert.equal(await carousel.locator('.carousel-dot').nth(4).getAttribute('aria-current'), 'true')
    assert.equal(await carousel.locator('.carousel-next').isVisible(), false, `${size}: no way on from the last`)
    await carousel.locator('.carousel-dot').nth(2).click()
    await waitIndex(2)

    // The lightbox: the photo whole, closed with Esc.
    await track.locator('.carousel-item').nth(2).locator('a').click()
    const dialog = page.locator('dialog.lightbox')
    await dialog.waitFor({ state: 'visible' })
    assert.equal(await dialog.locator('img').getAttribute('alt'), SHAPES[2]!.alt)
    assert.equal(await dialog.locator('img').evaluate((i) => getComputedStyle(i).objectFit), 'contain')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    assert.equal(new URL(page.url()).pathname, url, `${size}: still on the post`)
    assert.deepEqual(errors, [])
    await context.close()
  }
})

test('swipes through a post without JavaScript, and a photo is a link to the whole file', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const author = await registerInBrowser(browser, server, 'plain_viewer', { javaScriptEnabled: false })
  await author.page.goto('/compose')
  await author.page.getByLabel(/What’s new/).fill('Two, no script')
  const photo = (background: string) => sharp({ create: { width: 320, height: 240, channels: 3, background } }).png().toBuffer()
  await author.page.locator('input[type=file][name=files]').setInputFiles([
    { name: 'a.png', mimeType: 'image/png', buffer: await photo('#0f766e') },
    { name: 'b.png', mimeType: 'image/png', buffer: await photo('#b45309') },
  ])
  await Promise.all([author.page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), author.page.getByRole('button', { name: 'Post' }).click()])
  await server.hearth.queue.drain()
  await author.page.reload()
  const track = author.page.locator('.carousel-track')
  assert.equal(await author.page.locator('.carousel-dot').count(), 0, 'no script, no dots')
  assert.equal(await track.evaluate((el) => getComputedStyle(el).scrollSnapType), 'x mandatory')
  await track.evaluate((el) => el.scrollTo({ left: el.clientWidth }))
  assert.ok((await track.evaluate((el) => el.scrollLeft)) > 0, 'the track scrolls sideways')
  const href = await track.locator('a').first().getAttribute('href')
  assert.match(href ?? '', /^\/media\/\d+\/(1080|original)$/)
  assert.equal((await author.page.request.get(href!)).status(), 200)
  await author.context.close()
})

test('takes alt text beside each uploaded preview with JavaScript, and shows it as the alt', { timeout: 120_000 }, async (t) => {
  const browser = await browserOrSkip(t)
  if (!browser) return
  const server = await startTestServer()
  t.after(() => server.close())
  const member = await registerInBrowser(browser, server, 'alt_script')
  await member.page.goto('/compose')
  assert.equal(await member.page.locator('textarea[name=media_alt_lines]').count(), 0, 'the lines field is for the form without JavaScript')
  await member.page.getByLabel(/What’s new/).fill('Described')
  const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#0f766e' } }).png().toBuffer()
  await member.page.locator('input[type=file]').setInputFiles([{ name: 'IMG_4242.png', mimeType: 'image/png', buffer: png }])
  await member.page.getByLabel('Alt text for IMG_4242.png').fill('A green band')
  await member.page.getByText('Uploaded').first().waitFor()
  await Promise.all([member.page.waitForURL((u) => /^\/p\/\d+$/.test(u.pathname)), member.page.getByRole('button', { name: 'Post' }).click()])
  await server.hearth.queue.drain()
  await member.page.reload()
  assert.equal(await member.page.locator('.carousel img').getAttribute('alt'), 'A green band')
  assert.deepEqual(member.problems.list, [])
  await member.context.close()
})
